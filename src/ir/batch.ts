// The batch dimension of a network (wgrt bench --batch, examples per second). wgrt's shapes are
// static and their dims carry no names, so "batch" is a convention: dim 0 of the inputs.
import { ShapeError, WgrtError } from '../errors.js';
import type { Graph } from './graph.js';
import { inferTypes } from './infer.js';

/** The inputs fed at run time (not constants). */
const fed = (g: Graph) => g.inputs.filter((i) => !g.initializers.has(i.name));

/**
 * The batch size of a network: dim 0 of its inputs, when every input has at least two dims and
 * all agree on dim 0; undefined otherwise (a rank-1 input, inputs of different dim 0, no inputs).
 */
export function batchOf(g: Graph): number | undefined {
  const inputs = fed(g);
  const first = inputs[0]?.type.shape[0];
  if (first === undefined || inputs.some((i) => i.type.shape.length < 2 || i.type.shape[0] !== first)) return undefined;
  return first;
}

/**
 * The network with dim 0 of every input set to `n` and every type inferred again. Throws a
 * ShapeError when the network has no batch dimension, or when a node fixes the batch (a Reshape
 * to a constant shape), naming the node.
 */
export function withBatch(g: Graph, n: number): Graph {
  if (batchOf(g) === undefined) {
    throw new ShapeError(`network '${g.name}' has no batch dimension (inputs ${fed(g).map((i) => `${i.name}[${i.type.shape.join(', ')}]`).join(', ')}): every input needs at least two dims and the same dim 0`);
  }
  const inputs = g.inputs.map((i) => (g.initializers.has(i.name) ? i : { ...i, type: { ...i.type, shape: [n, ...i.type.shape.slice(1)] } }));
  try {
    return inferTypes(g.with({ inputs, types: new Map() }));
  } catch (e) {
    if (!(e instanceof WgrtError)) throw e;
    throw new ShapeError(`network '${g.name}' does not take batch ${n}: ${e.message}`);
  }
}
