/**
 * INT8 convolutions and GEMMs from explicit quantization, as TensorRT reads Q/DQ: a Conv, Gemm or
 * MatMul whose activation input is a DequantizeLinear of an int8 tensor (per-tensor scale, zero
 * point 0) and whose weight is a constant runs in INT8. It becomes one Int8Conv
 * (src/ir/ops/int8.ts) that reads the int8 tensor itself (a GEMM as a 1-D convolution with a
 * 1-wide kernel over [rows, K, 1], between two Reshapes, which are views), with
 *   - its float weight (after fold-constants evaluated the weight's DequantizeLinear, and
 *     fuse-conv-bn folded a BatchNormalization in) quantized per output channel, symmetric:
 *     a weight that came from int8 goes back to the same integers, the scales times the BN's;
 *   - a residual Add after it (of an f32 tensor of its output's shape) folded into the epilogue;
 *   - a Relu after it (or after the Add) folded into the epilogue;
 *   - a QuantizeLinear after it (or after the Relu) folded in as the requantization, so the
 *     output is int8 and the next INT8 layer reads it without a Quantize/Dequantize pair.
 * The DequantizeLinear stays for its other readers, if any (dead-code removes it otherwise).
 */
import { node, type Graph, type Node } from '../ir/graph.js';
import { sizeOf, tensor, toFloat64, type Tensor } from '../ir/tensor.js';
import { quantizeValue } from '../reference/quantize.js';
import { applyEdit, freshName, originOf } from './edit.js';
import { c, op, rewriteToFixpoint, v, type Match, type OpPattern, type Rule } from './rules.js';
import type { Pass, PassContext } from './types.js';

const INT8_MAX = 127;

/** The dequantized activation: DQ(xq, scale[, zero point]), read by others too. */
const dqx = () => op('DequantizeLinear', v('xq'), c('sx')).allowShared().as('dqx');
const conv = () => op('Conv', dqx(), c('w')).as('conv');
const gemm = () => op(['Gemm', 'MatMul'], dqx(), c('w')).as('conv');
/** QuantizeLinear(y, scale, zero point): without a zero point its output is uint8, which stays. */
const quantize = (inner: OpPattern) => op('QuantizeLinear', inner, c('sy')).as('q');

const zeros = (t: Tensor | undefined) => !t || (t.dtype === 'i8' && toFloat64(t).every((x) => x === 0));
const int8Scalar = (t: Tensor | undefined): t is Tensor => !!t && t.dtype === 'i8' && sizeOf(t.shape) === 1;
/** Input 2 of a Q or DQ node, the zero point: absent ('' or missing), or a constant (undefined when not). */
const zeroPoint = (g: Graph, n: Node): { absent: boolean; value: Tensor | undefined } =>
  n.inputs[2] ? { absent: false, value: g.initializers.get(n.inputs[2]) } : { absent: true, value: undefined };
const scalar = (t: Tensor | undefined) => !!t && t.dtype === 'f32' && sizeOf(t.shape) === 1 && Number(t.data[0]) > 0;

function applies(m: Match, g: Graph): boolean {
  const n = m.nodes['conv']!;
  const bias = n.inputs[2];
  const zx = zeroPoint(g, m.nodes['dqx']!);
  const zy = m.nodes['q'] ? zeroPoint(g, m.nodes['q']) : undefined;
  return g.type(m.tensors['xq']!).dtype === 'i8' && scalar(m.constants['sx']) && (zx.absent || int8Scalar(zx.value)) &&
    m.constants['w']!.dtype === 'f32' && (!bias || g.initializers.get(bias)?.dtype === 'f32') &&
    (!zy || (scalar(m.constants['sy']) && int8Scalar(zy.value))) &&
    (n.op === 'Conv' ? m.constants['w']!.shape.length <= 4 /* 1-D and 2-D convs: the int8 tactics' */ : gemmApplies(m, g));
}

const attr = (n: Node, name: string, fallback: number): number => Number(n.attrs[name] ?? fallback);

/**
 * A Gemm (alpha 1, beta 1, not transA, bias absent or one value per column) or a MatMul (2-D
 * weight, x of rank 2 or more), its weight [K, N] (or [N, K] with transB) a 2-D constant.
 */
function gemmApplies(m: Match, g: Graph): boolean {
  const n = m.nodes['conv']!;
  const w = m.constants['w']!;
  const x = g.type(m.tensors['xq']!).shape;
  if (w.shape.length !== 2 || x.length < 2) return false;
  if (n.op === 'MatMul') return true;
  const cols = attr(n, 'transB', 0) ? w.shape[0]! : w.shape[1]!;
  const bias = n.inputs[2] ? g.initializers.get(n.inputs[2]) : undefined;
  return x.length === 2 && attr(n, 'alpha', 1) === 1 && attr(n, 'transA', 0) === 0 &&
    (!n.inputs[2] || (bias !== undefined && sizeOf(bias.shape) === cols && bias.shape[bias.shape.length - 1] === cols && attr(n, 'beta', 1) === 1));
}

/** The weight of a Gemm or MatMul as a 1-D convolution's: [N, K, 1]. */
function gemmWeight(n: Node, w: Tensor): Tensor {
  const [r, k] = w.shape as [number, number];
  const byRow = n.op === 'Gemm' && attr(n, 'transB', 0) === 1; // already [N, K]
  const v = toFloat64(w);
  const out = new Float32Array(v.length);
  const [nOut, kIn] = byRow ? [r, k] : [k, r];
  for (let o = 0; o < nOut; o++) for (let i = 0; i < kIn; i++) out[o * kIn + i] = byRow ? v[o * k + i]! : v[i * k + o]!;
  return tensor('f32', [nOut, kIn, 1], out);
}

/** The weight as int8 per output channel and its f32 scales (a zero channel gets scale 1). */
export function quantizeWeight(w: Tensor): { q: Tensor; scale: Tensor } {
  const v = toFloat64(w);
  const m = w.shape[0]!;
  const per = v.length / m;
  const scales = new Float32Array(m);
  const q = new Int8Array(v.length);
  for (let c = 0; c < m; c++) {
    let amax = 0;
    for (let i = c * per; i < (c + 1) * per; i++) amax = Math.max(amax, Math.abs(v[i]!));
    scales[c] = amax > 0 ? amax / INT8_MAX : 1;
    for (let i = c * per; i < (c + 1) * per; i++) q[i] = quantizeValue(v[i]!, scales[c]!, 0, [-INT8_MAX, INT8_MAX]);
  }
  return { q: tensor('i8', w.shape, q), scale: tensor('f32', [m], scales) };
}

/** A zero point's value (0 when absent). */
function zeroOf(g: Graph, n: Node | undefined): number {
  const z = n ? zeroPoint(g, n).value : undefined;
  return z ? Number(toFloat64(z)[0]) : 0;
}

/**
 * The zero points as Int8Conv attributes, and the bias with x's zero point zx folded in: Int8Conv
 * counts a padded tap as zx and multiplies raw values, so its sums exceed those of
 * DequantizeLinear -> Conv by zx * Σ q[m] (src/ir/ops/int8.ts); the bias takes that back.
 */
function zeroPoints(m: Match, g: Graph, q: Tensor, scale: Tensor, bias: Tensor | undefined): { attrs: Record<string, number>; bias: Tensor | undefined; folded: boolean } {
  const [zx, zy] = [zeroOf(g, m.nodes['dqx']), zeroOf(g, m.nodes['q'])];
  const attrs = { ...(zx ? { x_zero_point: zx } : {}), ...(zy ? { y_zero_point: zy } : {}) };
  if (!zx) return { attrs, bias, folded: false };
  const [qv, sc, sx] = [toFloat64(q), toFloat64(scale), Number(m.constants['sx']!.data[0])];
  const rows = q.shape[0]!;
  const per = qv.length / rows;
  const b = bias ? toFloat64(bias) : new Float64Array(rows);
  const folded = Float32Array.from(b, (v, k) => v - zx * qv.subarray(k * per, (k + 1) * per).reduce((s, x) => s + x, 0) * sx * sc[k]!);
  return { attrs, bias: tensor('f32', [rows], folded), folded: true };
}

function rewrite(m: Match, g: Graph, activation: '' | 'Relu'): { add: Node[]; constants: Record<string, Tensor> } {
  const n = m.nodes['conv']!;
  if (n.op !== 'Conv') return rewriteGemm(m, g, activation);
  const { q, scale } = quantizeWeight(m.constants['w']!);
  const wq = freshName(g, `${m.tensors['w']}_int8`);
  const ws = freshName(g, `${m.tensors['w']}_int8_scale`);
  const zp = zeroPoints(m, g, q, scale, n.inputs[2] ? g.initializers.get(n.inputs[2]) : undefined);
  const bias = zp.folded ? freshName(g, `${n.name}/bias_zero_point`) : n.inputs[2] ?? '';
  const last = m.nodes['q'] ?? m.nodes['relu'] ?? m.nodes['add'] ?? n;
  const inputs = [m.tensors['xq']!, wq, bias, m.tensors['sx']!, ws, m.nodes['q'] ? m.tensors['sy']! : '', m.nodes['add'] ? m.tensors['r']! : ''];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  return {
    add: [node({ name: n.name, op: 'Int8Conv', inputs, outputs: last.outputs, attrs: { ...n.attrs, activation, ...zp.attrs }, origin: originOf(m.all) })],
    constants: { [wq]: q, [ws]: scale, ...(zp.folded ? { [bias]: zp.bias! } : {}) },
  };
}

const i64 = (v: readonly number[]): Tensor => tensor('i64', [v.length], BigInt64Array.from(v.map(BigInt)));

/** A Gemm or MatMul: Reshape x to [rows, K, 1], a 1-D Int8Conv, Reshape back to [..., N]. */
function rewriteGemm(m: Match, g: Graph, activation: '' | 'Relu'): { add: Node[]; constants: Record<string, Tensor> } {
  const n = m.nodes['conv']!;
  const w = gemmWeight(n, m.constants['w']!);
  const [cols, k] = w.shape as [number, number];
  const x = g.type(m.tensors['xq']!).shape;
  const rows = sizeOf(x.slice(0, -1));
  const { q, scale } = quantizeWeight(w);
  const name = (hint: string) => freshName(g, `${n.name}/${hint}`);
  const [wq, ws, inShape, outShape, x3, y3] = ['w_int8', 'w_int8_scale', 'shape_in', 'shape_out', 'x_3d', 'y_3d'].map(name) as [string, string, string, string, string, string];
  const given = n.inputs[2] ? g.initializers.get(n.inputs[2])! : undefined;
  const zp = zeroPoints(m, g, q, scale, given && tensor('f32', [cols], Float32Array.from(toFloat64(given))));
  const biasName = zp.bias ? name('bias') : '';
  const last = m.nodes['q'] ?? m.nodes['relu'] ?? n;
  const origin = originOf(m.all);
  const inputs = [x3, wq, biasName, m.tensors['sx']!, ws, ...(m.nodes['q'] ? [m.tensors['sy']!] : [])];
  return {
    add: [
      node({ name: name('reshape_in'), op: 'Reshape', inputs: [m.tensors['xq']!, inShape], outputs: [x3], origin }),
      node({ name: n.name, op: 'Int8Conv', inputs, outputs: [y3], attrs: { kernel_shape: [1], activation, ...zp.attrs }, origin }),
      node({ name: name('reshape_out'), op: 'Reshape', inputs: [y3, outShape], outputs: last.outputs, origin }),
    ],
    constants: {
      [wq]: q, [ws]: scale, [inShape]: i64([rows, k, 1]), [outShape]: i64([...x.slice(0, -1), cols]),
      ...(zp.bias ? { [biasName]: zp.bias } : {}),
    },
  };
}

/**
 * A per-tensor QuantizeLinear after a MaxPool, Flatten or Reshape moves before it, so that the op
 * runs on int8 and an Int8Conv before it can requantize (TensorRT's Q/DQ propagation): max
 * commutes with a monotone quantization, and reshapes do not touch values. The MaxPool needs a
 * zero zero point: a window wholly in the padding gives 0 in both forms then.
 */
const COMMUTING = ['MaxPool', 'Flatten', 'Reshape'];
function movesUp(m: Match, g: Graph): boolean {
  const moved = m.nodes['move']!;
  const zy = zeroPoint(g, m.nodes['q']!).value;
  return scalar(m.constants['sy']) && zy !== undefined && zy.dtype === 'i8' && sizeOf(zy.shape) === 1 &&
    moved.outputs.filter((o) => o).length === 1 && (moved.op !== 'MaxPool' || zeros(zy));
}

function moveUp(m: Match, g: Graph): { add: Node[] } {
  const [q, moved] = [m.nodes['q']!, m.nodes['move']!];
  const xq = freshName(g, `${m.tensors['x']}_quantized`);
  return {
    add: [
      node({ ...q, inputs: [m.tensors['x']!, ...q.inputs.slice(1)], outputs: [xq] }),
      node({ ...moved, inputs: [xq, ...moved.inputs.slice(1)], outputs: q.outputs }),
    ],
  };
}

/** A residual Add of the Conv's output and an f32 tensor of the same shape (either order). */
const addConv = (convFirst: boolean) => (convFirst ? op('Add', conv(), v('r')) : op('Add', v('r'), conv())).as('add');
function addApplies(m: Match, g: Graph): boolean {
  const r = g.type(m.tensors['r']!);
  const y = g.type(m.nodes['conv']!.outputs[0]!);
  return applies(m, g) && r.dtype === 'f32' && r.shape.length === y.shape.length && r.shape.every((d, i) => d === y.shape[i]);
}
const ADD_RULES: Rule[] = [true, false].flatMap((first) => [
  { name: 'q-relu-add-conv', pattern: quantize(op('Relu', addConv(first)).as('relu')), check: addApplies, rewrite: (m: Match, g: Graph) => rewrite(m, g, 'Relu') },
  { name: 'q-add-conv', pattern: quantize(addConv(first)), check: addApplies, rewrite: (m: Match, g: Graph) => rewrite(m, g, '') },
  { name: 'relu-add-conv', pattern: op('Relu', addConv(first)).as('relu'), check: addApplies, rewrite: (m: Match, g: Graph) => rewrite(m, g, 'Relu') },
  { name: 'add-conv', pattern: addConv(first), check: addApplies, rewrite: (m: Match, g: Graph) => rewrite(m, g, '') },
]);

/**
 * Quantizations move up first (to their fixpoint), then residual Adds, then the longest match first, each rule to its fixpoint before the next: a shorter rule would otherwise
 * take a Conv (visited before its Relu and QuantizeLinear) whose epilogue a longer one folds.
 */
export const FUSE_INT8_CONV_RULES: readonly Rule[] = [
  { name: 'q-up', pattern: op('QuantizeLinear', op(COMMUTING, v('x')).as('move'), c('sy')).as('q'), check: movesUp, rewrite: moveUp },
  ...ADD_RULES,
  { name: 'q-relu-conv', pattern: quantize(op('Relu', conv()).as('relu')), check: applies, rewrite: (m, g) => rewrite(m, g, 'Relu') },
  { name: 'q-conv', pattern: quantize(conv()), check: applies, rewrite: (m, g) => rewrite(m, g, '') },
  { name: 'relu-conv', pattern: op('Relu', conv()).as('relu'), check: applies, rewrite: (m, g) => rewrite(m, g, 'Relu') },
  { name: 'conv', pattern: conv(), check: applies, rewrite: (m, g) => rewrite(m, g, '') },
  { name: 'q-relu-gemm', pattern: quantize(op('Relu', gemm()).as('relu')), check: applies, rewrite: (m, g) => rewrite(m, g, 'Relu') },
  { name: 'q-gemm', pattern: quantize(gemm()), check: applies, rewrite: (m, g) => rewrite(m, g, '') },
  { name: 'relu-gemm', pattern: op('Relu', gemm()).as('relu'), check: applies, rewrite: (m, g) => rewrite(m, g, 'Relu') },
  { name: 'gemm', pattern: gemm(), check: applies, rewrite: (m, g) => rewrite(m, g, '') },
];

/**
 * uint8 activations (onnxruntime's default QDQ form) as int8: a QuantizeLinear to uint8 with zero
 * point z, every reader of which is a DequantizeLinear with the same scale and zero point, becomes
 * one to int8 with zero point z - 128, and its readers too. Both give the same (q - z) * scale:
 * saturate(round(x / s) + z) in [0, 255], less 128, is saturate(round(x / s) + z - 128) in [-128, 127].
 */
function int8FromUint8(g: Graph, ctx: PassContext): Graph {
  const outputs = new Set(g.outputs);
  const value = (t: string | undefined) => (t ? g.initializers.get(t) : undefined);
  const same = (a: string | undefined, b: string | undefined) => a === b || (!!value(a) && !!value(b) && toFloat64(value(a)!).join() === toFloat64(value(b)!).join());
  for (const q of g.nodes) {
    const z = value(q.inputs[2]);
    if (q.op !== 'QuantizeLinear' || !z || z.dtype !== 'u8' || sizeOf(z.shape) !== 1 || outputs.has(q.outputs[0]!)) continue;
    const readers = g.consumers(q.outputs[0]!);
    if (readers.length === 0 || !readers.every((r) => r.op === 'DequantizeLinear' && r.inputs[0] === q.outputs[0] && same(r.inputs[1], q.inputs[1]) && same(r.inputs[2], q.inputs[2]))) continue;
    const zi = freshName(g, `${q.inputs[2]}_int8`);
    const moved = [q, ...readers].map((n) => node({ ...n, inputs: [n.inputs[0]!, n.inputs[1]!, zi] }));
    ctx.record({ rule: 'uint8-to-int8', replaced: [q.name, ...readers.map((r) => r.name)], produced: moved.map((n) => n.name) });
    return int8FromUint8(applyEdit(g, { remove: [q, ...readers], add: moved, constants: { [zi]: tensor('i8', z.shape, [Number(toFloat64(z)[0]) - 128]) } }), ctx);
  }
  return g;
}

export const fuseInt8Conv: Pass = {
  name: 'fuse-int8-conv',
  description: 'a Conv, Gemm or MatMul reading a DequantizeLinear of int8 becomes an Int8Conv (int32 sums), with its residual Add, Relu and QuantizeLinear folded in',
  run: (g, ctx) => FUSE_INT8_CONV_RULES.reduce((h, rule) => rewriteToFixpoint(h, [rule], ctx), int8FromUint8(g, ctx)),
};
