import { createHash } from 'node:crypto';
import { toposort, type AttrValue, type Graph } from './graph.js';

function attrJson(v: AttrValue): unknown {
  if (typeof v === 'object' && v !== null && 'dtype' in v) {
    return { dtype: v.dtype, shape: v.shape, data: bytesHash(new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength)) };
  }
  return v;
}

export function bytesHash(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * A structural hash: equal for graphs with the same topology, ops, attributes, shapes and
 * constant values, whatever the tensor names are (nodes are hashed by topological position).
 */
export function structuralHash(g: Graph): string {
  const order = toposort(g);
  const id = new Map<string, string>();
  g.inputs.forEach((inp, i) => id.set(inp.name, `in${i}:${inp.type.dtype}[${inp.type.shape.join(',')}]`));
  for (const [name, t] of [...g.initializers].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!id.has(name)) id.set(name, `const:${attrJson(t) ? JSON.stringify(attrJson(t)) : ''}`);
  }
  const h = createHash('sha256');
  order.forEach((n, k) => {
    const ins = n.inputs.map((i) => (i ? (id.get(i) ?? '?') : ''));
    const attrs = Object.keys(n.attrs).sort().map((a) => [a, attrJson(n.attrs[a]!)]);
    h.update(JSON.stringify([n.op, ins, attrs]));
    n.outputs.forEach((o, j) => id.set(o, `n${k}.${j}`));
  });
  h.update(JSON.stringify(g.outputs.map((o) => id.get(o))));
  return h.digest('hex');
}
