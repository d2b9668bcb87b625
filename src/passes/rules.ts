/**
 * Local rewrites as rule tables: `{ name, pattern, check?, rewrite }`, run to a fixpoint.
 * Patterns come from a small typed builder:
 *
 *   op('Relu', op('Conv', v('x'), c('w')).as('conv')).as('relu')
 *
 * matches a Relu whose input is written by a Conv whose weight is a constant; `.as()` names a
 * node in the match, `v()` binds any tensor, `c()` binds a constant. Inner nodes of a match
 * must have no other reader and must not be graph outputs (they disappear in the rewrite).
 */
import type { Graph, Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { applyEdit, type GraphEdit } from './edit.js';
import type { PassContext } from './types.js';

export type Pattern = OpPattern | TensorPattern;

export interface OpPattern {
  readonly kind: 'op';
  readonly ops: readonly string[];
  readonly inputs: readonly Pattern[] | undefined;
  readonly name: string | undefined;
  /** Other readers of this node's output are allowed (the node stays). */
  readonly shared: boolean;
  as(name: string): OpPattern;
  allowShared(): OpPattern;
}

export interface TensorPattern {
  readonly kind: 'tensor' | 'const';
  readonly name: string;
}

function opPattern(ops: readonly string[], inputs: readonly Pattern[] | undefined, name: string | undefined, shared: boolean): OpPattern {
  return {
    kind: 'op', ops, inputs, name, shared,
    as: (n) => opPattern(ops, inputs, n, shared),
    allowShared: () => opPattern(ops, inputs, name, true),
  };
}

/** A node whose op is `ops` (one or several); `inputs` (when given) match its inputs in order. */
export function op(ops: string | readonly string[], ...inputs: Pattern[]): OpPattern {
  return opPattern(typeof ops === 'string' ? [ops] : ops, inputs.length ? inputs : undefined, undefined, false);
}

/** Any tensor, bound under `name`. */
export const v = (name: string): TensorPattern => ({ kind: 'tensor', name });
/** A constant tensor (initializer), bound under `name`. */
export const c = (name: string): TensorPattern => ({ kind: 'const', name });

export interface Match {
  /** Nodes named with `.as()`. */
  readonly nodes: Readonly<Record<string, Node>>;
  /** Tensor names bound by `v()` and `c()`. */
  readonly tensors: Readonly<Record<string, string>>;
  /** Values bound by `c()`. */
  readonly constants: Readonly<Record<string, Tensor>>;
  /** Every node matched, root last; the inner ones (all but the root) are removed by a rewrite. */
  readonly all: readonly Node[];
}

/** Matches `p` against the node `root` of `g`. */
export function match(g: Graph, p: OpPattern, root: Node): Match | undefined {
  const nodes: Record<string, Node> = {};
  const tensors: Record<string, string> = {};
  const constants: Record<string, Tensor> = {};
  const all: Node[] = [];
  const outputs = new Set(g.outputs);
  const bindTensor = (q: TensorPattern, t: string): boolean => {
    if (!t) return false;
    if (q.kind === 'const') {
      const value = g.initializers.get(t);
      if (!value) return false;
      constants[q.name] = value;
    }
    if (tensors[q.name] !== undefined && tensors[q.name] !== t) return false;
    tensors[q.name] = t;
    return true;
  };
  const visit = (q: OpPattern, n: Node, inner: boolean): boolean => {
    if (!q.ops.includes(n.op)) return false;
    if (inner && !q.shared) {
      const out = n.outputs[0]!;
      // Read exactly once (one reader, in one of its inputs), and not a graph output.
      const readers = g.consumers(out);
      if (n.outputs.filter((o) => o).length !== 1 || outputs.has(out) || readers.length !== 1) return false;
      if (readers[0]!.inputs.filter((i) => i === out).length !== 1) return false;
    }
    if (q.inputs) {
      if (q.inputs.length > n.inputs.length) return false;
      for (let i = 0; i < q.inputs.length; i++) {
        const qi = q.inputs[i]!;
        const t = n.inputs[i] ?? '';
        if (qi.kind === 'op') {
          const p = t ? g.producer(t) : undefined;
          if (!p || p.outputs[0] !== t || !visit(qi, p, true)) return false;
        } else if (!bindTensor(qi, t)) return false;
      }
    }
    if (q.name) nodes[q.name] = n;
    if (!all.includes(n)) all.push(n);
    return true;
  };
  return visit(p, root, false) ? { nodes, tensors, constants, all } : undefined;
}

export interface Rule {
  readonly name: string;
  readonly pattern: OpPattern;
  readonly check?: (m: Match, g: Graph) => boolean;
  /** The edit replacing the match, or null to leave it. `remove` defaults to the matched nodes not marked shared. */
  readonly rewrite: (m: Match, g: Graph) => GraphEdit | null;
}

/** Applies the rules until none fires (at most `limit` rewrites, a guard against rules that undo each other). */
export function rewriteToFixpoint(g: Graph, rules: readonly Rule[], ctx: PassContext, limit = 100_000): Graph {
  let count = 0;
  for (;;) {
    let fired = false;
    for (const n of g.nodes) {
      for (const r of rules) {
        const m = match(g, r.pattern, n);
        if (!m || (r.check && !r.check(m, g))) continue;
        const edit = r.rewrite(m, g);
        if (!edit) continue;
        const remove = edit.remove ?? m.all.filter((x) => x === n || !isShared(r.pattern, m, x));
        const next = applyEdit(g, { ...edit, remove });
        ctx.record({ rule: r.name, replaced: remove.map((x) => x.name), produced: (edit.add ?? []).map((x) => x.name) });
        g = next;
        fired = true;
        if (++count > limit) throw new Error(`rules ${rules.map((x) => x.name).join(', ')} did not reach a fixpoint after ${limit} rewrites`);
        break;
      }
      if (fired) break;
    }
    if (!fired) return g;
  }
}

function isShared(p: Pattern, m: Match, n: Node): boolean {
  if (p.kind !== 'op') return false;
  if (p.shared && p.name && m.nodes[p.name] === n) return true;
  return (p.inputs ?? []).some((q) => isShared(q, m, n));
}
