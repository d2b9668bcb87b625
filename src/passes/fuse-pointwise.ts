/**
 * Pointwise fusion: a group of f32 elementwise nodes (unary ops, Clip with constant bounds, and
 * the float binary ops) computing one output becomes one PointwiseChain node, one kernel
 * instead of one per op, with no intermediate tensor in memory.
 *
 * A group grows from its last node up through producers whose output has the group's shape, is
 * read by that one node only and is not a graph output. What it reads from outside are the
 * chain's inputs (at most CHAIN_MAX_INPUTS; one-element constants are inlined as literals);
 * the first input has the output's shape, the others broadcast into it. Groups of one node
 * stay as they are. Runs after fuse-epilogue, which takes the Conv/Gemm + bias + activation
 * (+ residual) ends first.
 */
import { node, toposort, type Graph, type Node } from '../ir/graph.js';
import { CHAIN_BINARY_OPS, CHAIN_MAX_INPUTS, CHAIN_UNARY_OPS, formatProgram, type ChainOperand, type ChainStep } from '../ir/ops/index.js';
import { sameShape, sizeOf, toFloat64, type Shape } from '../ir/tensor.js';
import { applyEdit, originOf } from './edit.js';
import type { Pass } from './types.js';

/** The value of a one-element finite f32 constant, which a chain inlines; else undefined. */
function literal(g: Graph, t: string): number | undefined {
  const c = g.initializers.get(t);
  if (!c || c.dtype !== 'f32' || sizeOf(c.shape) !== 1) return undefined;
  const v = toFloat64(c)[0]!;
  return Number.isFinite(v) ? v : undefined;
}

/** Clip's bounds as chain attributes, or undefined when one is not a constant a chain can hold. */
function clipAttrs(g: Graph, n: Node): Record<string, number> | undefined {
  const attrs: Record<string, number> = {};
  for (const [i, name, none] of [[1, 'min', -Infinity], [2, 'max', Infinity]] as const) {
    const t = n.inputs[i];
    if (!t) continue;
    const c = g.initializers.get(t);
    if (!c || c.dtype !== 'f32' || sizeOf(c.shape) !== 1) return undefined;
    const v = toFloat64(c)[0]!;
    if (v === none) continue;
    if (!Number.isFinite(v)) return undefined;
    attrs[name] = v;
  }
  return attrs;
}

/** The tensors a node reads as chain operands (Clip's bounds become attributes). */
function operands(n: Node): readonly string[] {
  return n.op === 'Clip' ? n.inputs.slice(0, 1) : n.inputs;
}

/** A node a chain can hold: an f32 elementwise op with one output. */
function fusible(g: Graph, n: Node): boolean {
  if (n.outputs.length !== 1 || !n.outputs[0]) return false;
  if (!CHAIN_UNARY_OPS.includes(n.op) && !CHAIN_BINARY_OPS.includes(n.op)) return false;
  if (![...operands(n), n.outputs[0]].every((t) => g.types.get(t)?.dtype === 'f32')) return false;
  return n.op !== 'Clip' || clipAttrs(g, n) !== undefined;
}

/** The operands of `n` a chain reads as inputs: tensors, not inlined literals. */
function tensorOperands(g: Graph, n: Node): string[] {
  return operands(n).filter((t) => literal(g, t) === undefined);
}

/**
 * The group ending at `root`: it takes a producer in when that keeps the chain's inputs within
 * CHAIN_MAX_INPUTS. Returns its nodes, in no particular order.
 */
function growGroup(g: Graph, root: Node, shape: Shape, taken: ReadonlySet<Node>): Set<Node> {
  const outputs = new Set(g.outputs);
  const group = new Set([root]);
  let inputs = new Set(tensorOperands(g, root));
  const absorbable = (t: string): Node | undefined => {
    const p = g.producer(t);
    if (!p || taken.has(p) || group.has(p) || outputs.has(t) || g.consumers(t).length !== 1) return undefined;
    return fusible(g, p) && sameShape(g.type(t).shape, shape) ? p : undefined;
  };
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of inputs) {
      const p = absorbable(t);
      if (!p) continue;
      const next = new Set([...inputs].filter((x) => x !== t));
      for (const x of tensorOperands(g, p)) next.add(x);
      if (next.size > CHAIN_MAX_INPUTS) continue;
      group.add(p);
      inputs = next;
      grew = true;
      break;
    }
  }
  return group;
}

/** The PointwiseChain standing for `group` (in topological order, last = root), or undefined when none can. */
function chainNode(g: Graph, group: readonly Node[]): Node | undefined {
  const root = group[group.length - 1]!;
  const out = root.outputs[0]!;
  const shape = g.type(out).shape;
  const stepOf = new Map(group.map((n, k) => [n.outputs[0]!, k + 1]));
  const inputs: string[] = [];
  const steps: ChainStep[] = group.map((n) => {
    const ops = operands(n).map((t): ChainOperand => {
      const step = stepOf.get(t);
      if (step !== undefined) return { kind: 'step', step };
      const v = literal(g, t);
      if (v !== undefined) return { kind: 'literal', value: v };
      if (!inputs.includes(t)) inputs.push(t);
      return { kind: 'input', index: inputs.indexOf(t) };
    });
    const attrs = n.op === 'Clip' ? clipAttrs(g, n)! : (n.attrs as Record<string, number | string>);
    return { op: n.op, operands: ops, attrs };
  });
  // Input 0 must have the output's shape: move the first such input to the front.
  const first = inputs.findIndex((t) => sameShape(g.type(t).shape, shape));
  if (first < 0) return undefined;
  const order = [first, ...inputs.keys()].filter((k, i) => i === 0 || k !== first);
  const index = new Map(order.map((k, i) => [k, i]));
  const renumbered = steps.map((s) => ({ ...s, operands: s.operands.map((o) => (o.kind === 'input' ? { kind: 'input' as const, index: index.get(o.index)! } : o)) }));
  return node({
    name: root.name,
    op: 'PointwiseChain',
    inputs: order.map((k) => inputs[k]!),
    outputs: [out],
    attrs: { program: formatProgram(renumbered) },
    origin: originOf(group),
  });
}

export const fusePointwise: Pass = {
  name: 'fuse-pointwise',
  description: 'chains of elementwise ops become one PointwiseChain kernel',
  run(g, ctx) {
    const order = toposort(g);
    const position = new Map(order.map((n, i) => [n, i]));
    const taken = new Set<Node>();
    const groups: Node[][] = [];
    for (const root of [...order].reverse()) {
      if (taken.has(root) || !fusible(g, root)) continue;
      const group = [...growGroup(g, root, g.type(root.outputs[0]!).shape, taken)].sort((a, b) => position.get(a)! - position.get(b)!);
      for (const n of group) taken.add(n);
      if (group.length > 1) groups.push(group);
    }
    const edits = groups.flatMap((group) => {
      const fused = chainNode(g, group);
      return fused ? [{ group, fused }] : [];
    });
    for (const { group, fused } of edits) {
      g = applyEdit(g, { remove: group, add: [fused] });
      ctx.record({ rule: 'pointwise-chain', replaced: group.map((n) => n.name), produced: [fused.name] });
    }
    return g;
  },
};
