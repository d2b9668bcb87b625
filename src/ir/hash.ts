import { createHash } from 'node:crypto';
import { toposort, type AttrValue, type Graph } from './graph.js';
import type { LayerInfo } from './layer.js';

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

/** Constants up to this many elements are part of a layer signature by value (shapes, axes, bounds); larger ones (weights) by type only. */
const SIGNATURE_VALUE_ELEMENTS = 64;

/**
 * What makes two layers the same to a kernel, whatever their names and weights are: op,
 * attributes, and per input and output its dtype, shape and memory layout (small constant inputs
 * by value too). Equal signatures are timed once and share a timing-cache record.
 */
export function layerSignature(layer: LayerInfo): string {
  const inputs = layer.inputs.map((t, i) => {
    if (!t) return null;
    const c = layer.ctx.constant(i);
    const value = c && c.data.length <= SIGNATURE_VALUE_ELEMENTS ? attrJson(c) : c ? 'const' : undefined;
    return [t.dtype, t.shape, layer.layouts.inputs[i], ...(value ? [value] : [])];
  });
  const outputs = layer.outputs.map((t, i) => (t ? [t.dtype, t.shape, layer.layouts.outputs[i]] : null));
  const attrs = Object.keys(layer.node.attrs).sort().map((a) => [a, attrJson(layer.node.attrs[a]!)]);
  // A plugin op's kernels change with its version: a timing record of another version is not reused.
  const plugin = layer.attrs.def.plugin;
  return JSON.stringify([layer.node.op, attrs, inputs, outputs, ...(plugin ? [`${plugin.name}@${plugin.version}`] : [])]);
}
