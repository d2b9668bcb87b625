/**
 * Which layers INT8 hurts, and how many to keep in float for a given accuracy.
 * - sensitivity: per quantizable layer, the graph with only that layer in INT8 (Q/DQ on its
 *   inputs): its output's SQNR and cosine against the float graph's on one batch, and the network
 *   metric (e.g. top-1) when a metric is given. Ranked, worst first.
 * - keepForBudget: starting from every layer in INT8, keeps the most sensitive layers in float,
 *   one at a time, until the metric is within `budget` of the float graph's.
 * Graphs are run by the caller's `run` (the reference executor by default; WebGPU through
 * src/runtime/activations.ts), so this stage builds nothing itself.
 */
import type { Graph } from '../ir/graph.js';
import { toFloat64, type Tensor } from '../ir/tensor.js';
import { runReference } from '../reference/index.js';
import { insertQdq, quantizableNodes } from './qdq.js';
import type { QuantTable } from './table.js';

/** Runs `g` on `feeds` and returns (at least) the tensors named in `outputs`. */
export type GraphRunner = (g: Graph, feeds: Readonly<Record<string, Tensor>>, outputs: readonly string[]) => Promise<Record<string, Tensor>> | Record<string, Tensor>;
/** A network metric, higher is better (top-1 on a labelled set). */
export type Metric = (g: Graph) => Promise<number> | number;

export const referenceRunner: GraphRunner = (g, feeds) => runReference(g, feeds, { keep: 'all' });

export interface LayerSensitivity {
  readonly layer: string;
  readonly op: string;
  /** Signal-to-quantization-noise ratio of the layer's output, dB (Infinity when exact). */
  readonly sqnrDb: number;
  readonly cosine: number;
  /** The metric with only this layer in INT8 (when a metric was given). */
  readonly metric?: number;
}

export interface SensitivityReport {
  /** The float graph's metric (when a metric was given). */
  readonly baseline?: number;
  /** Worst first: by metric when given, else by SQNR. */
  readonly layers: readonly LayerSensitivity[];
}

export function sqnrDb(signal: Float64Array, noisy: Float64Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < signal.length; i++) {
    s += signal[i]! ** 2;
    n += (signal[i]! - noisy[i]!) ** 2;
  }
  return n === 0 ? Infinity : 10 * Math.log10(s / n);
}

function cosine(a: Float64Array, b: Float64Array): number {
  let d = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    x += a[i]! ** 2;
    y += b[i]! ** 2;
  }
  return x === 0 && y === 0 ? 1 : d / Math.sqrt(x * y);
}

/** The graph with only `layers` in INT8. */
function only(g: Graph, table: QuantTable, layers: ReadonlySet<string>): Graph {
  const all = quantizableNodes(g).map((n) => n.name);
  return insertQdq(g, { amax: (t) => table.amax(t), keepFloat: new Set(all.filter((n) => !layers.has(n))) });
}

export async function sensitivity(
  g: Graph,
  table: QuantTable,
  feeds: Readonly<Record<string, Tensor>>,
  opts: { run?: GraphRunner; metric?: Metric; onLayer?: (done: number, total: number) => void } = {},
): Promise<SensitivityReport> {
  const run = opts.run ?? referenceRunner;
  const nodes = quantizableNodes(g);
  const outputs = nodes.map((n) => n.outputs[0]!);
  const float = await run(g, feeds, outputs);
  const baseline = opts.metric ? await opts.metric(g) : undefined;
  const layers: LayerSensitivity[] = [];
  for (const [i, n] of nodes.entries()) {
    const q = only(g, table, new Set([n.name]));
    const out = (await run(q, feeds, [n.outputs[0]!]))[n.outputs[0]!]!;
    const ref = toFloat64(float[n.outputs[0]!]!);
    const got = toFloat64(out);
    layers.push({ layer: n.name, op: n.op, sqnrDb: sqnrDb(ref, got), cosine: cosine(ref, got), ...(opts.metric ? { metric: await opts.metric(q) } : {}) });
    opts.onLayer?.(i + 1, nodes.length);
  }
  layers.sort((a, b) => (a.metric !== undefined && b.metric !== undefined && a.metric !== b.metric ? a.metric - b.metric : a.sqnrDb - b.sqnrDb));
  return { ...(baseline !== undefined ? { baseline } : {}), layers };
}

export interface BudgetResult {
  readonly baseline: number;
  /** Layers kept in float, most sensitive first. */
  readonly keptFloat: readonly string[];
  readonly metric: number;
  /** The metric after each step: all INT8, then with each kept layer added. */
  readonly steps: readonly { readonly keptFloat: number; readonly metric: number }[];
}

/** Keeps the report's worst layers in float until `metric` is at most `budget` below the float graph's. */
export async function keepForBudget(g: Graph, table: QuantTable, report: SensitivityReport, metric: Metric, budget: number): Promise<BudgetResult> {
  const baseline = report.baseline ?? (await metric(g));
  const kept: string[] = [];
  const steps: { keptFloat: number; metric: number }[] = [];
  let m = await metric(insertQdq(g, { amax: (t) => table.amax(t) }));
  steps.push({ keptFloat: 0, metric: m });
  for (const l of report.layers) {
    if (baseline - m <= budget) break;
    kept.push(l.layer);
    m = await metric(insertQdq(g, { amax: (t) => table.amax(t), keepFloat: new Set(kept) }));
    steps.push({ keptFloat: kept.length, metric: m });
  }
  return { baseline, keptFloat: kept, metric: m, steps };
}
