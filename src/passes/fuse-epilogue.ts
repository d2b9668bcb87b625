/**
 * Epilogue fusion, TensorRT's CBR: Conv, Gemm or MatMul, then an Add of a bias, an Add of a
 * residual and an activation, become one node whose kernel does all of it at its store (the
 * `epilogue()` hook of kernels/conv/direct.wgsl and kernels/gemm/tiled.wgsl):
 *
 *   Conv -> Add(per-channel constant) -> Add(same-shape tensor) -> Relu   =>   FusedConv
 *
 * Three rules, run to a fixpoint, each taking one more node into the base:
 *   fold-bias        Add of a constant that the bias can hold (Conv: one value per channel;
 *                    Gemm: C broadcast to [M, N]; MatMul: broadcast over batches) joins the bias;
 *   fuse-residual    Add of a tensor with the output's shape becomes the residual input;
 *   fuse-activation  an activation of EPILOGUE_ACTIVATIONS becomes the epilogue's last step.
 * Adds are taken before the activation only (the activation comes last). A Conv or Gemm with
 * only a bias stays a Conv or Gemm. Runs after the folds (fuse-conv-bn, matmul-add-to-gemm) and
 * before pointwise fusion.
 */
import type { Attrs, Graph, Node } from '../ir/graph.js';
import { node } from '../ir/graph.js';
import { attrs } from '../ir/infer.js';
import { broadcastShapes, EPILOGUE_ACTIVATIONS, F32_MAX, FUSED_BASE } from '../ir/ops/index.js';
import { sameShape, sizeOf, stridesOf, tensor, toFloat64, type Shape, type Tensor } from '../ir/tensor.js';
import { freshName, originOf, type GraphEdit } from './edit.js';
import { c, op, rewriteToFixpoint, v, type Match, type Rule } from './rules.js';
import type { Pass } from './types.js';

type Kind = 'Conv' | 'Gemm' | 'MatMul';
const FUSED_OF: Readonly<Record<Kind, string>> = { Conv: 'FusedConv', Gemm: 'FusedGemm', MatMul: 'FusedMatMul' };
const BASE_OPS = [...Object.keys(FUSED_OF), ...Object.values(FUSED_OF)];

/** A base node taken apart: the op it extends, its operands, bias, residual and activation. */
interface Parts {
  readonly kind: Kind;
  readonly operands: readonly string[];
  readonly bias: string;
  readonly residual: string;
  /** The base op's own attributes (for Gemm alpha, beta, transA, transB). */
  readonly attrs: Attrs;
  readonly activation: string;
  readonly params: readonly number[];
}

function partsOf(n: Node): Parts {
  const kind = (FUSED_BASE[n.op] ?? n.op) as Kind;
  const { activation = '', activation_params = [], ...own } = n.attrs;
  return {
    kind,
    operands: n.inputs.slice(0, 2),
    bias: n.inputs[2] ?? '',
    residual: n.inputs[3] ?? '',
    attrs: own,
    activation: activation as string,
    params: activation_params as readonly number[],
  };
}

/** The node for `p`: the plain op while it has no residual or activation (and MatMul no bias). */
function assemble(p: Parts, m: Match, root: Node): Node {
  const fused = p.residual || p.activation || (p.kind === 'MatMul' && p.bias);
  const inputs = [...p.operands, p.bias, p.residual];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const epilogue: Attrs = p.activation ? { activation: p.activation, activation_params: p.params } : {};
  const base = m.nodes['base']!;
  return node({
    name: base.name,
    op: fused ? FUSED_OF[p.kind] : p.kind,
    inputs,
    outputs: [root.outputs[0]!],
    attrs: { ...p.attrs, ...epilogue },
    origin: originOf(m.all),
  });
}

/** The values of `t` broadcast (numpy rules) to `shape`, in float64. */
function broadcastValues(t: Tensor, shape: Shape): Float64Array {
  const src = toFloat64(t);
  const strides = stridesOf(t.shape);
  const out = new Float64Array(sizeOf(shape));
  const at = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let k = 0;
    for (let d = 0; d < t.shape.length; d++) {
      const o = d + shape.length - t.shape.length;
      if (t.shape[d] !== 1) k += at[o]! * strides[d]!;
    }
    out[i] = src[k]!;
    for (let d = shape.length - 1; d >= 0 && ++at[d]! === shape[d]; d--) at[d] = 0;
  }
  return out;
}

/** Whether `s` broadcasts to `target` without growing it. */
function fitsInto(s: Shape, target: Shape): boolean {
  try {
    return s.length <= target.length && sameShape(broadcastShapes(undefined, [s, target]), target);
  } catch {
    return false;
  }
}

const f32 = (shape: Shape, values: Float64Array | readonly number[]): Tensor => tensor('f32', shape, Float32Array.from(values));

/**
 * The bias after adding the constant `add` (tensor name `name`), or undefined when the bias
 * cannot hold it: the new parts and any new constant.
 */
function withBias(g: Graph, p: Parts, name: string, add: Tensor, base: Node): { parts: Parts; constants: Record<string, Tensor> } | undefined {
  const out = g.type(base.outputs[0]!).shape;
  const old = p.bias ? g.initializers.get(p.bias) : undefined;
  if (add.dtype !== 'f32' || (p.bias && !old)) return undefined; // a computed bias cannot be summed here
  const fresh = (what: string, t: Tensor) => {
    const k = freshName(g, `${base.name}_${what}`);
    return { k, constants: { [k]: t } };
  };
  if (p.kind === 'Conv') {
    // One value per output channel: every dim of `add` but the one over channels (axis 1) is 1.
    const channels = out[1]!;
    const axis = 1 - (out.length - add.shape.length);
    if (!fitsInto(add.shape, out) || add.shape.some((d, i) => i !== axis && d !== 1)) return undefined;
    const values = toFloat64(add); // one value, or one per channel
    const was = old ? toFloat64(old) : new Float64Array(channels);
    const { k, constants } = fresh('bias', f32([channels], was.map((x, i) => x + values[values.length === 1 ? 0 : i]!)));
    return { parts: { ...p, bias: k }, constants };
  }
  // Gemm's C and MatMul's bias vary over rows and columns only: [M, N] at most.
  const lead = add.shape.length - 2;
  if (!fitsInto(add.shape, out) || add.shape.slice(0, Math.max(0, lead)).some((d) => d !== 1)) return undefined;
  const term = add.shape.length > 2 ? add.shape.slice(lead) : add.shape;
  if (!old) {
    if (term.length === add.shape.length) return { parts: { ...p, bias: name, attrs: p.kind === 'Gemm' ? { ...p.attrs, beta: 1 } : p.attrs }, constants: {} };
    const { k, constants } = fresh('bias', f32(term, toFloat64(add)));
    return { parts: { ...p, bias: k }, constants };
  }
  const beta = p.kind === 'Gemm' ? attrs(base).float('beta') : 1;
  const shape = broadcastShapes(undefined, [old.shape, term]);
  const was = broadcastValues(old, shape);
  const more = broadcastValues(f32(term, toFloat64(add)), shape);
  const { k, constants } = fresh('bias', f32(shape, was.map((x, i) => beta * x + more[i]!)));
  return { parts: { ...p, bias: k, attrs: p.kind === 'Gemm' ? { ...p.attrs, beta: 1 } : p.attrs }, constants };
}

/** Whether the base can take more: f32, no activation yet, and (MatMul) operands of rank >= 2. */
function open(g: Graph, base: Node): boolean {
  const p = partsOf(base);
  if (p.activation || g.type(base.outputs[0]!).dtype !== 'f32') return false;
  return p.kind !== 'MatMul' || p.operands.every((t) => g.type(t).shape.length >= 2);
}

const base = () => op(BASE_OPS).as('base');

const foldBias = (pattern: ReturnType<typeof op>): Rule => ({
  name: 'fold-bias',
  pattern,
  check: (m, g) => open(g, m.nodes['base']!),
  rewrite(m, g): GraphEdit | null {
    const b = m.nodes['base']!;
    const r = withBias(g, partsOf(b), m.tensors['c']!, m.constants['c']!, b);
    return r ? { add: [assemble(r.parts, m, m.nodes['add']!)], constants: r.constants } : null;
  },
});

const fuseResidual = (pattern: ReturnType<typeof op>): Rule => ({
  name: 'fuse-residual',
  pattern,
  check(m, g) {
    const b = m.nodes['base']!;
    const r = m.tensors['r']!;
    const out = g.type(b.outputs[0]!);
    const t = g.type(r);
    return open(g, b) && !partsOf(b).residual && r !== b.outputs[0] && t.dtype === out.dtype && sameShape(t.shape, out.shape);
  },
  rewrite: (m) => ({ add: [assemble({ ...partsOf(m.nodes['base']!), residual: m.tensors['r']! }, m, m.nodes['add']!)] }),
});

/** An activation node's `activation_params` (see EPILOGUE_ACTIVATIONS), or undefined when it cannot be fused. */
function activationParams(g: Graph, n: Node): number[] | undefined {
  if (n.op === 'Clip') {
    const bounds = [1, 2].map((i, k) => {
      const t = n.inputs[i];
      if (!t) return k === 0 ? -F32_MAX : F32_MAX;
      const value = g.initializers.get(t);
      return value && sizeOf(value.shape) === 1 ? Math.min(F32_MAX, Math.max(-F32_MAX, toFloat64(value)[0]!)) : NaN;
    });
    return bounds.some(Number.isNaN) ? undefined : bounds;
  }
  const a = attrs(n);
  if (n.op === 'Gelu' && a.string('approximate') !== 'none') return undefined;
  return EPILOGUE_ACTIVATIONS[n.op]!.map((k) => a.float(k));
}

const fuseActivation: Rule = {
  name: 'fuse-activation',
  pattern: op(Object.keys(EPILOGUE_ACTIVATIONS), base()).as('act'),
  check: (m, g) => open(g, m.nodes['base']!),
  rewrite(m, g) {
    const act = m.nodes['act']!;
    const params = activationParams(g, act);
    if (!params) return null;
    return { add: [assemble({ ...partsOf(m.nodes['base']!), activation: act.op, params }, m, act)] };
  },
};

/** The rule table: Adds in either operand order. */
export const EPILOGUE_RULES: readonly Rule[] = [
  foldBias(op('Add', base(), c('c')).as('add')),
  foldBias(op('Add', c('c'), base()).as('add')),
  fuseResidual(op('Add', base(), v('r')).as('add')),
  fuseResidual(op('Add', v('r'), base()).as('add')),
  fuseActivation,
];

export const fuseEpilogue: Pass = {
  name: 'fuse-epilogue',
  description: 'fold bias adds into Conv/Gemm/MatMul and fuse the residual add and the activation into its kernel (FusedConv, FusedGemm, FusedMatMul)',
  run: (g, ctx) => rewriteToFixpoint(g, EPILOGUE_RULES, ctx),
};
