/**
 * ONNX node -> IR nodes. The IR speaks the newest ONNX forms (attributes that later became
 * inputs are inputs); each converter here maps an older form, or an op the IR expresses
 * differently (Shape, Size, Constant*, Dropout, Sum/Mean, Upsample, CastLike, legacy Softmax),
 * onto IR ops. Ops with no entry pass through unchanged when the IR has them.
 */
import { GraphError, ModelFormatError, UnsupportedError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';
import type { AttrValue, Attrs } from '../../ir/graph.js';
import { OPS, type OpDef } from '../../ir/ops/index.js';
import { sizeOf, tensor, toInts, type Tensor, type TensorType } from '../../ir/tensor.js';
import { dtypeOf, MAX_CONSTANT_ELEMENTS, onnxTypeName } from './proto.js';

/** An ONNX node with decoded attributes. */
export interface OnnxNode {
  readonly name: string;
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** What a converter may do: emit IR nodes, make constants, read what is known so far. */
export interface ConvertContext {
  /** Version of the default ONNX domain the model imports. */
  readonly opset: number;
  emit(op: string, inputs: readonly string[], outputs: readonly string[], attrs?: Attrs): void;
  /** Binds `name` to a constant value (a new initializer). */
  define(name: string, value: Tensor): void;
  /** A new constant under a fresh name; returns the name. */
  constant(value: Tensor, hint: string): string;
  /** A fresh tensor name for an intermediate value. */
  fresh(hint: string): string;
  /** The value of a constant tensor, or undefined when it is computed at run time. */
  value(name: string): Tensor | undefined;
  /** The type of a tensor known so far (throws when unknown). */
  type(name: string): TensorType;
}

type Converter = (n: OnnxNode, cx: ConvertContext) => void;

const i64 = (values: readonly number[]): Tensor => tensor('i64', [values.length], values);

/** Attributes minus the named ones. */
function without(attrs: Attrs, ...names: string[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = { ...attrs };
  for (const k of names) delete out[k];
  return out;
}

/** Attribute readers for the attributes converters read themselves (IR ops check their own). */
function badAttr(n: OnnxNode, name: string, kind: string): GraphError {
  return new GraphError(`node '${n.name}' (${n.op}): attribute '${name}' must be ${kind}`);
}

function ints(n: OnnxNode, name: string): number[] | undefined {
  const v = n.attrs[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw badAttr(n, name, 'a list of numbers');
  return v as number[];
}

function num(n: OnnxNode, name: string): number | undefined {
  const v = n.attrs[name];
  if (v !== undefined && typeof v !== 'number') throw badAttr(n, name, 'a number');
  return v;
}

function str(n: OnnxNode, name: string): string | undefined {
  const v = n.attrs[name];
  if (v !== undefined && typeof v !== 'string') throw badAttr(n, name, 'a string');
  return v;
}

function tensorAttr(n: OnnxNode, name: string): Tensor | undefined {
  const v = n.attrs[name];
  if (v !== undefined && (typeof v !== 'object' || Array.isArray(v) || !('dtype' in v))) throw badAttr(n, name, 'a tensor');
  return v as Tensor | undefined;
}

/** Inputs padded with '' to `k` entries, then the given extra inputs in place. */
function withInputs(n: OnnxNode, k: number, extra: Record<number, string | undefined>): string[] {
  const ins = [...n.inputs];
  while (ins.length < k) ins.push('');
  for (const [i, v] of Object.entries(extra)) if (v !== undefined) ins[Number(i)] = v;
  while (ins.length > 0 && ins[ins.length - 1] === '') ins.pop();
  return ins;
}

/** Old forms that had `attr` where newer opsets take input `index` (an int64 list). */
function attrToInput(attr: string, index: number, before: number, rename = attr): Converter {
  return (n, cx) => {
    const scalar = cx.opset < before && typeof n.attrs[attr] === 'number' ? [num(n, attr)!] : undefined;
    const v = scalar ?? (cx.opset < before ? ints(n, attr) : undefined);
    const extra = v ? { [index]: cx.constant(i64(v), `${n.name}_${rename}`) } : {};
    cx.emit(n.op, withInputs(n, index, extra), n.outputs, cx.opset < before ? without(n.attrs, attr) : n.attrs);
  };
}

/** Ops whose attribute `name` is an ONNX type code, which the IR holds as a dtype name. */
export const DTYPE_ATTRS: Readonly<Record<string, string>> = { Cast: 'to', QuantizeLinear: 'output_dtype', DequantizeLinear: 'output_dtype' };

function dtypeAttr(name: string): Converter {
  return (n, cx) => {
    const code = num(n, name);
    if (code === undefined || (code === 0 && name !== 'to')) return cx.emit(n.op, n.inputs, n.outputs, without(n.attrs, name));
    const dtype = dtypeOf(code);
    if (!dtype) throw new UnsupportedError(`node '${n.name}' (${n.op}): ${name} type ${onnxTypeName(code)} is not supported`);
    cx.emit(n.op, n.inputs, n.outputs, { ...n.attrs, [name]: dtype });
  };
}

/** A variadic op (Sum, Max, Min) as a chain of its binary form. */
function chain(binary: string): Converter {
  return (n, cx) => {
    const ins = n.inputs.filter((i) => i);
    if (ins.length === 1) return cx.emit('Identity', ins, n.outputs);
    let acc = ins[0]!;
    ins.slice(1).forEach((x, i) => {
      const out = i === ins.length - 2 ? n.outputs[0]! : cx.fresh(`${n.name}_${binary.toLowerCase()}${i}`);
      cx.emit(binary, [acc, x], [out]);
      acc = out;
    });
  };
}

function filled(dtype: DType, shape: readonly number[], v: number | bigint): Tensor {
  const t = tensor(dtype, shape);
  (t.data as { fill(v: unknown): unknown }).fill(dtype === 'i64' ? BigInt(v) : Number(v));
  return t;
}

/** Softmax/LogSoftmax before opset 13 coerce the input to 2-D at `axis` (default 1). */
const legacySoftmax: Converter = (n, cx) => {
  if (cx.opset >= 13) return cx.emit(n.op, n.inputs, n.outputs, n.attrs);
  const x = cx.type(n.inputs[0]!);
  const r = x.shape.length;
  const a = num(n, 'axis') ?? 1;
  const ax = a + (a < 0 ? r : 0);
  if (ax === r - 1) return cx.emit(n.op, n.inputs, n.outputs, { axis: -1 });
  const rows = sizeOf(x.shape.slice(0, ax));
  const flat = cx.fresh(`${n.name}_2d`);
  const soft = cx.fresh(`${n.name}_soft`);
  cx.emit('Reshape', [n.inputs[0]!, cx.constant(i64([rows, sizeOf(x.shape.slice(ax))]), `${n.name}_shape2d`)], [flat]);
  cx.emit(n.op, [flat], [soft], { axis: 1 });
  cx.emit('Reshape', [soft, cx.constant(i64([...x.shape]), `${n.name}_shape`)], n.outputs);
};

const upsampleAsResize = (scalesFromAttr: boolean): Converter => (n, cx) => {
  const mode = str(n, 'mode') ?? 'nearest';
  const given = ints(n, 'scales');
  if (scalesFromAttr && !given) throw badAttr(n, 'scales', 'given (a list of floats)');
  const scales = given && scalesFromAttr ? cx.constant(tensor('f32', [given.length], given), `${n.name}_scales`) : n.inputs[1] ?? '';
  cx.emit('Resize', [n.inputs[0]!, '', scales], n.outputs, {
    mode: mode === 'bilinear' ? 'linear' : mode,
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
};

export const CONVERTERS: Readonly<Record<string, Converter>> = {
  Constant(n, cx) {
    const a = n.attrs;
    let v: Tensor;
    if (a['value'] !== undefined) v = tensorAttr(n, 'value')!;
    else if (a['value_float'] !== undefined) v = tensor('f32', [], [num(n, 'value_float')!]);
    else if (a['value_floats'] !== undefined) v = tensor('f32', [ints(n, 'value_floats')!.length], ints(n, 'value_floats')!);
    else if (a['value_int'] !== undefined) v = tensor('i64', [], [num(n, 'value_int')!]);
    else if (a['value_ints'] !== undefined) v = i64(ints(n, 'value_ints')!);
    else throw new UnsupportedError(`node '${n.name}' (Constant): only tensor, float(s) and int(s) values are supported (not ${Object.keys(a).join(', ') || 'no value'})`);
    cx.define(n.outputs[0]!, v);
  },
  ConstantOfShape(n, cx) {
    const shape = cx.value(n.inputs[0]!);
    if (!shape) throw new UnsupportedError(`node '${n.name}' (ConstantOfShape): the shape input '${n.inputs[0]}' must be known at build time`);
    const v = tensorAttr(n, 'value') ?? tensor('f32', [1], [0]);
    const dims = toInts(shape);
    if (dims.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(dims) > MAX_CONSTANT_ELEMENTS) {
      throw new ModelFormatError(`node '${n.name}' (ConstantOfShape): shape [${dims.join(', ')}] is not a valid constant of at most ${MAX_CONSTANT_ELEMENTS} elements`);
    }
    cx.define(n.outputs[0]!, filled(v.dtype, dims, v.dtype === 'i64' ? (v.data as BigInt64Array)[0]! : Number(v.data[0] ?? 0)));
  },
  Shape(n, cx) {
    const dims = cx.type(n.inputs[0]!).shape;
    const r = dims.length;
    const clamp = (v: number) => Math.min(r, Math.max(0, v < 0 ? v + r : v));
    const start = clamp(num(n, 'start') ?? 0);
    const end = clamp(num(n, 'end') ?? r);
    cx.define(n.outputs[0]!, i64(dims.slice(start, Math.max(start, end))));
  },
  Size(n, cx) {
    cx.define(n.outputs[0]!, tensor('i64', [], [sizeOf(cx.type(n.inputs[0]!).shape)]));
  },
  CastLike(n, cx) {
    cx.emit('Cast', [n.inputs[0]!], n.outputs, { to: cx.type(n.inputs[1]!).dtype, ...(n.attrs['saturate'] !== undefined ? { saturate: n.attrs['saturate'] } : {}) });
  },
  Cast: dtypeAttr('to'),
  QuantizeLinear: dtypeAttr('output_dtype'),
  DequantizeLinear: dtypeAttr('output_dtype'),
  Dropout(n, cx) {
    // Inference: the identity (and an all-true mask). Training mode with a non-zero ratio is random.
    const training = n.inputs[2] ? cx.value(n.inputs[2]) : undefined;
    const isTraining = training ? Number(training.data[0]) !== 0 : false;
    if (n.inputs[2] && !training) throw new UnsupportedError(`node '${n.name}' (Dropout): training_mode must be a constant`);
    if (isTraining) {
      const ratio = n.inputs[1] ? cx.value(n.inputs[1]) : undefined;
      const r = ratio ? Number(ratio.data[0]) : 0.5;
      if (n.inputs[1] && !ratio) throw new UnsupportedError(`node '${n.name}' (Dropout): ratio must be a constant`);
      if (r !== 0) throw new UnsupportedError(`node '${n.name}' (Dropout): training mode with ratio ${r} drops random elements; wgrt runs inference only`);
    }
    cx.emit('Identity', [n.inputs[0]!], [n.outputs[0]!]);
    if (n.outputs[1]) cx.define(n.outputs[1], filled('bool', cx.type(n.inputs[0]!).shape, 1));
  },
  Sum: chain('Add'),
  Max: chain('Max'),
  Min: chain('Min'),
  Mean(n, cx) {
    const ins = n.inputs.filter((i) => i);
    const sum = cx.fresh(`${n.name}_sum`);
    chain('Add')({ ...n, outputs: [sum] }, cx);
    const t = cx.type(ins[0]!);
    cx.emit('Div', [sum, cx.constant(tensor(t.dtype, [], [ins.length]), `${n.name}_count`)], n.outputs);
  },
  Upsample(n, cx) {
    upsampleAsResize(cx.opset < 9)(n, cx);
  },
  Resize(n, cx) {
    if (cx.opset >= 11) return cx.emit('Resize', n.inputs, n.outputs, n.attrs);
    upsampleAsResize(false)(n, { ...cx, opset: 9 });
  },
  Softmax: legacySoftmax,
  LogSoftmax: legacySoftmax,
  Reshape(n, cx) {
    if (cx.opset >= 5) return cx.emit('Reshape', n.inputs, n.outputs, n.attrs);
    cx.emit('Reshape', [n.inputs[0]!, cx.constant(i64(ints(n, 'shape') ?? []), `${n.name}_shape`)], n.outputs);
  },
  Pad(n, cx) {
    if (cx.opset >= 11) return cx.emit('Pad', n.inputs, n.outputs, n.attrs);
    const pads = ints(n, 'pads') ?? ints(n, 'paddings') ?? [];
    const value = num(n, 'value') ?? 0;
    const dtype = cx.type(n.inputs[0]!).dtype;
    cx.emit('Pad', [n.inputs[0]!, cx.constant(i64(pads), `${n.name}_pads`), cx.constant(tensor(dtype, [], [value]), `${n.name}_value`)], n.outputs, n.attrs['mode'] !== undefined ? { mode: n.attrs['mode'] } : {});
  },
  Clip(n, cx) {
    if (cx.opset >= 11) return cx.emit('Clip', n.inputs, n.outputs);
    const dtype = cx.type(n.inputs[0]!).dtype;
    const bound = (k: string) => {
      const v = num(n, k);
      return v === undefined ? '' : cx.constant(tensor(dtype, [], [v]), `${n.name}_${k}`);
    };
    cx.emit('Clip', withInputs(n, 1, { 1: bound('min'), 2: bound('max') }), n.outputs);
  },
  Split(n, cx) {
    if (cx.opset >= 13) return cx.emit('Split', n.inputs, n.outputs, n.attrs);
    attrToInput('split', 1, 13)(n, cx);
  },
  Slice(n, cx) {
    if (cx.opset >= 10) return cx.emit('Slice', n.inputs, n.outputs);
    const c = (k: string) => {
      const v = ints(n, k);
      return v ? cx.constant(i64(v), `${n.name}_${k}`) : '';
    };
    cx.emit('Slice', withInputs(n, 1, { 1: c('starts'), 2: c('ends'), 3: c('axes') }), n.outputs);
  },
  Squeeze: attrToInput('axes', 1, 13),
  Unsqueeze: attrToInput('axes', 1, 13),
  ReduceSum: attrToInput('axes', 1, 13),
  ReduceMean: attrToInput('axes', 1, 18),
  ReduceMax: attrToInput('axes', 1, 18),
  ReduceMin: attrToInput('axes', 1, 18),
  TopK: attrToInput('k', 1, 10),
  BatchNormalization(n, cx) {
    const a = without(n.attrs, 'spatial', 'is_test', 'consumed_inputs');
    if (n.attrs['spatial'] === 0) throw new UnsupportedError(`node '${n.name}' (BatchNormalization): spatial=0 (per-element statistics) is not supported`);
    if (cx.opset < 14) delete a['training_mode'];
    const extra = n.outputs.slice(1).filter((o) => o);
    if (extra.length > 0 && !(a['training_mode'] === 1)) {
      throw new UnsupportedError(`node '${n.name}' (BatchNormalization): outputs ${extra.join(', ')} exist only in training mode`);
    }
    if (a['training_mode'] === 1) return trainingBatchNorm(n, cx, a);
    cx.emit('BatchNormalization', n.inputs, [n.outputs[0]!], a);
  },
  Pow(n, cx) {
    // The IR's Pow takes one dtype; ONNX allows the exponent's to differ. Compute in float and
    // cast back to the base's dtype (as ONNX's reference does).
    const [x, y] = n.inputs as [string, string];
    const tx = cx.type(x).dtype;
    const ty = cx.type(y).dtype;
    if (tx === ty) return cx.emit('Pow', n.inputs, n.outputs);
    const f = tx === 'f16' || ty === 'f16' ? (tx === 'f32' || ty === 'f32' ? 'f32' : 'f16') : 'f32';
    const asF = (t: string, dt: string, h: string) => {
      if (dt === f) return t;
      const c = cx.fresh(`${n.name}_${h}`);
      cx.emit('Cast', [t], [c], { to: f });
      return c;
    };
    const xf = asF(x, tx, 'base');
    const yf = asF(y, ty, 'exponent');
    if (tx === f) return cx.emit('Pow', [xf, yf], n.outputs);
    const p = cx.fresh(`${n.name}_pow`);
    cx.emit('Pow', [xf, yf], [p]);
    cx.emit('Cast', [p], n.outputs, { to: tx });
  },
  Gemm(n, cx) {
    cx.emit('Gemm', n.inputs, n.outputs, without(n.attrs, 'broadcast'));
  },
  Concat(n, cx) {
    cx.emit('Concat', n.inputs, n.outputs, n.attrs['axis'] === undefined && cx.opset < 4 ? { axis: 1 } : n.attrs);
  },
};

/**
 * BatchNormalization in training mode (opset 14+): normalizes with the batch statistics and
 * outputs the updated running mean and variance, written with IR ops.
 */
function trainingBatchNorm(n: OnnxNode, cx: ConvertContext, a: Record<string, AttrValue>): void {
  const [x, scale, bias, mean, variance] = n.inputs as [string, string, string, string, string];
  const t = cx.type(x);
  const c = t.shape[1]!;
  const axes = cx.constant(i64(t.shape.map((_, i) => i).filter((i) => i !== 1)), `${n.name}_axes`);
  const cshape = cx.constant(i64([c, ...t.shape.slice(2).map(() => 1)]), `${n.name}_cshape`);
  const eps = (a['epsilon'] as number | undefined) ?? 1e-5;
  const momentum = (a['momentum'] as number | undefined) ?? 0.9;
  const f = (v: number, h: string) => cx.constant(tensor(t.dtype, [], [v]), `${n.name}_${h}`);
  const v = (h: string) => cx.fresh(`${n.name}_${h}`);
  const bm = v('batch_mean'), centered = v('centered'), sq = v('sq'), bv = v('batch_var');
  cx.emit('ReduceMean', [x, axes], [bm], { keepdims: 1 });
  cx.emit('Sub', [x, bm], [centered]);
  cx.emit('Mul', [centered, centered], [sq]);
  cx.emit('ReduceMean', [sq, axes], [bv], { keepdims: 1 });
  const ve = v('var_eps'), sd = v('std'), norm = v('norm'), s4 = v('scale4'), b4 = v('bias4'), scaled = v('scaled');
  cx.emit('Add', [bv, f(eps, 'eps')], [ve]);
  cx.emit('Sqrt', [ve], [sd]);
  cx.emit('Div', [centered, sd], [norm]);
  cx.emit('Reshape', [scale, cshape], [s4]);
  cx.emit('Reshape', [bias, cshape], [b4]);
  cx.emit('Mul', [norm, s4], [scaled]);
  cx.emit('Add', [scaled, b4], [n.outputs[0]!]);
  const running = (input: string, batch: string, out: string | undefined, h: string) => {
    if (!out) return;
    const flat = v(`${h}_flat`), kept = v(`${h}_kept`), fresh = v(`${h}_new`);
    cx.emit('Reshape', [batch, cx.constant(i64([c]), `${n.name}_${h}_c`)], [flat]);
    cx.emit('Mul', [input, f(momentum, `${h}_momentum`)], [kept]);
    cx.emit('Mul', [flat, f(1 - momentum, `${h}_rest`)], [fresh]);
    cx.emit('Add', [kept, fresh], [out]);
  };
  running(mean, bm, n.outputs[1], 'mean');
  running(variance, bv, n.outputs[2], 'var');
}

export function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/**
 * The registered plugin op (src/plugins) that an ONNX node of this domain and op type imports
 * as, or undefined. Only the op's own domain matches: a plugin in 'com.example' does not take
 * nodes of the default domain, nor those of another custom domain.
 */
export function pluginOpOf(domain: string, op: string): OpDef | undefined {
  const def = OPS.get(op);
  return def?.plugin && (def.domain ?? '') === (isDefaultDomain(domain) ? '' : domain) ? def : undefined;
}

/** Why wgrt cannot import this node, or undefined when it can (ops, not values: those come later). */
export function unsupportedReason(n: OnnxNode, opset: number): string | undefined {
  const plugin = pluginOpOf(n.domain, n.op);
  if (plugin) {
    // A plugin's op: its own attribute schema is checked when the node is typed.
    const graphAttr = Object.entries(n.attrs).find(([, v]) => v === null);
    return graphAttr ? `attribute '${graphAttr[0]}' holds a graph or sparse tensor, which wgrt does not support` : undefined;
  }
  if (!isDefaultDomain(n.domain)) {
    const domains = [...new Set([...OPS.values()].flatMap((d) => (d.plugin && d.domain ? [d.domain] : [])))].sort();
    const also = domains.length > 0 ? ` and the domains of registered plugins: ${domains.join(', ')}` : '; a plugin can add ops of other domains (registerPlugin)';
    return `domain '${n.domain}' is not supported (only the default ONNX domain${also})`;
  }
  const other = OPS.get(n.op)?.plugin ? OPS.get(n.op)!.domain : undefined;
  if (other !== undefined) return `op ${n.op} is not supported in the default domain (plugin '${OPS.get(n.op)!.plugin!.name}' defines it in domain '${other}')`;
  if (!CONVERTERS[n.op] && (!OPS.has(n.op) || OPS.get(n.op)!.internal)) return `op ${n.op} is not supported`;
  if (opset < 7) return `opset ${opset} is older than 7, the oldest wgrt imports`;
  if (opset > 25) return `opset ${opset} is newer than 25, the newest wgrt knows`;
  for (const [k, v] of Object.entries(n.attrs)) {
    if (v === null) return `attribute '${k}' holds a graph or sparse tensor, which wgrt does not support`;
  }
  const dt = DTYPE_ATTRS[n.op] ? n.attrs[DTYPE_ATTRS[n.op]!] : undefined;
  if (typeof dt === 'number' && dt !== 0 && !dtypeOf(dt)) return `${n.op} to ${onnxTypeName(dt)} is not supported`;
  return undefined;
}
