/**
 * Tensor handles: immutable values naming one tensor of a fluent network and its type, with a
 * method per layer. Each method adds the layer's IR nodes (ONNX opset 13+ forms: shapes, axes,
 * pads, splits as constant inputs) and returns a handle to the result; see network.ts.
 */
import { ShapeError } from '../../errors.js';
import { isFloat, type DType } from '../../ir/dtype.js';
import type { Attrs, AttrValue } from '../../ir/graph.js';
import { QUANT_RANGE } from '../../ir/ops/quantize.js';
import { fromFloat64, shapeToString, sizeOf, tensor, toFloat64, type Shape, type Tensor, type TensorType } from '../../ir/tensor.js';
import { isTensor, weightTensor, type Init, type WeightsLike } from './init.js';
import type { ConstantLike, LayerOptions, Network } from './network.js';
import type { WindowOptions, Conv2dOptions, ConvTranspose2dOptions, DepthwiseConv2dOptions, PoolOptions, AvgPoolOptions, BatchNormOptions, DenseOptions, NormOptions, ResizeOptions, LrnOptions, TopKOptions, QuantParam, DequantizeOptions, QuantizeOptions, ReduceOptions, ArgOptions } from './options.js';
export type { WindowOptions, Conv2dOptions, ConvTranspose2dOptions, DepthwiseConv2dOptions, PoolOptions, AvgPoolOptions, BatchNormOptions, DenseOptions, NormOptions, ResizeOptions, LrnOptions, TopKOptions, QuantParam, DequantizeOptions, QuantizeOptions, ReduceOptions, ArgOptions } from './options.js';

/** A second operand: another handle, or a constant (number = scalar, list = 1-D, or a Tensor). */
export type Operand = TensorHandle | ConstantLike;

const ZEROS: Init = { kind: 'constant', value: 0 };
const ONES: Init = { kind: 'constant', value: 1 };

export class TensorHandle {
  constructor(
    readonly network: Network,
    readonly name: string,
    readonly type: TensorType,
  ) {
    Object.freeze(this);
  }

  get shape(): Shape {
    return this.type.shape;
  }

  get dtype(): DType {
    return this.type.dtype;
  }

  get rank(): number {
    return this.type.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${shapeToString(this.shape)}`;
  }

  // ---- convolution and dense --------------------------------------------------------------

  conv2d(outChannels: number, opts: Conv2dOptions): TensorHandle {
    return this.conv('conv2d', outChannels, opts);
  }

  /**
   * ConvTranspose ("deconvolution", the data gradient of conv2d): per spatial axis the output is
   * stride * (in - 1) + outputPadding + dilation * (kernel - 1) + 1 - pad_begin - pad_end, and
   * pad 'same' makes it in * stride.
   */
  convTranspose2d(outChannels: number, opts: ConvTranspose2dOptions): TensorHandle {
    return this.layer('conv_transpose2d', opts, (name) => {
      const groups = opts.groups ?? 1;
      const c = this.convChannels(name, 'conv_transpose2d', outChannels, groups);
      const window = this.window(name, opts, false);
      const kernel = window['kernel_shape'] as number[];
      const strides = window['strides'] as number[];
      const dilations = window['dilations'] as number[];
      const outputPadding = opts.outputPadding === undefined ? undefined : this.spatial(name, opts.outputPadding, 'outputPadding', []);
      if (outputPadding?.some((p, i) => !Number.isInteger(p) || p < 0 || p >= Math.max(strides[i]!, dilations[i]!))) {
        throw new ShapeError(
          `${name}: outputPadding [${outputPadding.join(', ')}] must be integers >= 0 and smaller than the stride [${strides.join(', ')}] or the dilation [${dilations.join(', ')}] (input ${shapeToString(this.shape)})`,
        );
      }
      const dtype = floatOf(this.dtype);
      // Each output sums about (C_in / groups) * kh * kw / (sh * sw) terms: that is its fan-in.
      const fanIn = Math.max(1, ((c / groups) * kernel[0]! * kernel[1]!) / (strides[0]! * strides[1]!));
      const net = this.network;
      const w = net.param('weight', { shape: [c, outChannels / groups, ...kernel], dtype, init: { kind: 'he-uniform', fanIn }, given: opts.weights });
      const given = opts.bias === true || opts.bias === false ? undefined : opts.bias;
      const b = opts.bias === false ? undefined : net.param('bias', { shape: [outChannels], dtype, init: ZEROS, given });
      return this.node(name, 'ConvTranspose', [this, w, b], { ...window, group: groups, ...defined({ output_padding: outputPadding }) });
    });
  }

  depthwiseConv2d(opts: DepthwiseConv2dOptions): TensorHandle {
    const c = this.shape[1] ?? 0;
    return this.conv('depthwise_conv2d', c * (opts.multiplier ?? 1), { ...opts, groups: c });
  }

  /** Gemm (transB=1) on a 2-D input; MatMul (+ Add for the bias) on any other rank. */
  dense(units: number, opts: DenseOptions = {}): TensorHandle {
    return this.layer('dense', opts, (name) => {
      if (this.rank < 1) throw new ShapeError(`${name}: dense needs an input of rank >= 1, got a scalar`);
      const k = this.shape[this.rank - 1]!;
      const dtype = floatOf(this.dtype);
      const init: Init = { kind: 'he-uniform', fanIn: k };
      const given = opts.bias === true || opts.bias === false ? undefined : opts.bias;
      const bias = () => this.network.param('bias', { shape: [units], dtype, init: ZEROS, given });
      const net = this.network;
      if (this.rank === 2) {
        const w = net.param('weight', { shape: [units, k], dtype, init, given: opts.weights });
        return this.node(name, 'Gemm', [this, w, opts.bias === false ? undefined : bias()], { transB: 1 });
      }
      // MatMul wants the weight as [in, units]: store the given [units, in] values transposed.
      const wt = opts.weights === undefined ? undefined : transpose2d(weightTensor(opts.weights, { shape: [units, k], dtype, what: `${name}: weight` }));
      const w = net.param('weight', { shape: [k, units], dtype, init, given: wt });
      if (opts.bias === false) return this.node(name, 'MatMul', [this, w]);
      const mm = this.node(`${name}.matmul`, 'MatMul', [this, w]);
      return this.node(name, 'Add', [mm, bias()]);
    });
  }

  matmul(other: Operand, opts: LayerOptions = {}): TensorHandle {
    return this.binary('MatMul', 'matmul', other, opts);
  }

  /** ONNX Gemm: alpha * A' * B' + beta * C. */
  gemm(b: Operand, opts: LayerOptions & { c?: Operand; alpha?: number; beta?: number; transA?: boolean; transB?: boolean } = {}): TensorHandle {
    return this.layer('gemm', opts, (name) =>
      this.node(name, 'Gemm', [this, this.operand(b, 'b'), opts.c === undefined ? undefined : this.operand(opts.c, 'c')], defined({
        alpha: opts.alpha,
        beta: opts.beta,
        transA: opts.transA === undefined ? undefined : Number(opts.transA),
        transB: opts.transB === undefined ? undefined : Number(opts.transB),
      })),
    );
  }

  // ---- normalization ------------------------------------------------------------------------

  batchNorm(opts: BatchNormOptions = {}): TensorHandle {
    return this.layer('batch_norm', opts, (name) => {
      if (this.rank < 2) throw new ShapeError(`${name}: batchNorm needs an N x C x ... input, got ${shapeToString(this.shape)}`);
      const c = this.shape[1]!;
      const random = opts.init === 'random';
      const p = (suffix: string, given: WeightsLike | undefined, value: number, lo: number, hi: number) =>
        this.network.param(suffix, {
          shape: [c],
          dtype: floatOf(this.dtype),
          given,
          init: random ? { kind: 'uniform', lo, hi } : { kind: 'constant', value },
        });
      const inputs = [this, p('scale', opts.scale, 1, 0.5, 1.5), p('bias', opts.bias, 0, -0.5, 0.5), p('mean', opts.mean, 0, -0.5, 0.5), p('var', opts.var, 1, 0.5, 1.5)];
      return this.node(name, 'BatchNormalization', inputs, defined({ epsilon: opts.epsilon }));
    });
  }

  /** LayerNormalization over the axes from `axis` (default -1) on. */
  layerNorm(opts: NormOptions & { axis?: number } = {}): TensorHandle {
    return this.layer('layer_norm', opts, (name) => {
      const r = this.rank;
      const k = (opts.axis ?? -1) < 0 ? (opts.axis ?? -1) + r : (opts.axis ?? -1);
      if (k < 0 || k >= r) throw new ShapeError(`${name}: axis ${opts.axis ?? -1} is out of range for ${shapeToString(this.shape)}`);
      const [scale, bias] = this.normParams(this.shape.slice(k), opts);
      return this.node(name, 'LayerNormalization', [this, scale, bias], defined({ axis: opts.axis, epsilon: opts.epsilon }));
    });
  }

  /** Local response normalization across channels (AlexNet): x / (bias + alpha / size * sum of x^2 over `size` channels)^beta. */
  lrn(opts: LrnOptions): TensorHandle {
    return this.unary('LRN', 'lrn', defined({ size: opts.size, alpha: opts.alpha, beta: opts.beta, bias: opts.bias }), opts);
  }

  instanceNorm(opts: NormOptions = {}): TensorHandle {
    return this.layer('instance_norm', opts, (name) => {
      if (this.rank < 3) throw new ShapeError(`${name}: instanceNorm needs an N x C x spatial... input, got ${shapeToString(this.shape)}`);
      const [scale, bias] = this.normParams([this.shape[1]!], opts);
      return this.node(name, 'InstanceNormalization', [this, scale, bias ?? this.network.param('bias', { shape: [this.shape[1]!], dtype: floatOf(this.dtype), init: ZEROS })], defined({ epsilon: opts.epsilon }));
    });
  }

  // ---- unary --------------------------------------------------------------------------------

  relu(opts?: LayerOptions): TensorHandle { return this.unary('Relu', 'relu', {}, opts); }
  leakyRelu(alpha?: number, opts?: LayerOptions): TensorHandle { return this.unary('LeakyRelu', 'leaky_relu', defined({ alpha }), opts); }
  sigmoid(opts?: LayerOptions): TensorHandle { return this.unary('Sigmoid', 'sigmoid', {}, opts); }
  tanh(opts?: LayerOptions): TensorHandle { return this.unary('Tanh', 'tanh', {}, opts); }
  hardSigmoid(opts: LayerOptions & { alpha?: number; beta?: number } = {}): TensorHandle {
    return this.unary('HardSigmoid', 'hard_sigmoid', defined({ alpha: opts.alpha, beta: opts.beta }), opts);
  }
  hardSwish(opts?: LayerOptions): TensorHandle { return this.unary('HardSwish', 'hard_swish', {}, opts); }
  gelu(opts: LayerOptions & { approximate?: 'none' | 'tanh' } = {}): TensorHandle {
    return this.unary('Gelu', 'gelu', defined({ approximate: opts.approximate }), opts);
  }
  elu(alpha?: number, opts?: LayerOptions): TensorHandle { return this.unary('Elu', 'elu', defined({ alpha }), opts); }
  selu(opts: LayerOptions & { alpha?: number; gamma?: number } = {}): TensorHandle {
    return this.unary('Selu', 'selu', defined({ alpha: opts.alpha, gamma: opts.gamma }), opts);
  }
  softplus(opts?: LayerOptions): TensorHandle { return this.unary('Softplus', 'softplus', {}, opts); }
  /** x / (1 + |x|). */
  softsign(opts?: LayerOptions): TensorHandle { return this.unary('Softsign', 'softsign', {}, opts); }
  mish(opts?: LayerOptions): TensorHandle { return this.unary('Mish', 'mish', {}, opts); }
  exp(opts?: LayerOptions): TensorHandle { return this.unary('Exp', 'exp', {}, opts); }
  log(opts?: LayerOptions): TensorHandle { return this.unary('Log', 'log', {}, opts); }
  sqrt(opts?: LayerOptions): TensorHandle { return this.unary('Sqrt', 'sqrt', {}, opts); }
  abs(opts?: LayerOptions): TensorHandle { return this.unary('Abs', 'abs', {}, opts); }
  neg(opts?: LayerOptions): TensorHandle { return this.unary('Neg', 'neg', {}, opts); }
  reciprocal(opts?: LayerOptions): TensorHandle { return this.unary('Reciprocal', 'reciprocal', {}, opts); }
  floor(opts?: LayerOptions): TensorHandle { return this.unary('Floor', 'floor', {}, opts); }
  ceil(opts?: LayerOptions): TensorHandle { return this.unary('Ceil', 'ceil', {}, opts); }
  erf(opts?: LayerOptions): TensorHandle { return this.unary('Erf', 'erf', {}, opts); }
  not(opts?: LayerOptions): TensorHandle { return this.unary('Not', 'not', {}, opts); }
  identity(opts?: LayerOptions): TensorHandle { return this.unary('Identity', 'identity', {}, opts); }
  cast(dtype: DType, opts?: LayerOptions): TensorHandle { return this.unary('Cast', 'cast', { to: dtype }, opts); }

  /** Clip to [min, max]; either bound may be left out. */
  clip(min?: number, max?: number, opts: LayerOptions = {}): TensorHandle {
    return this.layer('clip', opts, (name) => {
      const bound = (suffix: string, v: number | undefined) => (v === undefined ? undefined : this.network.constantInput(suffix, v, this.dtype));
      return this.node(name, 'Clip', [this, bound('min', min), bound('max', max)]);
    });
  }

  // ---- binary (numpy broadcasting; a number or list becomes a constant of this dtype) --------

  add(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Add', 'add', other, opts); }
  sub(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Sub', 'sub', other, opts); }
  mul(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Mul', 'mul', other, opts); }
  div(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Div', 'div', other, opts); }
  pow(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Pow', 'pow', other, opts); }
  min(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Min', 'min', other, opts); }
  max(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Max', 'max', other, opts); }
  mod(other: Operand, opts: LayerOptions & { fmod?: boolean } = {}): TensorHandle {
    return this.binary('Mod', 'mod', other, opts, defined({ fmod: opts.fmod === undefined ? undefined : Number(opts.fmod) }));
  }
  equal(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Equal', 'equal', other, opts); }
  less(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Less', 'less', other, opts); }
  greater(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Greater', 'greater', other, opts); }
  lessOrEqual(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('LessOrEqual', 'less_or_equal', other, opts); }
  greaterOrEqual(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('GreaterOrEqual', 'greater_or_equal', other, opts); }
  and(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('And', 'and', other, opts); }
  or(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Or', 'or', other, opts); }
  xor(other: Operand, opts?: LayerOptions): TensorHandle { return this.binary('Xor', 'xor', other, opts); }

  /** PRelu; a list of C slopes on an N x C x ... input is one slope per channel. */
  prelu(slope: Operand = 0.25, opts?: LayerOptions): TensorHandle {
    const c = this.shape[1];
    if (Array.isArray(slope) && this.rank > 2 && slope.length === c) {
      slope = tensor(floatOf(this.dtype), [c, ...new Array<number>(this.rank - 2).fill(1)], slope as readonly number[]);
    }
    return this.binary('PRelu', 'prelu', slope, opts);
  }

  /** This (a bool condition) ? x : y. */
  where(x: Operand, y: Operand, opts: LayerOptions = {}): TensorHandle {
    return this.layer('where', opts, (name) => {
      const dtype = x instanceof TensorHandle ? x.dtype : y instanceof TensorHandle ? y.dtype : 'f32';
      return this.node(name, 'Where', [this, this.operand(x, 'x', dtype), this.operand(y, 'y', dtype)]);
    });
  }

  // ---- pooling ------------------------------------------------------------------------------

  maxPool(opts: PoolOptions): TensorHandle {
    return this.layer('max_pool', opts, (name) =>
      this.node(name, 'MaxPool', [this], { ...this.window(name, opts, true), ...defined({ ceil_mode: opts.ceil ? 1 : undefined }) }),
    );
  }

  avgPool(opts: AvgPoolOptions): TensorHandle {
    return this.layer('avg_pool', opts, (name) =>
      this.node(name, 'AveragePool', [this], {
        ...this.window(name, opts, true),
        ...defined({ ceil_mode: opts.ceil ? 1 : undefined, count_include_pad: opts.countIncludePad ? 1 : undefined }),
      }),
    );
  }

  globalAvgPool(opts?: LayerOptions): TensorHandle { return this.unary('GlobalAveragePool', 'global_avg_pool', {}, opts); }
  globalMaxPool(opts?: LayerOptions): TensorHandle { return this.unary('GlobalMaxPool', 'global_max_pool', {}, opts); }

  // ---- softmax and reductions ---------------------------------------------------------------

  softmax(axis = -1, opts?: LayerOptions): TensorHandle { return this.unary('Softmax', 'softmax', { axis }, opts); }
  logSoftmax(axis = -1, opts?: LayerOptions): TensorHandle { return this.unary('LogSoftmax', 'log_softmax', { axis }, opts); }
  /** Reduces over `axes` (all when left out); keepdims defaults to true as in ONNX. */
  reduceMean(axes?: readonly number[], opts?: ReduceOptions): TensorHandle { return this.reduce('ReduceMean', 'reduce_mean', axes, opts); }
  reduceSum(axes?: readonly number[], opts?: ReduceOptions): TensorHandle { return this.reduce('ReduceSum', 'reduce_sum', axes, opts); }
  reduceMax(axes?: readonly number[], opts?: ReduceOptions): TensorHandle { return this.reduce('ReduceMax', 'reduce_max', axes, opts); }
  reduceMin(axes?: readonly number[], opts?: ReduceOptions): TensorHandle { return this.reduce('ReduceMin', 'reduce_min', axes, opts); }
  /** i64 index of the largest value along `axis` (ties: the first, or the last with selectLastIndex). */
  argMax(axis: number, opts?: ArgOptions): TensorHandle { return this.arg('ArgMax', 'arg_max', axis, opts); }
  argMin(axis: number, opts?: ArgOptions): TensorHandle { return this.arg('ArgMin', 'arg_min', axis, opts); }

  /** The k largest (or smallest) values along an axis and their i64 indices; ties go to the lower index. */
  topK(k: number, opts: TopKOptions = {}): { values: TensorHandle; indices: TensorHandle } {
    return this.layer('top_k', opts, (name) => {
      if (!Number.isInteger(k) || k < 0) throw new ShapeError(`${name}: k must be an integer >= 0, got ${k} (input ${shapeToString(this.shape)})`);
      const attrs = defined({
        axis: opts.axis,
        largest: opts.largest === undefined ? undefined : Number(opts.largest),
        sorted: opts.sorted === undefined ? undefined : Number(opts.sorted),
      });
      const inputs = [this, this.network.constantInput('k', [k], 'i64')];
      const [values, indices] = this.network.addNode({ name, op: 'TopK', inputs, attrs, outputs: ['values', 'indices'] });
      return { values: values!, indices: indices! };
    });
  }

  // ---- layout -------------------------------------------------------------------------------

  flatten(axis?: number, opts?: LayerOptions): TensorHandle { return this.unary('Flatten', 'flatten', defined({ axis }), opts); }

  /** Reshape to `shape` (0 copies the input dim, -1 is inferred). */
  reshape(shape: readonly number[], opts: LayerOptions = {}): TensorHandle {
    return this.withInts('Reshape', 'reshape', [['shape', shape]], opts);
  }

  transpose(perm?: readonly number[], opts?: LayerOptions): TensorHandle {
    return this.unary('Transpose', 'transpose', defined({ perm }), opts);
  }

  /** Concatenation of this and `others` along `axis`. */
  concat(others: TensorHandle | readonly TensorHandle[], axis: number, opts: LayerOptions = {}): TensorHandle {
    return this.network.concat([this, ...(others instanceof TensorHandle ? [others] : others)], axis, opts);
  }

  /** Splits along `axis` into `parts` equal pieces (a number) or pieces of the given sizes. */
  split(parts: number | readonly number[], axis = 0, opts: LayerOptions = {}): TensorHandle[] {
    return this.layer('split', opts, (name) => {
      const count = typeof parts === 'number' ? parts : parts.length;
      if (!Number.isInteger(count) || count < 1) throw new ShapeError(`${name}: cannot split into ${count} parts`);
      const sizes = typeof parts === 'number' ? undefined : this.network.constantInput('split', parts, 'i64');
      const attrs: Attrs = typeof parts === 'number' ? { axis, num_outputs: parts } : { axis };
      return this.network.addNode({ name, op: 'Split', inputs: [this, sizes], attrs, outputs: count });
    });
  }

  slice(starts: readonly number[], ends: readonly number[], opts: LayerOptions & { axes?: readonly number[]; steps?: readonly number[] } = {}): TensorHandle {
    return this.withInts('Slice', 'slice', [['starts', starts], ['ends', ends], ['axes', opts.axes], ['steps', opts.steps]], opts);
  }

  /** Removes size-1 axes (all of them when `axes` is left out). */
  squeeze(axes?: readonly number[], opts: LayerOptions = {}): TensorHandle {
    return this.withInts('Squeeze', 'squeeze', [['axes', axes]], opts);
  }

  unsqueeze(axes: readonly number[], opts: LayerOptions = {}): TensorHandle {
    return this.withInts('Unsqueeze', 'unsqueeze', [['axes', axes]], opts);
  }

  /** Pads as [begins..., ends...] over every axis (or over `axes`). */
  pad(pads: readonly number[], opts: LayerOptions & { mode?: 'constant' | 'reflect' | 'edge' | 'wrap'; value?: number; axes?: readonly number[] } = {}): TensorHandle {
    return this.layer('pad', opts, (name) => {
      const net = this.network;
      const value = opts.value === undefined ? undefined : net.constantInput('value', opts.value, this.dtype);
      const axes = opts.axes === undefined ? undefined : net.constantInput('axes', opts.axes, 'i64');
      return this.node(name, 'Pad', [this, net.constantInput('pads', pads, 'i64'), value, axes], defined({ mode: opts.mode }));
    });
  }

  /** Gathers slices along `axis` at `indices` (a handle, or constant indices). */
  gather(indices: TensorHandle | number | readonly number[], axis?: number, opts: LayerOptions = {}): TensorHandle {
    return this.layer('gather', opts, (name) => this.node(name, 'Gather', [this, this.operand(indices, 'indices', 'i64')], defined({ axis })));
  }

  /** Repeats the tensor `repeats[i]` times along axis i (one count per axis). */
  tile(repeats: readonly number[], opts: LayerOptions = {}): TensorHandle {
    return this.withInts('Tile', 'tile', [['repeats', repeats]], opts);
  }

  /** Broadcasts to `shape` (numpy rules). */
  expand(shape: readonly number[], opts: LayerOptions = {}): TensorHandle {
    return this.withInts('Expand', 'expand', [['shape', shape]], opts);
  }

  /** Resize by `scales` or to `sizes` (one of them), per axis or over `axes`. */
  resize(opts: ResizeOptions): TensorHandle {
    return this.layer('resize', opts, (name) => {
      const net = this.network;
      const scales = opts.scales === undefined ? undefined : net.constantInput('scales', opts.scales, 'f32');
      const sizes = opts.sizes === undefined ? undefined : net.constantInput('sizes', opts.sizes, 'i64');
      return this.node(name, 'Resize', [this, undefined, scales, sizes], defined({
        mode: opts.mode,
        coordinate_transformation_mode: opts.coordinateTransformationMode,
        nearest_mode: opts.nearestMode,
        cubic_coeff_a: opts.cubicCoeffA,
        antialias: opts.antialias === undefined ? undefined : opts.antialias ? 1 : 0,
        axes: opts.axes,
      }));
    });
  }

  // ---- quantization -------------------------------------------------------------------------

  /**
   * QuantizeLinear: saturate(round_half_to_even(x / scale) + zeroPoint) as i8 or u8. A number
   * zero point with a list scale applies to every entry; leave it out for none (zero).
   */
  quantizeLinear(scale: QuantParam, zeroPoint?: QuantParam, opts: QuantizeOptions = {}): TensorHandle {
    return this.layer('quantize_linear', opts, (name) => {
      const zpType = isTensor(zeroPoint) ? zeroPoint.dtype : undefined;
      if (zpType && opts.dtype && zpType !== opts.dtype) {
        throw new ShapeError(`${name}: the zero point is ${zpType} but dtype is ${opts.dtype}; give one dtype (input ${shapeToString(this.shape)})`);
      }
      const dtype = opts.dtype ?? zpType ?? 'u8';
      const [s, zp] = this.quantParams(name, scale, zeroPoint, { scale: floatOf(this.dtype), zeroPoint: dtype });
      return this.node(name, 'QuantizeLinear', [this, s, zp], defined({
        axis: opts.axis,
        block_size: opts.blockSize,
        output_dtype: zp === undefined ? opts.dtype : undefined,
      }));
    });
  }

  /** DequantizeLinear: (x - zeroPoint) * scale, f32, for an i8, u8 or i32 input. */
  dequantizeLinear(scale: QuantParam, zeroPoint?: QuantParam, opts: DequantizeOptions = {}): TensorHandle {
    return this.layer('dequantize_linear', opts, (name) => {
      const [s, zp] = this.quantParams(name, scale, zeroPoint, { scale: 'f32', zeroPoint: this.dtype });
      return this.node(name, 'DequantizeLinear', [this, s, zp], defined({ axis: opts.axis, block_size: opts.blockSize }));
    });
  }

  // ---- helpers ------------------------------------------------------------------------------

  private layer<T>(base: string, opts: LayerOptions | undefined, build: (name: string) => T): T {
    return this.network.layer(base, opts?.name, build);
  }

  private node(name: string, op: string, inputs: readonly (TensorHandle | undefined)[], attrs: Attrs = {}): TensorHandle {
    return this.network.addNode({ name, op, inputs, attrs })[0]!;
  }

  private unary(op: string, base: string, attrs: Attrs, opts?: LayerOptions): TensorHandle {
    return this.layer(base, opts, (name) => this.node(name, op, [this], attrs));
  }

  private binary(op: string, base: string, other: Operand, opts?: LayerOptions, attrs: Attrs = {}): TensorHandle {
    return this.layer(base, opts, (name) => this.node(name, op, [this, this.operand(other, 'b')], attrs));
  }

  private reduce(op: string, base: string, axes: readonly number[] | undefined, opts: ReduceOptions = {}): TensorHandle {
    return this.layer(base, opts, (name) => {
      const ax = axes === undefined || axes.length === 0 ? undefined : this.network.constantInput('axes', axes, 'i64');
      return this.node(name, op, [this, ax], defined({ keepdims: opts.keepdims === undefined ? undefined : Number(opts.keepdims) }));
    });
  }

  private arg(op: string, base: string, axis: number, opts: ArgOptions = {}): TensorHandle {
    return this.unary(op, base, {
      axis,
      ...defined({
        keepdims: opts.keepdims === undefined ? undefined : Number(opts.keepdims),
        select_last_index: opts.selectLastIndex === undefined ? undefined : Number(opts.selectLastIndex),
      }),
    }, opts);
  }

  /**
   * The scale and zero point constants of a Q/DQ layer. A number zero point takes the scale's
   * shape; given values must be integers in the range of the zero point's dtype.
   */
  private quantParams(name: string, scale: QuantParam, zeroPoint: QuantParam | undefined, dtypes: { scale: DType; zeroPoint: DType }): [TensorHandle, TensorHandle | undefined] {
    const net = this.network;
    const s = net.constantInput('scale', scale, dtypes.scale);
    if (zeroPoint === undefined) return [s, undefined];
    const range = INT_RANGE[dtypes.zeroPoint];
    if (range && !isTensor(zeroPoint)) {
      const bad = (typeof zeroPoint === 'number' ? [zeroPoint] : zeroPoint).find((v) => !Number.isInteger(v) || v < range[0] || v > range[1]);
      if (bad !== undefined) {
        throw new ShapeError(`${name}: zero point ${bad} is not an integer in the ${dtypes.zeroPoint} range [${range[0]}, ${range[1]}] (input ${shapeToString(this.shape)})`);
      }
    }
    const value = typeof zeroPoint === 'number' ? tensor(dtypes.zeroPoint, s.shape, new Array<number>(sizeOf(s.shape)).fill(zeroPoint)) : zeroPoint;
    return [s, net.constantInput('zero_point', value, dtypes.zeroPoint)];
  }

  /** An op whose inputs after the first are optional constant int lists (shape, axes, starts...). */
  private withInts(op: string, base: string, lists: readonly (readonly [string, readonly number[] | undefined])[], opts: LayerOptions): TensorHandle {
    return this.layer(base, opts, (name) => {
      const consts = lists.map(([suffix, v]) => (v === undefined ? undefined : this.network.constantInput(suffix, v, 'i64')));
      return this.node(name, op, [this, ...consts]);
    });
  }

  /** A handle for an operand of the current layer: constants are named `layer.suffix`. */
  private operand(v: Operand, suffix: string, dtype: DType = this.dtype): TensorHandle {
    return v instanceof TensorHandle ? v : this.network.constantInput(suffix, v, dtype);
  }

  /** Checks a 2-D convolution's input rank, output channels and groups; returns the input channels. */
  private convChannels(name: string, base: string, outChannels: number, groups: number): number {
    if (this.rank !== 4) throw new ShapeError(`${name}: ${base} needs an N x C x H x W input, got ${shapeToString(this.shape)}`);
    const c = this.shape[1]!;
    if (!Number.isInteger(outChannels) || outChannels < 1) throw new ShapeError(`${name}: output channels must be a positive integer, got ${outChannels}`);
    if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || outChannels % groups !== 0) {
      throw new ShapeError(`${name}: groups ${groups} must divide the input channels ${c} (input ${shapeToString(this.shape)}) and the output channels ${outChannels}`);
    }
    return c;
  }

  private conv(base: string, outChannels: number, opts: Conv2dOptions): TensorHandle {
    return this.layer(base, opts, (name) => {
      const groups = opts.groups ?? 1;
      const c = this.convChannels(name, base, outChannels, groups);
      const window = this.window(name, opts, false);
      const kernel = window['kernel_shape'] as number[];
      const dtype = floatOf(this.dtype);
      const fanIn = (c / groups) * kernel[0]! * kernel[1]!;
      const net = this.network;
      const w = net.param('weight', { shape: [outChannels, c / groups, ...kernel], dtype, init: { kind: 'he-uniform', fanIn }, given: opts.weights });
      const given = opts.bias === true || opts.bias === false ? undefined : opts.bias;
      const b = opts.bias === false ? undefined : net.param('bias', { shape: [outChannels], dtype, init: ZEROS, given });
      return this.node(name, 'Conv', [this, w, b], { ...window, group: groups });
    });
  }

  /** ONNX window attributes (kernel_shape, strides, pads or auto_pad, dilations) for this input's spatial rank. */
  private window(name: string, opts: WindowOptions, strideIsKernel: boolean): Record<string, AttrValue> {
    const n = this.rank - 2;
    if (n < 1) throw new ShapeError(`${name}: needs an N x C x spatial... input, got ${shapeToString(this.shape)}`);
    const each = (v: number | readonly number[] | undefined, what: string, fallback: readonly number[]) => this.spatial(name, v, what, fallback);
    const ones = new Array<number>(n).fill(1);
    const kernel = each(opts.kernel, 'kernel', ones);
    const attrs: Record<string, AttrValue> = {
      kernel_shape: kernel,
      strides: each(opts.stride, 'stride', strideIsKernel ? kernel : ones),
      dilations: each(opts.dilation, 'dilation', ones),
    };
    const pad = opts.pad;
    if (pad === 'same') attrs['auto_pad'] = 'SAME_UPPER';
    else if (pad === undefined || typeof pad === 'number') attrs['pads'] = new Array<number>(2 * n).fill(pad ?? 0);
    else if (pad.length === n) attrs['pads'] = [...pad, ...pad];
    else if (pad.length === 2 * n) attrs['pads'] = [...pad];
    else throw new ShapeError(`${name}: pad needs 1, ${n} or ${2 * n} values for input ${shapeToString(this.shape)}, got [${pad.join(', ')}]`);
    return attrs;
  }

  /** One value per spatial axis of this N x C x spatial... input: a number for all, or a list of them. */
  private spatial(name: string, v: number | readonly number[] | undefined, what: string, fallback: readonly number[]): number[] {
    const n = this.rank - 2;
    if (v === undefined) return [...fallback];
    if (typeof v === 'number') return new Array<number>(n).fill(v);
    if (v.length !== n) throw new ShapeError(`${name}: ${what} needs 1 or ${n} values for input ${shapeToString(this.shape)}, got [${v.join(', ')}]`);
    return [...v];
  }

  /** Scale (default ones) and bias (default zeros, or none when bias is false) of a normalization. */
  private normParams(shape: Shape, opts: NormOptions): [TensorHandle, TensorHandle | undefined] {
    const dtype = floatOf(this.dtype);
    const net = this.network;
    const scale = net.param('scale', { shape, dtype, init: ONES, given: opts.scale });
    if (opts.bias === false) return [scale, undefined];
    const given = opts.bias === true ? undefined : opts.bias;
    return [scale, net.param('bias', { shape, dtype, init: ZEROS, given })];
  }
}

/** Value ranges of the integer dtypes a zero point can have. */
const INT_RANGE: Readonly<Partial<Record<DType, readonly [number, number]>>> = { ...QUANT_RANGE, i32: [-(2 ** 31), 2 ** 31 - 1] };

/** The attributes whose value is defined (the op's defaults apply to the others). */
function defined(attrs: Readonly<Record<string, AttrValue | undefined>>): Attrs {
  return Object.fromEntries(Object.entries(attrs).filter((e): e is [string, AttrValue] => e[1] !== undefined));
}

/** Weights of a float input take its dtype; of an integer input, f32. */
function floatOf(d: DType): DType {
  return isFloat(d) ? d : 'f32';
}

function transpose2d(t: Tensor): Tensor {
  const [r, c] = [t.shape[0]!, t.shape[1]!];
  const v = toFloat64(t);
  const out = new Float64Array(v.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = v[i * c + j]!;
  return fromFloat64(t.dtype, [c, r], out);
}
