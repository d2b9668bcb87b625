// Dead code elimination: nodes none of whose outputs is read or is a graph output. Nodes are
// walked from the outputs back in topological order (a graph's node list may be in any order).
import { toposort, type Node } from '../ir/graph.js';
import { applyEdit } from './edit.js';
import type { Pass } from './types.js';

export const deadCode: Pass = {
  name: 'dead-code',
  description: 'remove nodes whose results nobody reads',
  run(g, ctx) {
    const live = new Set(g.outputs);
    const dead: Node[] = [];
    for (const n of toposort(g).reverse()) {
      if (n.outputs.some((o) => o && live.has(o))) for (const i of n.inputs) live.add(i);
      else dead.push(n);
    }
    if (dead.length === 0) return g;
    for (const n of dead) ctx.record({ rule: 'dead', replaced: [n.name], produced: [] });
    return applyEdit(g, { remove: dead });
  },
};
