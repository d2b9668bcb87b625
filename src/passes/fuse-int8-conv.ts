/**
 * INT8 convolutions from explicit quantization, as TensorRT reads Q/DQ: a Conv whose activation
 * input is a DequantizeLinear of an int8 tensor (per-tensor scale, zero point 0) runs in INT8.
 * It becomes one Int8Conv (src/ir/ops/int8.ts) that reads the int8 tensor itself, with
 *   - its float weight (after fold-constants evaluated the weight's DequantizeLinear, and
 *     fuse-conv-bn folded a BatchNormalization in) quantized per output channel, symmetric:
 *     a weight that came from int8 goes back to the same integers, the scales times the BN's;
 *   - a Relu after it folded into the epilogue;
 *   - a QuantizeLinear after it (or after the Relu) folded in as the requantization, so the
 *     output is int8 and the next INT8 layer reads it without a Quantize/Dequantize pair.
 * The DequantizeLinear stays for its other readers, if any (dead-code removes it otherwise).
 */
import { node, type Graph, type Node } from '../ir/graph.js';
import { sizeOf, tensor, toFloat64, type Tensor } from '../ir/tensor.js';
import { quantizeValue } from '../reference/quantize.js';
import { freshName, originOf } from './edit.js';
import { c, op, rewriteToFixpoint, v, type Match, type OpPattern, type Rule } from './rules.js';
import type { Pass } from './types.js';

const INT8_MAX = 127;

/** The dequantized activation: DQ(xq, scale, zero point), read by others too. */
const dqx = () => op('DequantizeLinear', v('xq'), c('sx'), c('zx')).allowShared().as('dqx');
const conv = () => op('Conv', dqx(), c('w')).as('conv');
const quantize = (inner: OpPattern) => op('QuantizeLinear', inner, c('sy'), c('zy')).as('q');

const zeros = (t: Tensor | undefined) => !t || (t.dtype === 'i8' && toFloat64(t).every((x) => x === 0));
const scalar = (t: Tensor | undefined) => !!t && t.dtype === 'f32' && sizeOf(t.shape) === 1 && Number(t.data[0]) > 0;

function applies(m: Match, g: Graph): boolean {
  const n = m.nodes['conv']!;
  const bias = n.inputs[2];
  return g.type(m.tensors['xq']!).dtype === 'i8' && scalar(m.constants['sx']) && zeros(m.constants['zx']) &&
    m.constants['w']!.dtype === 'f32' && m.constants['w']!.shape.length <= 4 /* 1-D and 2-D convs: the int8 tactics' */ && (!bias || g.initializers.get(bias)?.dtype === 'f32') &&
    (!m.nodes['q'] || (scalar(m.constants['sy']) && zeros(m.constants['zy']) && m.constants['zy'] !== undefined));
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

function rewrite(m: Match, g: Graph, activation: '' | 'Relu'): { add: Node[]; constants: Record<string, Tensor> } {
  const n = m.nodes['conv']!;
  const { q, scale } = quantizeWeight(m.constants['w']!);
  const wq = freshName(g, `${m.tensors['w']}_int8`);
  const ws = freshName(g, `${m.tensors['w']}_int8_scale`);
  const last = m.nodes['q'] ?? m.nodes['relu'] ?? n;
  const inputs = [m.tensors['xq']!, wq, n.inputs[2] ?? '', m.tensors['sx']!, ws, ...(m.nodes['q'] ? [m.tensors['sy']!] : [])];
  return {
    add: [node({ name: n.name, op: 'Int8Conv', inputs, outputs: last.outputs, attrs: { ...n.attrs, activation }, origin: originOf(m.all) })],
    constants: { [wq]: q, [ws]: scale },
  };
}

/**
 * Longest match first, each rule to its fixpoint before the next: a shorter rule would otherwise
 * take a Conv (visited before its Relu and QuantizeLinear) whose epilogue a longer one folds.
 */
export const FUSE_INT8_CONV_RULES: readonly Rule[] = [
  { name: 'q-relu-conv', pattern: quantize(op('Relu', conv()).as('relu')), check: applies, rewrite: (m, g) => rewrite(m, g, 'Relu') },
  { name: 'q-conv', pattern: quantize(conv()), check: applies, rewrite: (m, g) => rewrite(m, g, '') },
  { name: 'relu-conv', pattern: op('Relu', conv()).as('relu'), check: applies, rewrite: (m, g) => rewrite(m, g, 'Relu') },
  { name: 'conv', pattern: conv(), check: applies, rewrite: (m, g) => rewrite(m, g, '') },
];

export const fuseInt8Conv: Pass = {
  name: 'fuse-int8-conv',
  description: 'a Conv reading a DequantizeLinear of int8 becomes an Int8Conv (int32 sums), with its Relu and its QuantizeLinear folded in',
  run: (g, ctx) => FUSE_INT8_CONV_RULES.reduce((h, rule) => rewriteToFixpoint(h, [rule], ctx), g),
};
