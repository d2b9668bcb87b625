import { InputError, UnsupportedError } from '../errors.js';
import { toposort, type Graph } from '../ir/graph.js';
import { layerInfo, type LayerInfo } from '../ir/layer.js';
import { sameShape, shapeToString, type Tensor } from '../ir/tensor.js';

/**
 * A reference kernel: computes a node's outputs on the CPU, float32 storage with float64
 * accumulation. Plain loops, written for clarity: this is the oracle every fast path is checked against.
 */
export type RefKernel = (layer: LayerInfo, inputs: readonly (Tensor | undefined)[]) => Tensor[];

export const REFERENCE_KERNELS = new Map<string, RefKernel>();

export function registerReference(ops: readonly string[], k: RefKernel): void {
  for (const op of ops) REFERENCE_KERNELS.set(op, k);
}

/** Removes the reference kernel of an op (plugins only); true when there was one. */
export function unregisterReference(op: string): boolean {
  return REFERENCE_KERNELS.delete(op);
}

export function runReferenceLayer(layer: LayerInfo, inputs: readonly (Tensor | undefined)[]): Tensor[] {
  const k = REFERENCE_KERNELS.get(layer.node.op);
  if (!k) throw new UnsupportedError(`the reference executor has no kernel for ${layer.node.op} (node '${layer.node.name}')`);
  return k(layer, inputs);
}

/** Checks feeds against the graph's inputs: every input present with its dtype and shape. */
export function checkFeeds(g: Graph, feeds: Readonly<Record<string, Tensor>>): void {
  const want = g.inputs.filter((i) => !g.initializers.has(i.name));
  for (const i of want) {
    const t = feeds[i.name];
    if (!t) throw new InputError(`input '${i.name}' (${i.type.dtype}${shapeToString(i.type.shape)}) is missing; given: ${Object.keys(feeds).join(', ') || 'nothing'}`);
    if (t.dtype !== i.type.dtype || !sameShape(t.shape, i.type.shape)) {
      throw new InputError(`input '${i.name}' must be ${i.type.dtype}${shapeToString(i.type.shape)}, got ${t.dtype}${shapeToString(t.shape)}`);
    }
  }
  for (const k of Object.keys(feeds)) {
    if (!want.some((i) => i.name === k)) throw new InputError(`'${k}' is not an input of '${g.name}'; inputs: ${want.map((i) => i.name).join(', ')}`);
  }
}

/**
 * Runs a typed graph (see inferTypes) on the CPU. Returns the graph outputs, or with
 * `{ keep: 'all' }` every tensor computed (for per-layer comparison).
 */
export function runReference(g: Graph, feeds: Readonly<Record<string, Tensor>>, opts: { keep?: 'outputs' | 'all' } = {}): Record<string, Tensor> {
  checkFeeds(g, feeds);
  const values = new Map<string, Tensor>(g.initializers);
  for (const [k, v] of Object.entries(feeds)) values.set(k, v);
  const order = toposort(g);
  // Free each tensor after its last reader unless all are kept.
  const lastUse = new Map<string, number>();
  order.forEach((n, i) => n.inputs.forEach((t) => lastUse.set(t, i)));
  const outputs = new Set(g.outputs);
  order.forEach((n, i) => {
    const layer = layerInfo(g, n);
    const outs = runReferenceLayer(layer, n.inputs.map((t) => (t ? values.get(t) : undefined)));
    n.outputs.forEach((o, j) => o && values.set(o, outs[j]!));
    if (opts.keep !== 'all') {
      for (const t of n.inputs) if (lastUse.get(t) === i && !outputs.has(t) && !g.initializers.has(t)) values.delete(t);
    }
  });
  if (opts.keep === 'all') return Object.fromEntries(values);
  return Object.fromEntries(g.outputs.map((o) => [o, values.get(o)!]));
}
