/**
 * Post-training INT8 calibration on the CPU: run the reference executor over calibration
 * batches, collect an |x| histogram of every float activation, and turn each into a threshold
 * (src/quant/calibrators.ts). Weights need no data: their per-channel ranges are read from the
 * initializers. This is the oracle a WebGPU collector will be checked against: it only has to
 * hand the same values to Histogram.collect.
 *
 *   const table = await calibrate(graph, batches, { method: 'entropy' });
 *   table.save('model.quant.json');
 */
import { CalibrationError } from '../errors.js';
import { isFloat } from '../ir/dtype.js';
import { toposort, type Graph, type Node } from '../ir/graph.js';
import { inferTypes } from '../ir/infer.js';
import { sameShape, shapeToString, sizeOf, type Tensor } from '../ir/tensor.js';
import { runReference } from '../reference/index.js';
import { amaxFor, isCalibrationMethod, type CalibrationMethod } from './calibrators.js';
import { Histogram } from './histogram.js';
import { QuantTable, weightAmax, type CalibrationSettings } from './table.js';

/** One calibration batch: a tensor per graph input (other entries, such as labels, are ignored). */
export type Feeds = Readonly<Record<string, Tensor>>;
export type BatchSource = Iterable<Feeds> | AsyncIterable<Feeds>;

export interface CalibrationProgress {
  /** Batches done so far. */
  readonly batch: number;
  /** All batches that will run, when known (an array's length, a wgrt Batches' count). */
  readonly batches?: number;
}

/**
 * Computes the activations to calibrate: `run(feeds)` gives at least every tensor of `tensors`.
 * The default runs the CPU reference executor; src/runtime/activations.ts runs them on WebGPU.
 */
export interface ActivationRunner {
  run(feeds: Feeds): Promise<Record<string, Tensor>> | Record<string, Tensor>;
  release?(): void;
}
export type RunnerFactory = (graph: Graph, tensors: readonly string[]) => ActivationRunner | Promise<ActivationRunner>;

const referenceRunner: RunnerFactory = (g) => ({ run: (feeds) => runReference(g, feeds, { keep: 'all' }) });

export interface CollectOptions extends CalibrationSettings {
  /** Where the activations are computed (default: the CPU reference executor). */
  readonly runner?: RunnerFactory;
  /** Stop after this many batches. */
  readonly maxBatches?: number;
  readonly onProgress?: (p: CalibrationProgress) => void;
  /** Calibrate only these activation tensors (default: every float tensor that is not a constant). */
  readonly tensors?: readonly string[];
}

export interface CalibrateOptions extends CollectOptions {
  /** How each threshold is chosen (default 'entropy', TensorRT's IInt8EntropyCalibrator2). */
  readonly method?: CalibrationMethod;
}

export interface Collected {
  /** The typed graph that was run. */
  readonly graph: Graph;
  /** One histogram per activation tensor, in graph order. */
  readonly histograms: ReadonlyMap<string, Histogram>;
  readonly batches: number;
}

/** Runs the batches and collects the histograms; the same statistics serve every method. */
export async function collectHistograms(graph: Graph, source: BatchSource, opts: CollectOptions = {}): Promise<Collected> {
  const g = inferTypes(graph);
  const max = opts.maxBatches ?? Infinity;
  if (max !== Infinity && (!Number.isInteger(max) || max < 1)) throw new CalibrationError(`maxBatches must be a positive integer, got ${max}`);
  const names = activationTensors(g, opts.tensors);
  const histograms = new Map(names.map((t) => [t, new Histogram({ bins: opts.bins, maxBins: opts.maxBins })]));
  const known = knownLength(source);
  const total = known === undefined ? undefined : Math.min(known, max);
  let batch = 0;
  const runner = await (opts.runner ?? referenceRunner)(g, names);
  try {
    for await (const feeds of source) {
      batch++;
      const values = await runner.run(checkBatch(g, feeds, batch));
      for (const [t, h] of histograms) h.collect(values[t]!.data as Float32Array, `tensor '${t}' in batch ${batch}`);
      opts.onProgress?.(total === undefined ? { batch } : { batch, batches: total });
      if (batch >= max) break; // before asking the source for one more
    }
  } finally {
    runner.release?.();
  }
  if (batch === 0) throw new CalibrationError(`calibration data for '${g.name}' gave no batches; pass an iterable of { ${inputsOf(g).map((i) => i.name).join(', ')} } records`);
  return { graph: g, histograms, batches: batch };
}

/** Calibrates `graph` on `source`: activation thresholds by `method`, per-channel weight ranges. */
export async function calibrate(graph: Graph, source: BatchSource, opts: CalibrateOptions = {}): Promise<QuantTable> {
  const method = opts.method ?? 'entropy';
  if (!isCalibrationMethod(method)) throw new CalibrationError(`unknown calibration method '${String(method)}'; use minmax, entropy, percentile or mse`);
  const collected = await collectHistograms(graph, source, opts);
  return tableFrom(collected, method, opts);
}

/** A table from collected histograms: lets one calibration run give tables for several methods. */
export function tableFrom(c: Collected, method: CalibrationMethod, opts: CalibrationSettings = {}): QuantTable {
  const settings: CalibrationSettings = { bins: opts.bins, maxBins: opts.maxBins, percentile: opts.percentile, startBin: opts.startBin };
  const options = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  const activations = [...c.histograms].map(([t, h]) => [t, { amax: amaxFor(method, h, opts), ...(h.total > 0 ? { min: h.min, max: h.max } : {}) }] as const);
  return new QuantTable({ method, options, batches: c.batches, graph: c.graph.name, activations, weights: weightRanges(c.graph) });
}

/**
 * Per-output-channel ranges of the constant weights of Conv (input 1, axis 0), Gemm (input 1:
 * axis 0 with transB=1, else 1) and MatMul (input 1, its last axis). A weight read by several
 * such nodes keeps the axis of the first.
 */
export function weightRanges(g: Graph): Map<string, { axis: number; amax: number[] }> {
  const out = new Map<string, { axis: number; amax: number[] }>();
  for (const n of toposort(g)) {
    const w = n.inputs[1] ? g.initializers.get(n.inputs[1]) : undefined;
    if (!w || !isFloat(w.dtype) || out.has(n.inputs[1]!)) continue;
    const axis = weightAxis(n, w.shape.length);
    if (axis !== undefined) out.set(n.inputs[1]!, { axis, amax: weightAmax(w, axis) });
  }
  return out;
}

/** The output-channel axis of input 1 of a node, or undefined for ops whose weights are not quantized. */
export function weightAxis(n: Node, rank: number): number | undefined {
  if (n.op === 'Conv') return 0; // [M, C/group, kh, kw]
  if (n.op === 'Gemm') return Number(n.attrs['transB'] ?? 0) === 1 ? 0 : 1; // [N, K] or [K, N]
  if (n.op === 'MatMul' && rank >= 2) return rank - 1; // [..., K, N]
  return undefined;
}

/** The tensors to calibrate: f32 graph inputs and node outputs, in graph order, or those asked for. */
function activationTensors(g: Graph, asked: readonly string[] | undefined): string[] {
  const all = [...inputsOf(g).map((i) => i.name), ...toposort(g).flatMap((n) => n.outputs.filter((o) => o !== ''))]
    .filter((t) => !g.initializers.has(t) && g.type(t).dtype === 'f32');
  if (!asked) return all;
  for (const t of asked) {
    if (!all.includes(t)) {
      const why = g.initializers.has(t) ? 'is a constant' : g.types.has(t) ? `is ${g.type(t).dtype}, not f32` : 'is not a tensor of the graph';
      throw new CalibrationError(`tensors: '${t}' ${why}; calibratable tensors of '${g.name}': ${all.slice(0, 8).join(', ')}${all.length > 8 ? ', ...' : ''}`);
    }
  }
  return all.filter((t) => asked.includes(t));
}

function inputsOf(g: Graph) {
  return g.inputs.filter((i) => !g.initializers.has(i.name));
}

/** The graph's inputs from one batch, checked: present, a tensor of the right dtype and shape, finite. */
function checkBatch(g: Graph, feeds: unknown, batch: number): Record<string, Tensor> {
  if (typeof feeds !== 'object' || feeds === null) throw new CalibrationError(`batch ${batch} is ${feeds === null ? 'null' : typeof feeds}, not a { ${inputsOf(g).map((i) => i.name).join(', ')} } record`);
  const given = feeds as Record<string, unknown>;
  const out: Record<string, Tensor> = {};
  for (const { name, type } of inputsOf(g)) {
    const want = `${type.dtype}${shapeToString(type.shape)}`;
    const t = given[name] as Partial<Tensor> | undefined;
    if (t === undefined) throw new CalibrationError(`batch ${batch} has no input '${name}' (${want}); it has: ${Object.keys(given).join(', ') || 'nothing'}`);
    if (typeof t !== 'object' || t === null || !Array.isArray(t.shape) || !ArrayBuffer.isView(t.data)) {
      throw new CalibrationError(`batch ${batch}: input '${name}' is not a Tensor; build one with tensor('${type.dtype}', [${type.shape.join(', ')}], data)`);
    }
    if (t.dtype !== type.dtype) throw new CalibrationError(`batch ${batch}: input '${name}' is ${t.dtype}, the graph wants ${want}`);
    if (!sameShape(t.shape, type.shape)) throw new CalibrationError(`batch ${batch}: input '${name}' has shape ${shapeToString(t.shape)}, the graph wants ${want}`);
    const data = t.data as ArrayLike<number>;
    if (data.length !== sizeOf(type.shape)) throw new CalibrationError(`batch ${batch}: input '${name}' has ${data.length} values for shape ${shapeToString(type.shape)}`);
    if (type.dtype === 'f32') {
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]!)) throw new CalibrationError(`batch ${batch}: input '${name}' has ${data[i]} at element ${i}; calibration data must be finite`);
      }
    }
    out[name] = t as Tensor;
  }
  return out;
}

function knownLength(source: BatchSource): number | undefined {
  if (Array.isArray(source)) return source.length;
  const n = (source as { batches?: unknown }).batches;
  return typeof n === 'number' ? n : undefined;
}
