import { GraphError, ShapeError, WgrtError } from '../errors.js';
import { toposort, type Graph, type Node } from './graph.js';
import { LAYOUT_ATTR, outputLayout } from './layout.js';
import { AttrReader, opDef, type InferContext } from './ops/index.js';
import type { TensorType } from './tensor.js';

/** The InferContext of a node inside a typed graph (what kernels and the reference read too). */
export function nodeContext(g: Graph, n: Node, types: ReadonlyMap<string, TensorType> = g.types): InferContext {
  return {
    node: n,
    inputs: n.inputs.map((i) => (i ? types.get(i) : undefined)),
    constant: (i: number) => {
      const name = n.inputs[i];
      return name ? g.initializers.get(name) : undefined;
    },
  };
}

export function attrs(n: Node): AttrReader {
  return new AttrReader(n, opDef(n.op, n.name));
}

/**
 * The output types of one node, given the types known so far (`types`) and the graph's
 * constants: arity and attribute names checked, errors naming the node. Unnamed outputs ('')
 * get no entry; the known types of its named outputs are added to `types`.
 */
export function inferNode(g: Graph, n: Node, types: Map<string, TensorType>): TensorType[] {
  const def = opDef(n.op, n.name);
  const present = n.inputs.length;
  if (present < def.arity[0] || present > def.arity[1]) {
    const want = def.arity[1] === Infinity ? `at least ${def.arity[0]}` : def.arity[0] === def.arity[1] ? `${def.arity[0]}` : `${def.arity[0]} to ${def.arity[1]}`;
    throw new GraphError(`node '${n.name}' (${n.op}) has ${present} inputs; ${n.op} takes ${want}`);
  }
  for (const k of Object.keys(n.attrs)) {
    if (k === LAYOUT_ATTR) continue; // any node's, checked below
    if (!def.attrs[k]) throw new GraphError(`node '${n.name}' (${n.op}) has unknown attribute '${k}'; ${n.op} takes: ${Object.keys(def.attrs).join(', ') || 'none'}`);
  }
  let out: TensorType[];
  try {
    out = def.infer(nodeContext(g, n, types), new AttrReader(n, def));
  } catch (e) {
    if (e instanceof WgrtError) throw e;
    throw new ShapeError(`node '${n.name}' (${n.op}): ${(e as Error).message}`);
  }
  if (out.length !== n.outputs.length) {
    throw new GraphError(`node '${n.name}' (${n.op}) has ${n.outputs.length} outputs; it produces ${out.length}`);
  }
  if (outputLayout(n) !== 'nchw' && (out.length !== 1 || out[0]!.shape.length !== 4)) {
    throw new GraphError(`node '${n.name}' (${n.op}): attribute '${LAYOUT_ATTR}' needs one 4-D output`);
  }
  out.forEach((t, i) => {
    const name = n.outputs[i]!;
    if (name) types.set(name, t);
  });
  return out;
}

/** Infers the type of every tensor; returns the graph with `types` filled. */
export function inferTypes(g: Graph): Graph {
  const types = new Map<string, TensorType>();
  for (const i of g.inputs) types.set(i.name, i.type);
  for (const [name, t] of g.initializers) types.set(name, { dtype: t.dtype, shape: t.shape });
  for (const n of toposort(g)) inferNode(g, n, types);
  return g.with({ types });
}
