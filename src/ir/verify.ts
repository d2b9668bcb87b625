import { GraphError } from '../errors.js';
import type { Graph } from './graph.js';
import { inferTypes } from './infer.js';
import { layoutOf } from './layout.js';
import { sameShape } from './tensor.js';

/**
 * Checks that a graph is well formed: unique node names, every tensor written once, no cycle,
 * inputs present, outputs produced, attributes and shapes valid for every op, and (when the
 * graph carries types) that those types match a fresh inference. Throws a GraphError or
 * ShapeError naming the offending node; returns the graph for chaining.
 */
export function verify(g: Graph): Graph {
  const names = new Set<string>();
  const written = new Map<string, string>();
  for (const i of g.inputs) {
    if (g.initializers.has(i.name)) continue;
    written.set(i.name, 'graph input');
  }
  for (const k of g.initializers.keys()) written.set(k, 'initializer');
  for (const n of g.nodes) {
    if (!n.name) throw new GraphError(`a ${n.op} node has no name; every node needs a unique name`);
    if (names.has(n.name)) throw new GraphError(`node name '${n.name}' is used twice`);
    names.add(n.name);
    if (n.origin.length === 0) throw new GraphError(`node '${n.name}' (${n.op}) has an empty origin`);
    for (const o of n.outputs) {
      if (!o) continue;
      const prev = written.get(o);
      if (prev) throw new GraphError(`node '${n.name}' (${n.op}) writes '${o}', already written by ${prev}`);
      written.set(o, `node '${n.name}'`);
    }
  }
  const outs = new Set<string>();
  for (const o of g.outputs) {
    if (outs.has(o)) throw new GraphError(`graph output '${o}' is listed twice`);
    outs.add(o);
    if (!written.has(o)) throw new GraphError(`graph output '${o}' is not produced by any node or input`);
    if (layoutOf(g, o) !== 'nchw') throw new GraphError(`graph output '${o}' is stored ${layoutOf(g, o)} by node '${g.producer(o)!.name}'; graph outputs must be row-major`);
  }
  const fresh = inferTypes(g);
  for (const [name, t] of g.types) {
    const f = fresh.types.get(name);
    if (f && (f.dtype !== t.dtype || !sameShape(f.shape, t.shape))) {
      const who = g.producer(name);
      throw new GraphError(
        `tensor '${name}'${who ? ` (from node '${who.name}')` : ''} is recorded as ${t.dtype}[${t.shape.join(', ')}] but infers as ${f.dtype}[${f.shape.join(', ')}]`,
      );
    }
  }
  return fresh;
}
