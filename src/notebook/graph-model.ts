/**
 * What the graph view draws, as plain data: one box per graph node or engine layer (plus the
 * network's inputs and outputs), and one edge per tensor read, labelled with its shape. Kept
 * apart from drawing so that folding (./collapse.ts) and tests work on data, not on markup.
 */
import { describeEngine } from '../engine/describe.js';
import type { Engine } from '../engine/engine.js';
import { toposort, type Attrs, type Graph } from '../ir/graph.js';
import { OPS } from '../ir/ops/registry.js';
import { shapeToString } from '../ir/tensor.js';

/** The colour groups of the view: the registry's op families, merged where they look alike to a reader. */
export type ColorFamily = 'conv' | 'gemm' | 'pointwise' | 'pool' | 'norm' | 'layout' | 'quantize' | 'other';

export const COLOR_FAMILIES: readonly ColorFamily[] = ['conv', 'gemm', 'pointwise', 'pool', 'norm', 'layout', 'quantize', 'other'];

/** What a box runs in: fp32, fp16, int8, or the dtype of its output when it is none of these (i32, bool, ...). */
export type BoxPrecision = 'fp32' | 'fp16' | 'int8' | string;

export interface SourceNode {
  readonly name: string;
  /** The source node's op, when the source graph is known. */
  readonly op?: string;
}

export interface ViewBox {
  readonly kind: 'node' | 'layer' | 'input' | 'output' | 'fold';
  readonly name: string;
  readonly op: string;
  readonly family: ColorFamily;
  readonly precision: BoxPrecision;
  /** Engine layers: the chosen tactic. */
  readonly tactic?: string;
  /** The source nodes a node or layer stands for; a fused one has more than one. */
  readonly origin: readonly SourceNode[];
  /** Folded boxes (./collapse.ts): the boxes of one repetition, and how many repetitions. */
  readonly block?: readonly ViewBox[];
  readonly repeat?: number;
  /** Inputs and outputs: the tensor's shape. */
  readonly shape?: string;
  /**
   * The node's scalar and list attributes as one string (stride, kernel, fused activation...):
   * folding compares it, so blocks that differ only in a stride are not taken for repeats.
   */
  readonly attrs?: string;
  /** The spatial size of its output (the dims after batch and channels, e.g. "56x56"); folding compares it too. */
  readonly resolution?: string;
}

export interface ViewEdge {
  readonly from: number;
  readonly to: number;
  readonly tensor: string;
  /** e.g. "1x64x56x56", '' when the graph has no inferred type for the tensor. */
  readonly shape: string;
}

export interface ViewGraph {
  readonly name: string;
  /** Inputs first, then nodes or layers in execution (topological) order, then outputs. */
  readonly boxes: readonly ViewBox[];
  readonly edges: readonly ViewEdge[];
}

/** The colour group of an op. Q/DQ are their own group (the registry files them under unary); unknown ops are 'other'. */
export function colorFamily(op: string): ColorFamily {
  if (op === 'QuantizeLinear' || op === 'DequantizeLinear') return 'quantize';
  switch (OPS.get(op)?.family) {
    case 'conv': return 'conv';
    case 'gemm': return 'gemm';
    case 'unary':
    case 'binary': return 'pointwise';
    case 'pool': return 'pool';
    case 'norm': return 'norm';
    case 'layout':
    case 'gather':
    case 'resize': return 'layout';
    default: return 'other';
  }
}

/** fp32 / fp16 / int8 for the float and 8-bit dtypes, the dtype itself otherwise. */
export function precisionOfDtype(dtype: string): BoxPrecision {
  if (dtype === 'f32') return 'fp32';
  if (dtype === 'f16') return 'fp16';
  if (dtype === 'i8' || dtype === 'u8') return 'int8';
  return dtype;
}

/**
 * The boxes and edges of a graph (one box per node) or of an engine (one box per layer, with
 * tactic, precision as describeEngine reports it, and the absorbed source nodes). `source`,
 * when given, is the graph the origins refer to (the imported network), to name their ops.
 */
export function viewOf(subject: Graph | Engine, source?: Graph): ViewGraph {
  const sourceOps = new Map((source?.nodes ?? []).map((n) => [n.name, n.op]));
  const originOf = (names: readonly string[]): SourceNode[] => names.map((name) => (sourceOps.has(name) ? { name, op: sourceOps.get(name)! } : { name }));
  if ('layers' in subject) {
    const precision = describeEngine(subject).layers.map((l) => precisionOfDtype(l.precision));
    const nodes = new Map(subject.graph.nodes.map((n) => [n.name, n]));
    return wire(subject.graph, subject.layers.map((l, i) => ({
      box: { kind: 'layer', name: l.name, op: l.op, family: colorFamily(l.op), precision: precision[i]!, tactic: l.tactic, origin: originOf(l.origin), attrs: attrKey(nodes.get(l.name)?.attrs ?? {}) },
      inputs: l.inputs,
      outputs: l.outputs,
    })));
  }
  const g = subject;
  return wire(g, toposort(g).map((n) => ({
    box: { kind: 'node', name: n.name, op: n.op, family: colorFamily(n.op), precision: dtypePrecision(g, n.outputs), origin: originOf(n.origin), attrs: attrKey(n.attrs) },
    inputs: n.inputs,
    outputs: n.outputs,
  })));
}

/** Attributes other than tensors, in name order, as JSON. */
function attrKey(a: Attrs): string {
  const plain = Object.keys(a).sort().flatMap((k) => {
    const v = a[k]!;
    return typeof v === 'object' && !Array.isArray(v) ? [] : [[k, v]];
  });
  return JSON.stringify(plain);
}

function dtypePrecision(g: Graph, outputs: readonly string[]): BoxPrecision {
  const t = outputs.find((o) => o && g.types.has(o));
  return t === undefined ? 'unknown' : precisionOfDtype(g.types.get(t)!.dtype);
}

interface Item {
  readonly box: ViewBox;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** Adds input and output boxes and one edge per (producer, reader, tensor); constants are not drawn. */
function wire(g: Graph, items: readonly Item[]): ViewGraph {
  const shapeOf = (t: string) => {
    const ty = g.types.get(t);
    return ty ? shapeToString(ty.shape) : '';
  };
  const inputs = g.inputs.filter((i) => !g.initializers.has(i.name));
  const boxes: ViewBox[] = inputs.map((i) => ({ kind: 'input', name: i.name, op: 'Input', family: 'other', precision: precisionOfDtype(i.type.dtype), origin: [], shape: shapeToString(i.type.shape) }));
  const producer = new Map<string, number>(inputs.map((i, k) => [i.name, k]));
  for (const item of items) {
    for (const o of item.outputs) if (o) producer.set(o, boxes.length);
    const out = g.types.get(item.outputs.find((o) => o) ?? '');
    boxes.push(out && out.shape.length > 2 ? { ...item.box, resolution: out.shape.slice(2).join('x') } : item.box);
  }
  const edges: ViewEdge[] = [];
  const seen = new Set<string>();
  const connect = (tensor: string, to: number) => {
    const from = producer.get(tensor);
    if (from === undefined || seen.has(`${from} ${to} ${tensor}`)) return;
    seen.add(`${from} ${to} ${tensor}`);
    edges.push({ from, to, tensor, shape: shapeOf(tensor) });
  };
  items.forEach((item, k) => {
    for (const t of item.inputs) if (t && !g.initializers.has(t)) connect(t, inputs.length + k);
  });
  for (const o of g.outputs) {
    const ty = g.types.get(o);
    boxes.push({ kind: 'output', name: o, op: 'Output', family: 'other', precision: ty ? precisionOfDtype(ty.dtype) : 'unknown', origin: [], shape: shapeOf(o) });
    connect(o, boxes.length - 1);
  }
  return { name: g.name, boxes, edges };
}
