/**
 * Building a pass's output graph: remove nodes, add nodes where the removed ones stood, add or
 * drop constants, then re-type. Origins are the caller's to set (usually `originOf`).
 */
import { Graph, node, toposort, type Node } from '../ir/graph.js';
import { inferTypes } from '../ir/infer.js';
import type { Tensor } from '../ir/tensor.js';

export interface GraphEdit {
  readonly remove?: readonly Node[];
  readonly add?: readonly Node[];
  readonly constants?: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;
  /** Rename tensor uses: every input `from` reads `to` instead (graph outputs keep their names). */
  readonly rename?: ReadonlyMap<string, string>;
}

/** The union of the origins of `nodes`, in order, without repeats. */
export function originOf(nodes: readonly Node[]): string[] {
  return [...new Set(nodes.flatMap((n) => n.origin))];
}

/** Applies an edit: new nodes go where the first removed node stood, then the list is put in dependency order; unused constants are dropped. */
export function applyEdit(g: Graph, e: GraphEdit): Graph {
  const gone = new Set(e.remove ?? []);
  const nodes: Node[] = [];
  let placed = false;
  const rename = e.rename;
  for (const n of g.nodes) {
    if (gone.has(n)) {
      if (!placed) nodes.push(...(e.add ?? []));
      placed = true;
      continue;
    }
    nodes.push(rename && n.inputs.some((i) => rename.has(i)) ? node({ ...n, inputs: n.inputs.map((i) => rename.get(i) ?? i) }) : n);
  }
  if (!placed) nodes.push(...(e.add ?? []));
  const consts = new Map(g.initializers);
  const extra = e.constants instanceof Map ? e.constants : new Map(Object.entries(e.constants ?? {}));
  for (const [k, v] of extra) consts.set(k, v);
  const used = new Set([...nodes.flatMap((n) => n.inputs), ...g.outputs]);
  for (const k of [...consts.keys()]) if (!used.has(k)) consts.delete(k);
  // Keep the node list in dependency order (stable), so passes may walk it front to back.
  const draft = new Graph({ name: g.name, inputs: g.inputs, outputs: g.outputs, nodes, initializers: consts });
  return inferTypes(draft.with({ nodes: toposort(draft) }));
}

/** A tensor or node name not used in `g` yet, derived from `hint`. */
export function freshName(g: Graph, hint: string): string {
  const taken = new Set([...g.types.keys(), ...g.nodes.map((n) => n.name), ...g.initializers.keys()]);
  let name = hint;
  for (let k = 1; taken.has(name); k++) name = `${hint}_${k}`;
  return name;
}
