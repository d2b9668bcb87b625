import type { Graph, Node } from './graph.js';
import { attrs, nodeContext } from './infer.js';
import { layoutOf, outputLayout, type Layout } from './layout.js';
import type { AttrReader, InferContext } from './ops/index.js';
import type { TensorType } from './tensor.js';

/**
 * One node with everything an executor needs to run it: typed inputs/outputs, constant
 * inputs, and the attribute reader. The reference executor and every tactic take this.
 */
export interface LayerInfo {
  readonly node: Node;
  readonly ctx: InferContext;
  readonly attrs: AttrReader;
  /** Types of the node's inputs (undefined where an optional input is absent). */
  readonly inputs: readonly (TensorType | undefined)[];
  /** Types of the node's outputs (undefined where an optional output is absent: named ''). */
  readonly outputs: readonly (TensorType | undefined)[];
  /** Memory layouts (see ./layout.ts) of the inputs and outputs: 'nchw' unless a pass chose otherwise. */
  readonly layouts: { readonly inputs: readonly Layout[]; readonly outputs: readonly Layout[] };
}

/** The layer view of a node in a typed graph (see inferTypes). */
export function layerInfo(g: Graph, n: Node): LayerInfo {
  const ctx = nodeContext(g, n);
  const layouts = { inputs: n.inputs.map((i) => layoutOf(g, i)), outputs: n.outputs.map(() => outputLayout(n)) };
  return { node: n, ctx, attrs: attrs(n), inputs: ctx.inputs, outputs: n.outputs.map((o) => (o ? g.type(o) : undefined)), layouts };
}
