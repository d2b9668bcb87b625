/**
 * Algebraic simplifications, one rule each, run to a fixpoint before fusion:
 *
 *   softmax-log             Log(Softmax(x))                 -> LogSoftmax(x), same axis
 *   reduce-global-pool      ReduceMean/Max over all spatial axes, keepdims=1
 *                                                           -> GlobalAveragePool / GlobalMaxPool
 *   window-global-pool      AveragePool / MaxPool whose one window is the whole input, unpadded
 *                                                           -> GlobalAveragePool / GlobalMaxPool
 *   pad-into-window         Conv / AveragePool(count_include_pad=1, ceil_mode=0) of a zero,
 *                           constant-mode Pad of spatial axes only -> the op's own pads
 *   transpose-transpose     Transpose(Transpose(x))         -> one Transpose (composed perm; none
 *                                                              when the composition is the identity)
 *   reshape-reshape         Reshape/Flatten/Squeeze/Unsqueeze of one of them -> one Reshape
 *                                                              (none when the shape comes back)
 *   gemm-transpose-a/b      Gemm reading a 2-D Transpose    -> transA/transB flipped; a constant
 *                                                              operand is transposed at build time
 *   transpose-sink-unary    u(Transpose(x)), u elementwise   -> Transpose(u(x))
 *   transpose-sink-binary   b(Transpose(x), k), k constant, or b(Transpose(x), Transpose(z)) with
 *                           the same perm, b elementwise     -> Transpose(b(x, k')) with k' the
 *                                                              constant permuted back; Transpose(b(x, z))
 *                           Sinking moves transposes below elementwise ops until they meet their
 *                           inverse (transpose-transpose removes both: the transposes around
 *                           pointwise ops of NHWC models) or a conv/Gemm that fuses the op.
 */
import { isFloat } from '../ir/dtype.js';
import { node, type Attrs, type Graph, type Node } from '../ir/graph.js';
import { attrs, nodeContext } from '../ir/infer.js';
import { CHAIN_BINARY_OPS, CHAIN_UNARY_OPS, padAmounts } from '../ir/ops/index.js';
import { permute } from '../ir/layout.js';
import { sameShape, tensor, toFloat64, toInts, type Tensor } from '../ir/tensor.js';
import type { GraphEdit } from './edit.js';
import { freshName, originOf } from './edit.js';
import { op, rewriteToFixpoint, v, type Rule } from './rules.js';
import type { Pass } from './types.js';

/** How many of `n`'s inputs read `t` (a rule must not drop a node that is read twice). */
const uses = (n: Node, t: string): number => n.inputs.filter((i) => i === t).length;

/** A Transpose's perm, its default (reversed axes) filled in. */
function permOf(g: Graph, t: Node): number[] {
  const p = attrs(t).optionalInts('perm');
  return p ? [...p] : g.type(t.inputs[0]!).shape.map((_, i, s) => s.length - 1 - i);
}

/**
 * The edit that makes `root`'s output the tensor `x` itself. Readers are renamed; a graph output
 * cannot be renamed, so an Identity writes it instead. `inner` (an allowShared node) goes too when
 * the root was its only reader.
 */
function forward(g: Graph, root: Node, inner: Node, x: string): GraphEdit {
  const y = root.outputs[0]!;
  const innerDead = g.consumers(inner.outputs[0]!).length === 1 && !g.outputs.includes(inner.outputs[0]!);
  const remove = innerDead ? [inner, root] : [root];
  if (!g.outputs.includes(y)) return { remove, rename: new Map([[y, x]]) };
  return { remove, add: [node({ name: root.name, op: 'Identity', inputs: [x], outputs: [y], origin: originOf([inner, root]) })] };
}

/** `root` replaced by `replacement`; `inner` (allowShared) removed too when nobody else reads it. */
function replaceShared(g: Graph, root: Node, inner: Node, replacement: Node, constants?: Record<string, Tensor>): GraphEdit {
  const innerDead = g.consumers(inner.outputs[0]!).length === 1 && !g.outputs.includes(inner.outputs[0]!);
  return { remove: innerDead ? [inner, root] : [root], add: [replacement], ...(constants ? { constants } : {}) };
}

const softmaxLog: Rule = {
  name: 'softmax-log',
  pattern: op('Log', op('Softmax', v('x')).as('sm')).as('log'),
  rewrite(m) {
    const sm = m.nodes['sm']!;
    return { add: [node({ name: sm.name, op: 'LogSoftmax', inputs: [m.tensors['x']!], outputs: m.nodes['log']!.outputs, attrs: sm.attrs, origin: originOf(m.all) })] };
  },
};

/** The reduced axes of a Reduce* node when they are a constant (or absent: all axes), else undefined. */
function reducedAxes(g: Graph, n: Node): number[] | undefined {
  const r = g.type(n.inputs[0]!).shape.length;
  const t = n.inputs[1];
  const given = t ? g.initializers.get(t) : undefined;
  if (t && !given) return undefined;
  const axes = given ? toInts(given) : [];
  if (axes.length === 0) return attrs(n).int('noop_with_empty_axes') === 1 ? [] : Array.from({ length: r }, (_, i) => i);
  return axes.map((a) => (a < 0 ? a + r : a)).sort((a, b) => a - b);
}

const reduceGlobalPool: Rule = {
  name: 'reduce-global-pool',
  pattern: op(['ReduceMean', 'ReduceMax'], v('x')).as('r'),
  check(m, g) {
    const r = m.nodes['r']!;
    const x = g.type(m.tensors['x']!);
    if (x.shape.length < 3 || !isFloat(x.dtype) || attrs(r).int('keepdims') !== 1) return false;
    const axes = reducedAxes(g, r);
    return axes !== undefined && axes.length === x.shape.length - 2 && axes.every((a, i) => a === i + 2);
  },
  rewrite(m) {
    const r = m.nodes['r']!;
    const pool = r.op === 'ReduceMean' ? 'GlobalAveragePool' : 'GlobalMaxPool';
    return { add: [node({ name: r.name, op: pool, inputs: [m.tensors['x']!], outputs: r.outputs, origin: r.origin })] };
  },
};

const windowGlobalPool: Rule = {
  name: 'window-global-pool',
  pattern: op(['AveragePool', 'MaxPool'], v('x')).as('p'),
  check(m, g) {
    const p = m.nodes['p']!;
    const a = attrs(p);
    const x = g.type(m.tensors['x']!);
    const spatial = x.shape.slice(2);
    const none = (name: string, value: number) => (a.optionalInts(name) ?? []).every((e) => e === value);
    return p.outputs.length === 1 && isFloat(x.dtype) && spatial.length > 0 && ['NOTSET', 'VALID'].includes(a.string('auto_pad')) &&
      a.ints('kernel_shape').join() === spatial.join() && none('pads', 0) && none('dilations', 1);
  },
  rewrite(m) {
    const p = m.nodes['p']!;
    const pool = p.op === 'AveragePool' ? 'GlobalAveragePool' : 'GlobalMaxPool';
    return { add: [node({ name: p.name, op: pool, inputs: [m.tensors['x']!], outputs: p.outputs, origin: p.origin })] };
  },
};

/** Spatial pads [begins..., ends...] of a zero, constant-mode Pad that pads nothing else; else undefined. */
function zeroSpatialPads(g: Graph, pad: Node): number[] | undefined {
  if (attrs(pad).string('mode') !== 'constant') return undefined;
  const constant = (i: number) => (pad.inputs[i] ? g.initializers.get(pad.inputs[i]!) : undefined);
  if (!constant(1) || (pad.inputs[3] && !constant(3))) return undefined;
  if (pad.inputs[2] && !(constant(2) && toFloat64(constant(2)!).every((e) => e === 0))) return undefined;
  const p = padAmounts(nodeContext(g, pad));
  const r = p.length / 2;
  if (p.some((e) => e < 0) || p[0] !== 0 || p[1] !== 0 || p[r] !== 0 || p[r + 1] !== 0) return undefined;
  return [...p.slice(2, r), ...p.slice(r + 2)];
}

const padIntoWindow: Rule = {
  name: 'pad-into-window',
  pattern: op(['Conv', 'AveragePool'], op('Pad', v('x')).as('pad')).as('w'),
  check(m) {
    const w = m.nodes['w']!;
    const a = attrs(w);
    if (uses(w, m.nodes['pad']!.outputs[0]!) !== 1 || a.string('auto_pad') !== 'NOTSET') return false;
    return w.op === 'Conv' || (a.int('count_include_pad') === 1 && a.int('ceil_mode') === 0);
  },
  rewrite(m, g) {
    const w = m.nodes['w']!;
    const extra = zeroSpatialPads(g, m.nodes['pad']!);
    if (!extra) return null;
    const old = attrs(w).optionalInts('pads') ?? extra.map(() => 0);
    const pads = old.map((p, i) => p + extra[i]!);
    const inputs = [m.tensors['x']!, ...w.inputs.slice(1)];
    return { add: [node({ ...w, inputs, attrs: { ...w.attrs, pads }, origin: originOf(m.all) })] };
  },
};

const transposeTranspose: Rule = {
  name: 'transpose-transpose',
  pattern: op('Transpose', op('Transpose', v('x')).as('t1').allowShared()).as('t2'),
  rewrite(m, g) {
    const [t1, t2] = [m.nodes['t1']!, m.nodes['t2']!];
    const p1 = permOf(g, t1);
    const perm = permOf(g, t2).map((j) => p1[j]!);
    if (perm.every((p, i) => p === i)) return forward(g, t2, t1, m.tensors['x']!);
    return replaceShared(g, t2, t1, node({ ...t2, inputs: [m.tensors['x']!], attrs: { perm }, origin: originOf([t1, t2]) }));
  },
};

const RESHAPES = ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze'];

const reshapeReshape: Rule = {
  name: 'reshape-reshape',
  pattern: op(RESHAPES, op(RESHAPES, v('x')).as('r1').allowShared()).as('r2'),
  rewrite(m, g) {
    const [r1, r2] = [m.nodes['r1']!, m.nodes['r2']!];
    const x = m.tensors['x']!;
    const target = g.type(r2.outputs[0]!).shape;
    if (sameShape(g.type(x).shape, target)) return forward(g, r2, r1, x);
    const shapeName = freshName(g, `${r2.name}_shape`);
    const zeros: Attrs = target.includes(0) ? { allowzero: 1 } : {};
    const reshape = node({ name: r2.name, op: 'Reshape', inputs: [x, shapeName], outputs: r2.outputs, attrs: zeros, origin: originOf([r1, r2]) });
    return replaceShared(g, r2, r1, reshape, { [shapeName]: tensor('i64', [target.length], target) });
  },
};

/** A 2-D constant, transposed. */
function transposed(t: Tensor): Tensor {
  const [rows, cols] = [t.shape[0]!, t.shape[1]!];
  const data = new (t.data.constructor as new (n: number) => Tensor['data'])(t.data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[j * rows + i] = t.data[i * cols + j]!;
  return tensor(t.dtype, [cols, rows], data);
}

/** Gemm reading a swap of the two dims of its operand `which` (0: A, 1: B). */
function gemmTranspose(which: 0 | 1): Rule {
  const flag = which === 0 ? 'transA' : 'transB';
  const t = op('Transpose', v('x')).as('t');
  return {
    name: which === 0 ? 'gemm-transpose-a' : 'gemm-transpose-b',
    pattern: op('Gemm', ...(which === 0 ? [t] : [v('a'), t])).as('gemm'),
    check: (m, g) => uses(m.nodes['gemm']!, m.nodes['t']!.outputs[0]!) === 1 && permOf(g, m.nodes['t']!).join() === '1,0',
    rewrite(m, g) {
      const [tr, gemm] = [m.nodes['t']!, m.nodes['gemm']!];
      const x = m.tensors['x']!;
      const inputs = [...gemm.inputs];
      const value = g.initializers.get(x);
      if (value) {
        // A constant operand is transposed now, so the kernel reads it in the layout the flag says.
        const name = freshName(g, `${x}_t`);
        inputs[which] = name;
        return { add: [node({ ...gemm, inputs, origin: originOf([tr, gemm]) })], constants: { [name]: transposed(value) } };
      }
      inputs[which] = x;
      const { [flag]: _, ...rest } = gemm.attrs;
      const flipped = attrs(gemm).int(flag) === 1 ? rest : { ...rest, [flag]: 1 };
      return { add: [node({ ...gemm, inputs, attrs: flipped, origin: originOf([tr, gemm]) })] };
    },
  };
}

/** Transposes feeding Gemm folded into its flags; matmul-add-to-gemm runs these too. */
export const GEMM_TRANSPOSE_RULES: readonly Rule[] = [gemmTranspose(0), gemmTranspose(1)];

/** `u` and `t` swapped: `u` reads `x` into a fresh tensor, and `t` transposes that into `u`'s output. */
function sinkBelow(g: Graph, t: Node, u: Node, inputs: readonly string[]): GraphEdit {
  const inner = freshName(g, `${u.outputs[0]}_untransposed`);
  return {
    add: [
      node({ ...u, inputs, outputs: [inner] }),
      node({ ...t, inputs: [inner], outputs: u.outputs }),
    ],
  };
}

const transposeSinkUnary: Rule = {
  name: 'transpose-sink-unary',
  pattern: op(CHAIN_UNARY_OPS, op('Transpose', v('x')).as('t')).as('u'),
  rewrite(m, g) {
    const u = m.nodes['u']!;
    return sinkBelow(g, m.nodes['t']!, u, [m.tensors['x']!, ...u.inputs.slice(1)]);
  },
};

/** The elementwise binary op `b` reads Transpose `t` at input `side` and, at the other, a constant or a Transpose with the same perm. */
function transposeSinkBinary(side: 0 | 1): Rule {
  const t = op('Transpose', v('x')).as('t');
  return {
    name: 'transpose-sink-binary',
    pattern: op(CHAIN_BINARY_OPS, ...(side === 0 ? [t] : [v('k'), t])).as('b'),
    rewrite(m, g) {
      const [tr, b] = [m.nodes['t']!, m.nodes['b']!];
      const k = b.inputs[1 - side]!;
      const outShape = g.type(b.outputs[0]!).shape;
      // The transpose's output must be the whole result (not broadcast up by the other operand).
      if (!sameShape(g.type(tr.outputs[0]!).shape, outShape)) return null;
      const perm = permOf(g, tr);
      const inputs = [...b.inputs];
      inputs[side] = m.tensors['x']!;
      const value = g.initializers.get(k);
      if (value) {
        // k read through the inverse perm, at full rank (leading 1s), gives the same broadcast.
        const full = tensor(value.dtype, [...new Array<number>(perm.length - value.shape.length).fill(1), ...value.shape], value.data);
        const inverse = perm.map((_, i) => perm.indexOf(i));
        const name = freshName(g, `${k}_untransposed`);
        inputs[1 - side] = name;
        return { ...sinkBelow(g, tr, b, inputs), constants: { [name]: permute(full, inverse) } };
      }
      const p2 = g.producer(k);
      if (!p2 || p2.op !== 'Transpose' || p2 === tr || p2.outputs[0] !== k || g.consumers(k).length !== 1 || g.outputs.includes(k)) return null;
      if (!sameShape(g.type(k).shape, outShape) || permOf(g, p2).join() !== perm.join()) return null;
      inputs[1 - side] = p2.inputs[0]!;
      const edit = sinkBelow(g, tr, b, inputs);
      return { ...edit, remove: [tr, p2, b], add: [edit.add![0]!, node({ ...edit.add![1]!, origin: originOf([tr, p2]) })] };
    },
  };
}
export const TRANSPOSE_SINK_RULES: readonly Rule[] = [transposeSinkUnary, transposeSinkBinary(0), transposeSinkBinary(1)];

export const SIMPLIFY_RULES: readonly Rule[] = [
  softmaxLog, reduceGlobalPool, windowGlobalPool, padIntoWindow, transposeTranspose, reshapeReshape, ...GEMM_TRANSPOSE_RULES, ...TRANSPOSE_SINK_RULES,
];

export const simplify: Pass = {
  name: 'simplify',
  description: 'LogSoftmax, global pools (from reductions and whole-input windows), pads into windows, merged transposes and reshapes, transposes into Gemm flags',
  run: (g, ctx) => rewriteToFixpoint(g, SIMPLIFY_RULES, ctx),
};
