import { describe, expect, it } from 'vitest';
import { ShapeError, UnsupportedError } from '../../../src/errors.js';
import { network, type TensorHandle } from '../../../src/frontend/fluent/index.js';
import { OPS, tensor, toInts, toFloat64, verify, type DType, type Graph } from '../../../src/ir/index.js';

/** Builds a one-input network, applies `f`, and returns the graph and the last node. */
function one(shape: number[], f: (x: TensorHandle) => TensorHandle | TensorHandle[], dtype: DType = 'f32') {
  const net = network('t');
  const x = net.input('x', shape, { dtype });
  const out = f(x);
  (Array.isArray(out) ? out : [out]).forEach((h, i) => net.output(`y${i}`, h));
  const g = net.build();
  const last = g.nodes[g.nodes.length - 1]!;
  return { g, last, shapes: g.outputs.map((o) => g.type(o).shape) };
}

const ints = (g: Graph, name: string) => toInts(g.initializers.get(name)!);

describe('fluent layers', () => {
  const unary: [keyof TensorHandle & string, string][] = [
    ['relu', 'Relu'], ['leakyRelu', 'LeakyRelu'], ['sigmoid', 'Sigmoid'], ['tanh', 'Tanh'], ['hardSigmoid', 'HardSigmoid'],
    ['hardSwish', 'HardSwish'], ['gelu', 'Gelu'], ['elu', 'Elu'], ['selu', 'Selu'], ['softplus', 'Softplus'], ['softsign', 'Softsign'], ['mish', 'Mish'],
    ['exp', 'Exp'], ['log', 'Log'], ['sqrt', 'Sqrt'], ['abs', 'Abs'], ['neg', 'Neg'], ['reciprocal', 'Reciprocal'],
    ['floor', 'Floor'], ['ceil', 'Ceil'], ['erf', 'Erf'], ['identity', 'Identity'], ['clip', 'Clip'],
  ];
  it.each(unary)('%s -> %s', (method, op) => {
    const { last, shapes } = one([2, 3], (x) => (x[method] as () => TensorHandle).call(x));
    expect(last.op).toBe(op);
    expect(shapes[0]).toEqual([2, 3]);
  });

  it('passes activation parameters as attributes or constant inputs', () => {
    expect(one([2], (x) => x.leakyRelu(0.2)).last.attrs).toEqual({ alpha: 0.2 });
    expect(one([2], (x) => x.elu(0.5)).last.attrs).toEqual({ alpha: 0.5 });
    expect(one([2], (x) => x.gelu({ approximate: 'tanh' })).last.attrs).toEqual({ approximate: 'tanh' });
    expect(one([2], (x) => x.hardSigmoid({ alpha: 0.1 })).last.attrs).toEqual({ alpha: 0.1 });
    const { g, last } = one([2], (x) => x.clip(0, 6));
    expect(last.inputs).toEqual(['x', 'clip_1.min', 'clip_1.max']);
    expect(Array.from(toFloat64(g.initializers.get('clip_1.max')!))).toEqual([6]);
    expect(g.initializers.get('clip_1.min')!.shape).toEqual([]);
    expect(one([2], (x) => x.clip(undefined, 6)).last.inputs).toEqual(['x', '', 'clip_1.max']);
    expect(one([2], (x) => x.cast('i32')).g.type('y0').dtype).toBe('i32');
    expect(one([2], (x) => x.not(), 'bool').last.op).toBe('Not');
  });

  const binary: [keyof TensorHandle & string, string, string][] = [
    ['add', 'Add', 'f32'], ['sub', 'Sub', 'f32'], ['mul', 'Mul', 'f32'], ['div', 'Div', 'f32'], ['pow', 'Pow', 'f32'],
    ['min', 'Min', 'f32'], ['max', 'Max', 'f32'], ['mod', 'Mod', 'f32'], ['prelu', 'PRelu', 'f32'],
    ['equal', 'Equal', 'bool'], ['less', 'Less', 'bool'], ['greater', 'Greater', 'bool'],
    ['lessOrEqual', 'LessOrEqual', 'bool'], ['greaterOrEqual', 'GreaterOrEqual', 'bool'],
  ];
  it.each(binary)('%s -> %s with broadcasting', (method, op, dtype) => {
    const net = network('t');
    const a = net.input('a', [2, 1, 4]);
    const b = net.input('b', [3, 1]);
    net.output('y', (a[method] as (o: TensorHandle) => TensorHandle).call(a, b));
    const g = net.build();
    expect(g.producer('y')!.op).toBe(op);
    expect(g.type('y')).toEqual({ dtype, shape: [2, 3, 4] });
  });

  it('turns numbers and lists into constants of the handle dtype', () => {
    const { g, last } = one([2, 3], (x) => x.mul([1, 2, 3]));
    expect(last.inputs).toEqual(['x', 'mul_1.b']);
    expect(g.initializers.get('mul_1.b')).toMatchObject({ dtype: 'f32', shape: [3] });
    const s = one([2, 3], (x) => x.add(1));
    expect(s.g.initializers.get('add_1.b')!.shape).toEqual([]);
    const i = one([2], (x) => x.add(1), 'i32');
    expect(i.g.initializers.get('add_1.b')!.dtype).toBe('i32');
    expect(() => one([2, 3], (x) => x.add([1, 2]))).toThrow(/add_1: shapes \[2, 3\] and \[2\] do not broadcast/);
  });

  it('prelu takes one slope per channel', () => {
    const { g, shapes } = one([1, 3, 4, 4], (x) => x.prelu([0.1, 0.2, 0.3]));
    expect(g.initializers.get('prelu_1.b')!.shape).toEqual([3, 1, 1]);
    expect(shapes[0]).toEqual([1, 3, 4, 4]);
  });

  it('logical ops and where', () => {
    const net = network('t');
    const a = net.input('a', [4]);
    const c = a.greater(0).and(a.less(1)).or(a.equal(5)).xor(a.lessOrEqual(-1));
    net.output('y', c.where(a, 0));
    net.output('z', net.where(a.greaterOrEqual(0), 1, -1));
    const g = net.build();
    expect(g.producer('y')!.op).toBe('Where');
    expect(g.type('y')).toEqual({ dtype: 'f32', shape: [4] });
    expect(g.type('z')).toEqual({ dtype: 'f32', shape: [4] });
    expect(() => a.where(a, a)).toThrow(/where_\d+: condition must be bool/);
  });

  it('conv2d: stride, [t, l, b, r] pads, dilation, groups, no bias', () => {
    const { g, last, shapes } = one([1, 4, 10, 9], (x) => x.conv2d(6, { kernel: [3, 2], stride: 2, pad: [1, 0, 2, 1], dilation: [1, 2], groups: 2, bias: false }));
    expect(last.attrs).toEqual({ kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 2, 1], dilations: [1, 2], group: 2 });
    expect(last.inputs).toEqual(['x', 'conv2d_1.weight']);
    expect(g.initializers.get('conv2d_1.weight')!.shape).toEqual([6, 2, 3, 2]);
    // H: (10 + 3 - 3) / 2 + 1 = 6; W: (9 + 1 - 3) / 2 + 1 = 4
    expect(shapes[0]).toEqual([1, 6, 6, 4]);
    expect(one([1, 3, 7, 7], (x) => x.conv2d(2, { kernel: 3, stride: 2, pad: 'same' })).shapes[0]).toEqual([1, 2, 4, 4]);
    expect(() => one([1, 3, 7], (x) => x.conv2d(2, { kernel: 3 }))).toThrow(/conv2d_1: conv2d needs an N x C x H x W input, got \[1, 3, 7\]/);
  });

  it('convTranspose2d: weight [C_in, C_out / groups, k, k], stride, pads, outputPadding, groups', () => {
    const { g, last, shapes } = one([1, 4, 5, 6], (x) =>
      x.convTranspose2d(6, { kernel: [3, 2], stride: 2, pad: [1, 0, 1, 1], outputPadding: [1, 0], groups: 2 }),
    );
    expect(last).toMatchObject({ name: 'conv_transpose2d_1', op: 'ConvTranspose', inputs: ['x', 'conv_transpose2d_1.weight', 'conv_transpose2d_1.bias'] });
    expect(last.attrs).toEqual({ kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], dilations: [1, 1], group: 2, output_padding: [1, 0] });
    expect(g.initializers.get('conv_transpose2d_1.weight')!.shape).toEqual([4, 3, 3, 2]);
    expect(g.initializers.get('conv_transpose2d_1.bias')!.shape).toEqual([6]);
    // H: 2 * 4 + 1 + 2 + 1 - 2 = 10; W: 2 * 5 + 0 + 1 + 1 - 1 = 11
    expect(shapes[0]).toEqual([1, 6, 10, 11]);
    const same = one([1, 3, 5, 5], (x) => x.convTranspose2d(2, { kernel: 3, stride: 2, pad: 'same', bias: false }));
    expect(same.last.attrs).toMatchObject({ auto_pad: 'SAME_UPPER' });
    expect(same.last.attrs).not.toHaveProperty('output_padding');
    expect(same.last.inputs).toEqual(['x', 'conv_transpose2d_1.weight']);
    expect(same.shapes[0]).toEqual([1, 2, 10, 10]);
  });

  it('convTranspose2d: shape errors at the call', () => {
    expect(() => one([1, 3, 7], (x) => x.convTranspose2d(2, { kernel: 3 }))).toThrow(/conv_transpose2d_1: conv_transpose2d needs an N x C x H x W input, got \[1, 3, 7\]/);
    expect(() => one([1, 3, 4, 4], (x) => x.convTranspose2d(4, { kernel: 3, groups: 2 }))).toThrow(
      /conv_transpose2d_1: groups 2 must divide the input channels 3 \(input \[1, 3, 4, 4\]\) and the output channels 4/,
    );
    expect(() => one([1, 3, 4, 4], (x) => x.convTranspose2d(2, { kernel: 3, stride: 2, outputPadding: 2 }))).toThrow(
      /conv_transpose2d_1: outputPadding \[2, 2\] must be integers >= 0 and smaller than the stride \[2, 2\] or the dilation \[1, 1\] \(input \[1, 3, 4, 4\]\)/,
    );
    expect(() => one([1, 3, 4, 4], (x) => x.convTranspose2d(2, { kernel: 3, outputPadding: [0, 0, 0] }))).toThrow(/outputPadding needs 1 or 2 values for input \[1, 3, 4, 4\]/);
    expect(() => one([1, 3, 2, 2], (x) => x.convTranspose2d(2, { kernel: 1, pad: 1 }))).toThrow(/conv_transpose2d_1: pads \[1, 1, 1, 1\] crop the whole output/);
    expect(() => one([1, 3, 4, 4], (x) => x.convTranspose2d(2, { kernel: 3, weights: [1, 2, 3] }))).toThrow(
      /conv_transpose2d_1: weight has 3 values, expected 54 for shape \[3, 2, 3, 3\]/,
    );
  });

  it('depthwiseConv2d groups by channel', () => {
    const { g, last, shapes } = one([1, 5, 8, 8], (x) => x.depthwiseConv2d({ kernel: 3, pad: 1, multiplier: 2 }));
    expect(last.name).toBe('depthwise_conv2d_1');
    expect(last.attrs['group']).toBe(5);
    expect(g.initializers.get('depthwise_conv2d_1.weight')!.shape).toEqual([10, 1, 3, 3]);
    expect(shapes[0]).toEqual([1, 10, 8, 8]);
  });

  it('dense: Gemm on 2-D, MatMul + Add on higher rank', () => {
    const two = one([2, 5], (x) => x.dense(3));
    expect(two.last).toMatchObject({ op: 'Gemm', inputs: ['x', 'dense_1.weight', 'dense_1.bias'], attrs: { transB: 1 } });
    const three = one([2, 7, 5], (x) => x.dense(3));
    expect(three.g.nodes.map((n) => [n.name, n.op])).toEqual([['dense_1.matmul', 'MatMul'], ['dense_1', 'Add']]);
    expect(three.g.nodes.every((n) => n.origin[0] === 'dense_1')).toBe(true);
    expect(three.g.initializers.get('dense_1.weight')!.shape).toEqual([5, 3]);
    expect(three.shapes[0]).toEqual([2, 7, 3]);
    expect(one([2, 7, 5], (x) => x.dense(3, { bias: false })).last.op).toBe('MatMul');
    expect(one([2, 5], (x) => x.dense(3, { bias: false })).last.inputs).toEqual(['x', 'dense_1.weight']);
  });

  it('matmul and gemm', () => {
    const net = network('t');
    const a = net.input('a', [2, 3, 4]);
    const b = net.input('b', [4, 5]);
    net.output('y', a.matmul(b));
    net.output('z', b.gemm(net.constant([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { shape: [2, 5] }), { transB: true, c: 1, alpha: 2 }));
    const g = net.build();
    expect(g.type('y').shape).toEqual([2, 3, 5]);
    expect(g.type('z').shape).toEqual([4, 2]);
    expect(g.producer('z')!.attrs).toEqual({ alpha: 2, transB: 1 });
  });

  it('normalizations', () => {
    const bn = one([2, 3, 4, 4], (x) => x.batchNorm({ epsilon: 1e-3 }));
    expect(bn.last.inputs).toEqual(['x', 'batch_norm_1.scale', 'batch_norm_1.bias', 'batch_norm_1.mean', 'batch_norm_1.var']);
    expect(bn.last.attrs).toEqual({ epsilon: 1e-3 });
    const ln = one([2, 3, 4], (x) => x.layerNorm({ axis: 1 }));
    expect(ln.g.initializers.get('layer_norm_1.scale')!.shape).toEqual([3, 4]);
    expect(ln.last.attrs).toEqual({ axis: 1 });
    const inn = one([2, 3, 4], (x) => x.instanceNorm({ bias: false }));
    expect(inn.last.inputs).toEqual(['x', 'instance_norm_1.scale', 'instance_norm_1.bias']);
    expect(() => one([3], (x) => x.batchNorm())).toThrow(ShapeError);
  });

  it('lrn', () => {
    const { last, shapes } = one([2, 5, 3, 3], (x) => x.lrn({ size: 3, alpha: 2e-4, beta: 0.5, bias: 2 }));
    expect(last).toMatchObject({ op: 'LRN', name: 'lrn_1', attrs: { size: 3, alpha: 2e-4, beta: 0.5, bias: 2 } });
    expect(shapes[0]).toEqual([2, 5, 3, 3]);
    expect(one([1, 4], (x) => x.lrn({ size: 5 })).last.attrs).toEqual({ size: 5 });
    expect(() => one([4], (x) => x.lrn({ size: 3 }))).toThrow(/lrn_1: input must be N x C x D1 \.\.\. x Dk, got rank 1 \(input shapes \[4\]\)/);
    expect(() => one([1, 4], (x) => x.lrn({ size: 0 }))).toThrow(/lrn_1: size must be at least 1, got 0/);
  });

  it('pools: stride defaults to the kernel; ceil mode', () => {
    expect(one([1, 2, 8, 8], (x) => x.maxPool({ kernel: 2 })).shapes[0]).toEqual([1, 2, 4, 4]);
    const avg = one([1, 2, 7, 7], (x) => x.avgPool({ kernel: 2, ceil: true, countIncludePad: true }));
    expect(avg.last.attrs).toMatchObject({ ceil_mode: 1, count_include_pad: 1, strides: [2, 2] });
    expect(avg.shapes[0]).toEqual([1, 2, 4, 4]);
    expect(one([1, 2, 7], (x) => x.maxPool({ kernel: 3, stride: 1, pad: 1 })).shapes[0]).toEqual([1, 2, 7]);
    expect(one([1, 2, 5, 6], (x) => x.globalMaxPool()).shapes[0]).toEqual([1, 2, 1, 1]);
    expect(() => one([1, 2, 2, 2], (x) => x.maxPool({ kernel: 3 }))).toThrow(/max_pool_1: window 3x3 does not fit/);
  });

  it('softmax and reductions', () => {
    expect(one([2, 3], (x) => x.softmax()).last.attrs).toEqual({ axis: -1 });
    expect(one([2, 3], (x) => x.logSoftmax(0)).last).toMatchObject({ op: 'LogSoftmax', attrs: { axis: 0 } });
    const r = one([2, 3, 4], (x) => x.reduceMean([1, -1], { keepdims: false }));
    expect(r.shapes[0]).toEqual([2]);
    expect(ints(r.g, 'reduce_mean_1.axes')).toEqual([1, -1]);
    expect(r.g.initializers.get('reduce_mean_1.axes')!.dtype).toBe('i64');
    expect(one([2, 3], (x) => x.reduceSum()).shapes[0]).toEqual([1, 1]);
    expect(one([2, 3], (x) => x.reduceMax([0])).shapes[0]).toEqual([1, 3]);
    expect(one([2, 3], (x) => x.reduceMin([1], { keepdims: false })).last.op).toBe('ReduceMin');
  });

  it('argMax and argMin: i64 indices, keepdims, selectLastIndex', () => {
    const mx = one([2, 3, 4], (x) => x.argMax(1));
    expect(mx.last).toMatchObject({ op: 'ArgMax', name: 'arg_max_1', attrs: { axis: 1 } });
    expect(mx.g.type('y0')).toEqual({ dtype: 'i64', shape: [2, 1, 4] });
    const mn = one([2, 3, 4], (x) => x.argMin(-1, { keepdims: false, selectLastIndex: true }));
    expect(mn.last).toMatchObject({ op: 'ArgMin', attrs: { axis: -1, keepdims: 0, select_last_index: 1 } });
    expect(mn.shapes[0]).toEqual([2, 3]);
    expect(one([5], (x) => x.argMax(0), 'i32').g.type('y0')).toEqual({ dtype: 'i64', shape: [1] });
    expect(() => one([2, 3], (x) => x.argMax(2))).toThrow(/arg_max_1: axis 2 is out of range for rank 2 \(input shapes \[2, 3\]\)/);
    expect(() => one([2, 0], (x) => x.argMin(1))).toThrow(/arg_min_1: axis 1 is empty: there is no minimum/);
    expect(() => one([2], (x) => x.argMax(0), 'bool')).toThrow(/arg_max_1: input must be numeric, got bool/);
  });

  it('topK returns values and indices', () => {
    const net = network('t');
    const x = net.input('x', [2, 5, 3]);
    const { values, indices } = x.topK(2, { axis: 1, largest: false, sorted: false });
    expect(values.toString()).toBe('top_k_1.values: f32[2, 2, 3]');
    expect(indices.toString()).toBe('top_k_1.indices: i64[2, 2, 3]');
    net.output('v', values).output('i', indices);
    const g = net.build();
    const n = g.producer('v')!;
    expect(n).toMatchObject({ name: 'top_k_1', op: 'TopK', inputs: ['x', 'top_k_1.k'], outputs: ['v', 'i'], attrs: { axis: 1, largest: 0, sorted: 0 } });
    expect(g.initializers.get('top_k_1.k')).toMatchObject({ dtype: 'i64', shape: [1] });
    expect(ints(g, 'top_k_1.k')).toEqual([2]);
    expect(x.topK(3).values.shape).toEqual([2, 5, 3]);
    expect(x.topK(0).indices.shape).toEqual([2, 5, 0]);
    expect(() => x.topK(4)).toThrow(/top_k_\d+: K = 4 is out of range for an axis of 3 elements \(input shapes \[2, 5, 3\], \[1\]\)/);
    expect(() => x.topK(1.5)).toThrow(/top_k_\d+: k must be an integer >= 0, got 1\.5 \(input \[2, 5, 3\]\)/);
    expect(() => x.topK(1, { axis: 3 })).toThrow(/top_k_\d+: axis 3 is out of range for rank 3/);
  });

  it('quantizeLinear: per tensor and per axis, i8 or u8, with or without a zero point', () => {
    const pt = one([2, 3], (x) => x.quantizeLinear(0.5, 10));
    expect(pt.last).toMatchObject({ op: 'QuantizeLinear', name: 'quantize_linear_1', inputs: ['x', 'quantize_linear_1.scale', 'quantize_linear_1.zero_point'], attrs: {} });
    expect(pt.g.initializers.get('quantize_linear_1.scale')).toMatchObject({ dtype: 'f32', shape: [] });
    expect(pt.g.initializers.get('quantize_linear_1.zero_point')).toMatchObject({ dtype: 'u8', shape: [] });
    expect(pt.g.type('y0')).toEqual({ dtype: 'u8', shape: [2, 3] });
    const pa = one([2, 3, 4], (x) => x.quantizeLinear([0.1, 0.2, 0.3], -4, { axis: 1, dtype: 'i8' }));
    expect(pa.last.attrs).toEqual({ axis: 1 });
    expect(pa.g.initializers.get('quantize_linear_1.zero_point')).toMatchObject({ dtype: 'i8', shape: [3] });
    expect(Array.from(toFloat64(pa.g.initializers.get('quantize_linear_1.zero_point')!))).toEqual([-4, -4, -4]);
    expect(pa.g.type('y0')).toEqual({ dtype: 'i8', shape: [2, 3, 4] });
    const nz = one([4], (x) => x.quantizeLinear(0.25, undefined, { dtype: 'i8' }));
    expect(nz.last.inputs).toEqual(['x', 'quantize_linear_1.scale']);
    expect(nz.last.attrs).toEqual({ output_dtype: 'i8' });
    expect(nz.g.type('y0').dtype).toBe('i8');
    expect(one([4], (x) => x.quantizeLinear(0.25)).g.type('y0').dtype).toBe('u8');
    const blocked = one([2, 6], (x) => x.quantizeLinear(tensor('f32', [2, 2], [1, 2, 3, 4]), tensor('i8', [2, 2], [0, 1, 2, 3]), { axis: 1, blockSize: 3 }));
    expect(blocked.last.attrs).toEqual({ axis: 1, block_size: 3 });
    expect(blocked.g.type('y0')).toEqual({ dtype: 'i8', shape: [2, 6] });
  });

  it('quantizeLinear: errors at the call', () => {
    expect(() => one([2, 3], (x) => x.quantizeLinear([0.1, 0.2], 0))).toThrow(
      /quantize_linear_1: a per-axis scale along axis 1 must have shape \[3\], got \[2\] \(input shapes \[2, 3\], \[2\], \[2\]\)/,
    );
    expect(() => one([2, 3], (x) => x.quantizeLinear([0.1, 0.2, 0.3], [1, 2], { axis: 1 }))).toThrow(/quantize_linear_1: the zero point's shape \[2\] differs from the scale's \[3\]/);
    expect(() => one([2, 3], (x) => x.quantizeLinear(0.1, 200, { dtype: 'i8' }))).toThrow(/quantize_linear_1: zero point 200 is not an integer in the i8 range \[-128, 127\] \(input \[2, 3\]\)/);
    expect(() => one([2, 3], (x) => x.quantizeLinear(0.1, 1.5))).toThrow(/zero point 1\.5 is not an integer in the u8 range \[0, 255\]/);
    expect(() => one([2, 3], (x) => x.quantizeLinear(0.1, tensor('i8', [], [1]), { dtype: 'u8' }))).toThrow(/quantize_linear_1: the zero point is i8 but dtype is u8/);
    expect(() => one([2, 3], (x) => x.quantizeLinear(0.1, 0), 'i32')).toThrow(/quantize_linear_1: x must be f32 or f16, got i32/);
  });

  it('dequantizeLinear: the zero point takes the input dtype', () => {
    const dq = one([2, 3], (x) => x.dequantizeLinear([0.5, 0.25, 2], 3, { axis: 1 }), 'i8');
    expect(dq.last).toMatchObject({ op: 'DequantizeLinear', inputs: ['x', 'dequantize_linear_1.scale', 'dequantize_linear_1.zero_point'], attrs: { axis: 1 } });
    expect(dq.g.initializers.get('dequantize_linear_1.zero_point')).toMatchObject({ dtype: 'i8', shape: [3] });
    expect(dq.g.type('y0')).toEqual({ dtype: 'f32', shape: [2, 3] });
    expect(one([4], (x) => x.dequantizeLinear(0.5), 'u8').last.inputs).toEqual(['x', 'dequantize_linear_1.scale']);
    expect(one([4], (x) => x.dequantizeLinear(0.5, -7), 'i32').g.type('y0').dtype).toBe('f32');
    expect(() => one([4], (x) => x.dequantizeLinear(0.5, 0))).toThrow(UnsupportedError);
    expect(() => one([4], (x) => x.dequantizeLinear(0.5, 0))).toThrow(/dequantize_linear_1: input dtype f32 is not supported/);
    expect(() => one([4], (x) => x.dequantizeLinear(0.5, -1), 'u8')).toThrow(/dequantize_linear_1: zero point -1 is not an integer in the u8 range \[0, 255\]/);
    expect(() => one([2, 4], (x) => x.dequantizeLinear([1, 2], 0, { axis: 1 }), 'u8')).toThrow(/dequantize_linear_1: a per-axis scale along axis 1 must have shape \[4\], got \[2\]/);
  });

  it('a layer that throws leaves no constants behind', () => {
    const net = network('t');
    const x = net.input('x', [2, 3]);
    expect(() => x.quantizeLinear([0.1, 0.2], 0)).toThrow(ShapeError);
    expect(() => x.topK(9)).toThrow(ShapeError);
    net.output('q', x.quantizeLinear(0.1, 0)).output('t', x.topK(1).values);
    const g = net.build();
    expect([...g.initializers.keys()]).toEqual(['quantize_linear_1.scale', 'quantize_linear_1.zero_point', 'top_k_1.k']);
  });

  it('layout ops take constant inputs', () => {
    const rs = one([2, 3, 4], (x) => x.reshape([0, -1]));
    expect(rs.last.inputs).toEqual(['x', 'reshape_1.shape']);
    expect(rs.shapes[0]).toEqual([2, 12]);
    expect(() => one([2, 3, 4], (x) => x.reshape([5, -1]))).toThrow(/reshape_1: cannot reshape \[2, 3, 4\]/);
    expect(one([2, 3, 4], (x) => x.flatten(2)).shapes[0]).toEqual([6, 4]);
    expect(one([2, 3, 4], (x) => x.transpose([2, 0, 1])).shapes[0]).toEqual([4, 2, 3]);
    expect(one([2, 3, 4], (x) => x.transpose()).shapes[0]).toEqual([4, 3, 2]);
    const sl = one([5, 6], (x) => x.slice([1, -3], [4, 100], { axes: [0, 1], steps: [2, 1] }));
    expect(sl.last.inputs).toEqual(['x', 'slice_1.starts', 'slice_1.ends', 'slice_1.axes', 'slice_1.steps']);
    expect(sl.shapes[0]).toEqual([2, 3]);
    expect(one([1, 3, 1], (x) => x.squeeze()).shapes[0]).toEqual([3]);
    expect(one([1, 3, 1], (x) => x.squeeze([2])).shapes[0]).toEqual([1, 3]);
    expect(one([3], (x) => x.unsqueeze([0, 2])).shapes[0]).toEqual([1, 3, 1]);
    const pd = one([2, 3], (x) => x.pad([0, 1, 0, 2], { value: 5, mode: 'constant' }));
    expect(pd.shapes[0]).toEqual([2, 6]);
    expect(pd.last.inputs).toEqual(['x', 'pad_1.pads', 'pad_1.value']);
    expect(one([2, 3], (x) => x.pad([1, 1], { axes: [1], mode: 'reflect' })).shapes[0]).toEqual([2, 5]);
    expect(one([3, 1], (x) => x.expand([2, 3, 4])).shapes[0]).toEqual([2, 3, 4]);
    expect(one([5, 4], (x) => x.gather([0, 2, 2], 0)).shapes[0]).toEqual([3, 4]);
    expect(one([5, 4], (x) => x.gather(1, 1)).shapes[0]).toEqual([5]);
    const tl = one([2, 3], (x) => x.tile([3, 2]));
    expect(tl.last).toMatchObject({ op: 'Tile', inputs: ['x', 'tile_1.repeats'] });
    expect(ints(tl.g, 'tile_1.repeats')).toEqual([3, 2]);
    expect(tl.shapes[0]).toEqual([6, 6]);
    expect(() => one([2, 3], (x) => x.tile([2]))).toThrow(/tile_1: repeats \[2\] has 1 values; the input has rank 2/);
    expect(() => one([2, 3], (x) => x.tile([1, -1]))).toThrow(/tile_1: repeats \[1, -1\] must not be negative/);
    const rz = one([1, 2, 3, 4], (x) => x.resize({ scales: [1, 1, 2, 2], mode: 'linear' }));
    expect(rz.last.inputs).toEqual(['x', '', 'resize_1.scales']);
    expect(rz.shapes[0]).toEqual([1, 2, 6, 8]);
    expect(one([1, 2, 3, 4], (x) => x.resize({ sizes: [5, 5], axes: [2, 3] })).shapes[0]).toEqual([1, 2, 5, 5]);
    const cubic = one([1, 2, 8, 8], (x) => x.resize({ scales: [1, 1, 0.5, 0.5], mode: 'cubic', cubicCoeffA: -0.5, antialias: true }));
    expect(cubic.last.attrs).toMatchObject({ mode: 'cubic', cubic_coeff_a: -0.5, antialias: 1 });
    expect(cubic.shapes[0]).toEqual([1, 2, 4, 4]);
  });

  it('split and concat', () => {
    const eq = one([6, 2], (x) => x.split(3));
    expect(eq.shapes).toEqual([[2, 2], [2, 2], [2, 2]]);
    expect(eq.last.outputs).toEqual(['y0', 'y1', 'y2']);
    const sized = one([2, 7], (x) => x.split([2, 5], 1));
    expect(sized.shapes).toEqual([[2, 2], [2, 5]]);
    expect(() => one([2, 7], (x) => x.split([2, 4], 1))).toThrow(/split_1: split \[2, 4\] does not cut 7 into 2 parts/);
    const net = network('t');
    const x = net.input('x', [2, 3]);
    const [a, b] = x.split([1, 2], 1);
    net.output('y', a!.concat([b!, x], 1));
    expect(net.build().type('y').shape).toEqual([2, 6]);
    expect(() => x.concat(x.transpose(), 0)).toThrow(/concat_2: input 1 shape \[3, 2\] does not match \[2, 3\] outside axis 0/);
  });

  it('has a method for every op in the IR', () => {
    const src = Object.getOwnPropertyNames(Object.getPrototypeOf(network('t').input('x', [1])));
    const covered: Record<string, string> = {
      Conv: 'conv2d', ConvTranspose: 'convTranspose2d', LRN: 'lrn', Gemm: 'dense', MatMul: 'matmul', BatchNormalization: 'batchNorm', InstanceNormalization: 'instanceNorm',
      LayerNormalization: 'layerNorm', MaxPool: 'maxPool', AveragePool: 'avgPool', GlobalAveragePool: 'globalAvgPool',
      GlobalMaxPool: 'globalMaxPool', PRelu: 'prelu', LeakyRelu: 'leakyRelu', HardSigmoid: 'hardSigmoid', HardSwish: 'hardSwish',
      LessOrEqual: 'lessOrEqual', GreaterOrEqual: 'greaterOrEqual', LogSoftmax: 'logSoftmax',
    };
    const method = (op: string) => covered[op] ?? (op.startsWith('Reduce') ? `reduce${op.slice(6)}` : op[0]!.toLowerCase() + op.slice(1));
    const missing = [...OPS.values()].filter((d) => !d.internal).map((d) => d.op).filter((op) => !src.includes(method(op)));
    expect(missing).toEqual([]);
  });

  it('every layer graph verifies', () => {
    const { g } = one([1, 4, 6, 6], (x) =>
      x.conv2d(4, { kernel: 3, pad: 1 }).batchNorm({ init: 'random' }).hardSwish().maxPool({ kernel: 2 }).convTranspose2d(4, { kernel: 2, stride: 2 })
        .lrn({ size: 3 }).softsign().instanceNorm().layerNorm().gelu().tile([1, 1, 1, 2]).quantizeLinear(0.1, 0, { dtype: 'i8' }).dequantizeLinear(0.1, 0)
        .flatten().dense(3).softmax(),
    );
    expect(() => verify(g)).not.toThrow();
  });
});
