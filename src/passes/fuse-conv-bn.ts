/**
 * BatchNormalization folding: an inference BN is a per-channel affine map y = x * s + t with
 * s = scale / sqrt(var + eps) and t = bias - mean * s. Right after a Conv whose weight (and bias,
 * if any) are constants it folds into them: W'[m] = W[m] * s[m], b' = b * s + t, and the BN
 * disappears. The same holds for a Gemm or a 2-D MatMul with a constant B (channel axis 1 of a
 * [M, N] result is N): B's columns are scaled and the shift becomes Gemm's C (a MatMul becomes a
 * Gemm). Folding is done in float64 and rounded once to the weight's dtype.
 */
import { isFloat } from '../ir/dtype.js';
import { node, type Graph } from '../ir/graph.js';
import { attrs } from '../ir/infer.js';
import { broadcastShapes } from '../ir/ops/registry.js';
import { fromFloat64, sizeOf, toFloat64, type Tensor } from '../ir/tensor.js';
import { broadcastOffsets } from '../reference/elements.js';
import { freshName, originOf } from './edit.js';
import { c, op, rewriteToFixpoint, v, type Match, type Pattern, type Rule } from './rules.js';
import type { Pass } from './types.js';

/** BN's constant parameters after `producer`; the BN is `bn`, its producer `p`. */
const bnAfter = (producer: string, ...inputs: Pattern[]) =>
  op('BatchNormalization', op(producer, ...inputs).as('p'), c('scale'), c('bias'), c('mean'), c('var')).as('bn');

/** Per-channel s and t of the matched BN, or undefined when a parameter is not a float. */
function affine(m: Match): { s: Float64Array; t: Float64Array } | undefined {
  const { scale, bias, mean, var: variance } = m.constants;
  if (![scale, bias, mean, variance].every((p) => p && isFloat(p.dtype))) return undefined;
  const eps = attrs(m.nodes['bn']!).float('epsilon');
  const [sc, b, mu, va] = [scale!, bias!, mean!, variance!].map(toFloat64) as [Float64Array, Float64Array, Float64Array, Float64Array];
  const s = sc.map((x, i) => x / Math.sqrt(va[i]! + eps));
  const t = b.map((x, i) => x - mu[i]! * s[i]!);
  return { s, t };
}

/** The weight scaled along `axis` (of its `shape`) by s. */
function scaleAlong(w: Tensor, axis: number, s: Float64Array): Tensor {
  const values = toFloat64(w);
  const inner = sizeOf(w.shape.slice(axis + 1));
  const n = w.shape[axis]!;
  for (let i = 0; i < values.length; i++) values[i] = values[i]! * s[Math.floor(i / inner) % n]!;
  return fromFloat64(w.dtype, w.shape, values);
}

/** The folded shift b * s + t, where b (absent: 0) broadcasts against [n] (per-channel last axis). */
function shift(b: Tensor | undefined, beta: number, a: { s: Float64Array; t: Float64Array }, dtype: Tensor['dtype']): Tensor {
  const n = a.s.length;
  const shape = b ? broadcastShapes(undefined, [b.shape, [n]]) : [n];
  const from = b ? toFloat64(b) : undefined;
  const offsets = b ? broadcastOffsets(b.shape, shape) : undefined;
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    const ch = i % n;
    out[i] = (from ? beta * from[offsets![i]!]! : 0) * a.s[ch]! + a.t[ch]!;
  }
  return fromFloat64(dtype, shape, out);
}

/** A constant the edit adds, under a fresh name derived from `hint`. */
function fresh(g: Graph, hint: string, taken: Set<string>): string {
  let name = freshName(g, hint);
  for (let k = 1; taken.has(name); k++) name = freshName(g, `${hint}_${k}`);
  taken.add(name);
  return name;
}

const floatWeight = (m: Match, name: string) => isFloat(m.constants[name]!.dtype);

export const FUSE_CONV_BN_RULES: readonly Rule[] = [
  {
    name: 'conv-bn',
    pattern: bnAfter('Conv', v('x'), c('w')),
    check: (m, g) => floatWeight(m, 'w') && (!m.nodes['p']!.inputs[2] || g.initializers.has(m.nodes['p']!.inputs[2]!)),
    rewrite(m, g) {
      const conv = m.nodes['p']!;
      const bn = m.nodes['bn']!;
      const a = affine(m);
      if (!a) return null;
      const w = m.constants['w']!;
      const b = conv.inputs[2] ? g.initializers.get(conv.inputs[2])! : undefined;
      const taken = new Set<string>();
      const wName = fresh(g, `${m.tensors['w']}_bn`, taken);
      const bName = fresh(g, `${conv.name}_bn_bias`, taken);
      return {
        add: [node({ name: conv.name, op: 'Conv', inputs: [m.tensors['x']!, wName, bName], outputs: bn.outputs, attrs: conv.attrs, origin: originOf([conv, bn]) })],
        constants: { [wName]: scaleAlong(w, 0, a.s), [bName]: shift(b, 1, a, w.dtype) },
      };
    },
  },
  {
    name: 'gemm-bn',
    pattern: bnAfter('Gemm', v('a'), c('b')),
    check: (m, g) => floatWeight(m, 'b') && (!m.nodes['p']!.inputs[2] || g.initializers.has(m.nodes['p']!.inputs[2]!)),
    rewrite(m, g) {
      const gemm = m.nodes['p']!;
      const a = affine(m);
      if (!a) return null;
      const ga = attrs(gemm);
      const B = m.constants['b']!;
      const C = gemm.inputs[2] ? g.initializers.get(gemm.inputs[2])! : undefined;
      const taken = new Set<string>();
      const bName = fresh(g, `${m.tensors['b']}_bn`, taken);
      const cName = fresh(g, `${gemm.name}_bn_bias`, taken);
      const rest = Object.fromEntries(Object.entries(gemm.attrs).filter(([k]) => k !== 'beta'));
      return {
        add: [node({ name: gemm.name, op: 'Gemm', inputs: [m.tensors['a']!, bName, cName], outputs: m.nodes['bn']!.outputs, attrs: rest, origin: originOf(m.all) })],
        constants: { [bName]: scaleAlong(B, ga.int('transB') ? 0 : 1, a.s), [cName]: shift(C, ga.float('beta'), a, B.dtype) },
      };
    },
  },
  {
    name: 'matmul-bn',
    pattern: bnAfter('MatMul', v('a'), c('b')),
    check: (m, g) => floatWeight(m, 'b') && m.constants['b']!.shape.length === 2 && g.type(m.tensors['a']!).shape.length === 2,
    rewrite(m, g) {
      const mm = m.nodes['p']!;
      const a = affine(m);
      if (!a) return null;
      const B = m.constants['b']!;
      const taken = new Set<string>();
      const bName = fresh(g, `${m.tensors['b']}_bn`, taken);
      const cName = fresh(g, `${mm.name}_bn_bias`, taken);
      return {
        add: [node({ name: mm.name, op: 'Gemm', inputs: [m.tensors['a']!, bName, cName], outputs: m.nodes['bn']!.outputs, origin: originOf(m.all) })],
        constants: { [bName]: scaleAlong(B, 1, a.s), [cName]: shift(undefined, 1, a, B.dtype) },
      };
    },
  },
];

export const fuseConvBn: Pass = {
  name: 'fuse-conv-bn',
  description: 'fold a BatchNormalization into the weights and bias of the Conv/Gemm/MatMul before it',
  run: (g, ctx) => rewriteToFixpoint(g, FUSE_CONV_BN_RULES, ctx),
};
