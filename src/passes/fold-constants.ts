// Constant folding: a node whose inputs are all constants (or empty tensors, whose values
// cannot matter) is evaluated once on the reference executor and becomes an initializer.
import { toposort } from '../ir/graph.js';
import { layerInfo } from '../ir/layer.js';
import { sizeOf, tensor, type Tensor } from '../ir/tensor.js';
import { runReferenceLayer } from '../reference/index.js';
import { applyEdit } from './edit.js';
import type { Pass } from './types.js';

/** Results larger than this stay computed at run time (2^24 elements, 64 MiB of f32). */
export const MAX_FOLDED_ELEMENTS = 2 ** 24;

export const foldConstants: Pass = {
  name: 'fold-constants',
  description: 'evaluate nodes whose inputs are all constants once, at build time',
  run(g, ctx) {
    const known = new Map<string, Tensor>(g.initializers);
    const folded = [];
    const isEmpty = (t: string) => sizeOf(g.type(t).shape) === 0;
    for (const n of toposort(g)) {
      if (!n.inputs.every((i) => !i || known.has(i) || isEmpty(i))) continue;
      const outs = n.outputs.filter((o) => o);
      if (outs.some((o) => sizeOf(g.type(o).shape) > MAX_FOLDED_ELEMENTS)) continue;
      const inputs = n.inputs.map((i) => (i ? known.get(i) ?? tensor(g.type(i).dtype, g.type(i).shape) : undefined));
      const values = runReferenceLayer(layerInfo(g, n), inputs);
      n.outputs.forEach((o, k) => o && known.set(o, values[k]!));
      folded.push(n);
      ctx.record({ rule: 'fold', replaced: [n.name], produced: [] });
    }
    if (folded.length === 0) return g;
    const constants = new Map([...known].filter(([k]) => !g.initializers.has(k)));
    return applyEdit(g, { remove: folded, constants });
  },
};
