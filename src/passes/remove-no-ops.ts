// No-op removal: Identity, reshapes to the same shape, Cast to the same dtype, an identity
// Transpose, zero Pad, Mul/Div by 1 and Add/Sub of 0 (when they change neither shape nor dtype),
// Concat of one input. Readers of the output read the input instead.
import type { Graph, Node } from '../ir/graph.js';
import { attrs } from '../ir/infer.js';
import { node } from '../ir/graph.js';
import { sameShape, toFloat64, toInts } from '../ir/tensor.js';
import { applyEdit, originOf } from './edit.js';
import type { Pass } from './types.js';

const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Expand', 'Identity']);

/** Whether `n` passes its first input through unchanged. */
export function isNoOp(g: Graph, n: Node): boolean {
  const x = n.inputs[0];
  const y = n.outputs[0];
  if (!x || !y || n.outputs.length !== 1) return false;
  const tx = g.type(x);
  const ty = g.type(y);
  if (tx.dtype !== ty.dtype || !sameShape(tx.shape, ty.shape)) return false;
  const constant = (i: number) => (n.inputs[i] ? g.initializers.get(n.inputs[i]!) : undefined);
  const all = (i: number, v: number) => {
    const c = constant(i);
    return c !== undefined && toFloat64(c).every((e) => e === v);
  };
  switch (n.op) {
    case 'Cast':
      return true;
    case 'Transpose': {
      const perm = attrs(n).has('perm') ? attrs(n).ints('perm') : undefined;
      return perm === undefined ? tx.shape.length <= 1 : perm.every((p, i) => p === i);
    }
    case 'Pad':
      return constant(1) !== undefined && toInts(constant(1)!).every((p) => p === 0);
    case 'Mul':
    case 'Div':
      return all(1, 1);
    case 'Add':
    case 'Sub':
      return all(1, 0);
    case 'Concat':
      return n.inputs.length === 1;
    default:
      return RESHAPES.has(n.op);
  }
}

export const removeNoOps: Pass = {
  name: 'remove-no-ops',
  description: 'drop Identity, same-shape reshapes, same-type casts, x*1, x+0 and other no-ops',
  run(g, ctx) {
    for (;;) {
      const n = g.nodes.find((m) => isNoOp(g, m) && canBypass(g, m));
      if (!n) return g;
      g = bypass(g, n);
      ctx.record({ rule: n.op === 'Identity' ? 'identity' : `no-op ${n.op}`, replaced: [n.name], produced: [] });
    }
  },
};

/** A no-op can go unless both its input and output are graph boundaries (inputs/outputs). */
function canBypass(g: Graph, n: Node): boolean {
  const x = n.inputs[0]!;
  const y = n.outputs[0]!;
  if (!g.outputs.includes(y)) return true;
  const p = g.producer(x);
  return p !== undefined && !g.outputs.includes(x) && g.consumers(x).length === 1 && !g.initializers.has(x);
}

function bypass(g: Graph, n: Node): Graph {
  const x = n.inputs[0]!;
  const y = n.outputs[0]!;
  if (!g.outputs.includes(y)) return applyEdit(g, { remove: [n], rename: new Map([[y, x]]) });
  // The output is a graph output: the producer writes it under the output's name.
  const p = g.producer(x)!;
  const renamed = node({ ...p, outputs: p.outputs.map((o) => (o === x ? y : o)), origin: originOf([p, n]) });
  return applyEdit(g, { remove: [p, n], add: [renamed] });
}
