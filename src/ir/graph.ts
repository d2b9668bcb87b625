import { GraphError } from '../errors.js';
import type { Tensor, TensorType } from './tensor.js';

/** Attribute values: the op's schema (src/ir/ops) says which kind each one is. */
export type AttrValue = number | string | readonly number[] | readonly string[] | Tensor;
export type Attrs = Readonly<Record<string, AttrValue>>;

export interface Node {
  readonly name: string;
  readonly op: string;
  /** Tensor names; '' marks an optional input that is absent (as in ONNX). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attrs;
  /** Names of the source (ONNX / DSL) nodes this node stands for. */
  readonly origin: readonly string[];
}

export interface ValueInfo {
  readonly name: string;
  readonly type: TensorType;
}

export function node(n: {
  name: string;
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Attrs;
  origin?: readonly string[];
}): Node {
  return Object.freeze({
    name: n.name,
    op: n.op,
    inputs: Object.freeze([...n.inputs]),
    outputs: Object.freeze([...n.outputs]),
    attrs: Object.freeze({ ...(n.attrs ?? {}) }),
    origin: Object.freeze([...(n.origin ?? [n.name])]),
  });
}

export function withNode(n: Node, change: Partial<Node>): Node {
  return node({ ...n, ...change });
}

/**
 * An immutable network: inputs, outputs, nodes (in any order; `toposort` orders them),
 * constant initializers, and the inferred type of every tensor (`types`, filled by `inferTypes`).
 */
export class Graph {
  readonly name: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly string[];
  readonly nodes: readonly Node[];
  readonly initializers: ReadonlyMap<string, Tensor>;
  readonly types: ReadonlyMap<string, TensorType>;
  private producerIndex?: Map<string, Node>;
  private consumerIndex?: Map<string, Node[]>;

  constructor(g: {
    name: string;
    inputs: readonly ValueInfo[];
    outputs: readonly string[];
    nodes: readonly Node[];
    initializers?: ReadonlyMap<string, Tensor>;
    types?: ReadonlyMap<string, TensorType>;
  }) {
    this.name = g.name;
    this.inputs = Object.freeze([...g.inputs]);
    this.outputs = Object.freeze([...g.outputs]);
    this.nodes = Object.freeze([...g.nodes]);
    this.initializers = g.initializers ?? new Map();
    this.types = g.types ?? new Map();
  }

  with(change: Partial<Pick<Graph, 'name' | 'inputs' | 'outputs' | 'nodes' | 'initializers' | 'types'>>): Graph {
    return new Graph({ ...this.fields(), ...change });
  }

  private fields() {
    return {
      name: this.name,
      inputs: this.inputs,
      outputs: this.outputs,
      nodes: this.nodes,
      initializers: this.initializers,
      types: this.types,
    };
  }

  /** The node that writes tensor `t`, or undefined for graph inputs and initializers. */
  producer(t: string): Node | undefined {
    if (!this.producerIndex) {
      this.producerIndex = new Map();
      for (const n of this.nodes) for (const o of n.outputs) if (o) this.producerIndex.set(o, n);
    }
    return this.producerIndex.get(t);
  }

  /** The nodes that read tensor `t`. */
  consumers(t: string): readonly Node[] {
    if (!this.consumerIndex) {
      this.consumerIndex = new Map();
      for (const n of this.nodes) {
        for (const i of new Set(n.inputs)) {
          if (!i) continue;
          const list = this.consumerIndex.get(i) ?? [];
          list.push(n);
          this.consumerIndex.set(i, list);
        }
      }
    }
    return this.consumerIndex.get(t) ?? [];
  }

  type(t: string): TensorType {
    const ty = this.types.get(t);
    if (!ty) throw new GraphError(`tensor '${t}' has no inferred type; call inferTypes(graph) first`);
    return ty;
  }

  isConstant(t: string): boolean {
    return this.initializers.has(t);
  }
}

/**
 * Nodes in an order where every producer comes before its consumers (Kahn's algorithm, stable:
 * ties keep the original order). Throws a GraphError naming a node on a cycle.
 */
export function toposort(g: Graph): Node[] {
  const available = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys(), '']);
  const pending = new Map<Node, number>();
  const waiting = new Map<string, Node[]>();
  const ready: Node[] = [];
  for (const n of g.nodes) {
    const missing = new Set(n.inputs.filter((i) => !available.has(i)));
    pending.set(n, missing.size);
    if (missing.size === 0) ready.push(n);
    for (const m of missing) {
      const list = waiting.get(m) ?? [];
      list.push(n);
      waiting.set(m, list);
    }
  }
  const order: Node[] = [];
  const position = new Map(g.nodes.map((n, i) => [n, i]));
  while (ready.length > 0) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const n = ready.shift()!;
    order.push(n);
    for (const o of n.outputs) {
      if (!o || available.has(o)) continue;
      available.add(o);
      for (const c of waiting.get(o) ?? []) {
        const left = pending.get(c)! - 1;
        pending.set(c, left);
        if (left === 0) ready.push(c);
      }
    }
  }
  if (order.length !== g.nodes.length) {
    const stuck = g.nodes.find((n) => !order.includes(n))!;
    const missing = stuck.inputs.filter((i) => !available.has(i));
    const produced = missing.some((m) => g.nodes.some((p) => p.outputs.includes(m)));
    throw new GraphError(
      produced
        ? `graph '${g.name}' has a cycle through node '${stuck.name}' (${stuck.op}); a network must be acyclic`
        : `node '${stuck.name}' (${stuck.op}) reads '${missing[0]}', which no node, input or initializer provides`,
    );
  }
  return order;
}
