/**
 * The result of calibration: per activation tensor its clipping threshold amax (symmetric int8,
 * scale = amax / 127, zero point 0), per weight one amax per output channel, and how they were
 * found. Two file forms:
 *
 * - wgrt's own JSON, `{ format: 'wgrt-quant-table', version: 1, graph, method, options, batches,
 *   activations: { name: { amax, min, max } }, weights: { name: { axis, amax: [...] } } }`:
 *   everything, exactly (scales are not stored: they are amax / 127);
 * - TensorRT's calibration cache text: a header `TRT-<version>-<Algorithm>` (e.g.
 *   `TRT-8601-EntropyCalibration2`), then `name: <hex>` per activation, the hex being the
 *   big-endian IEEE-754 bits of the float32 scale. It holds activations only (TensorRT derives
 *   weight scales itself) and scales rounded to float32.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CalibrationError } from '../errors.js';
import { toFloat64, type Tensor } from '../ir/tensor.js';
import { isCalibrationMethod, scaleOf, type CalibrationMethod } from './calibrators.js';

/** The settings a table was calibrated with (what is absent took its default). */
export interface CalibrationSettings {
  /** Histogram bins of the first batch (default 2048). */
  readonly bins?: number;
  /** Most histogram bins before adjacent ones merge (default 8 * bins). */
  readonly maxBins?: number;
  /** For 'percentile' (default 99.99). */
  readonly percentile?: number;
  /** First candidate bin of 'entropy' and 'mse' (default 128). */
  readonly startBin?: number;
}

export interface ActivationRange {
  readonly amax: number;
  /** amax / 127. */
  readonly scale: number;
  /** The smallest and largest value seen, when known (not in TensorRT caches). */
  readonly min?: number;
  readonly max?: number;
}

export interface WeightRange {
  /** The weight's output-channel axis. */
  readonly axis: number;
  /** max |w| per output channel. */
  readonly amax: readonly number[];
  readonly scale: readonly number[];
}

export interface QuantTableInit {
  readonly method: CalibrationMethod;
  readonly options?: CalibrationSettings;
  /** Batches the statistics came from (0 when unknown, as for a TensorRT cache). */
  readonly batches: number;
  readonly graph?: string;
  readonly activations: Iterable<readonly [string, { amax: number; min?: number; max?: number }]>;
  readonly weights?: Iterable<readonly [string, { axis: number; amax: readonly number[] }]>;
}

/** Per-output-channel max |w| of a weight along `axis` (Conv [M, C, kh, kw]: 0; Gemm B [K, N]: 1). */
export function weightAmax(w: Tensor, axis: number): number[] {
  if (!Number.isInteger(axis) || axis < 0 || axis >= w.shape.length) {
    throw new CalibrationError(`weightAmax: axis ${axis} is not an axis of a rank-${w.shape.length} weight`);
  }
  const v = toFloat64(w);
  const channels = w.shape[axis]!;
  const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Array<number>(channels).fill(0);
  for (let i = 0; i < v.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[c] = Math.max(out[c]!, Math.abs(v[i]!));
  }
  return out;
}

const FORMAT = 'wgrt-quant-table';
const VERSION = 1;
const TRT_VERSION = '8601';
/** TensorRT's calibrator names as they appear in cache headers, and the method each stands for. */
const TRT_ALGORITHMS: Readonly<Record<string, CalibrationMethod>> = {
  EntropyCalibration2: 'entropy',
  EntropyCalibration: 'entropy',
  MinMaxCalibration: 'minmax',
  LegacyCalibration: 'percentile',
};

export class QuantTable {
  readonly method: CalibrationMethod;
  readonly options: CalibrationSettings;
  readonly batches: number;
  readonly graph: string | undefined;
  readonly activations: ReadonlyMap<string, ActivationRange>;
  readonly weights: ReadonlyMap<string, WeightRange>;

  constructor(init: QuantTableInit) {
    this.method = init.method;
    this.options = { ...init.options };
    this.batches = init.batches;
    this.graph = init.graph;
    this.activations = new Map([...init.activations].map(([name, r]) => [name, { ...r, scale: scaleOf(r.amax) }]));
    this.weights = new Map([...(init.weights ?? [])].map(([name, r]) => [name, { axis: r.axis, amax: [...r.amax], scale: r.amax.map(scaleOf) }]));
  }

  /** The activation threshold of a tensor, or undefined when it was not calibrated. */
  amax(tensor: string): number | undefined {
    return this.activations.get(tensor)?.amax;
  }

  scale(tensor: string): number | undefined {
    return this.activations.get(tensor)?.scale;
  }

  // ---- wgrt's JSON ----------------------------------------------------------------------------

  toJSON(): string {
    const activations = Object.fromEntries([...this.activations].map(([k, r]) => [k, { amax: r.amax, min: r.min, max: r.max }]));
    const weights = Object.fromEntries([...this.weights].map(([k, r]) => [k, { axis: r.axis, amax: r.amax }]));
    const doc = { format: FORMAT, version: VERSION, graph: this.graph, method: this.method, options: this.options, batches: this.batches, activations, weights };
    return `${JSON.stringify(doc, null, 1)}\n`;
  }

  /** Reads a table from its JSON text; `source` names it in errors. */
  static parse(text: string, source = 'quantization table'): QuantTable {
    const bad = (what: string) => new CalibrationError(`${source}: ${what}; calibrate again to write a new table, or pass another file`);
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch (e) {
      throw bad(`is not JSON (${(e as Error).message})`);
    }
    const o = (typeof root === 'object' && root !== null ? root : {}) as Record<string, unknown>;
    if (o['format'] !== FORMAT) throw bad(`is not a wgrt quantization table (format ${JSON.stringify(o['format'])}, expected '${FORMAT}')`);
    if (o['version'] !== VERSION) throw bad(`has version ${JSON.stringify(o['version'])}; this wgrt reads version ${VERSION}`);
    if (!isCalibrationMethod(o['method'])) throw bad(`has method ${JSON.stringify(o['method'])}; expected minmax, entropy, percentile or mse`);
    const batches = o['batches'];
    if (typeof batches !== 'number' || !Number.isInteger(batches) || batches < 0) throw bad(`has batches ${JSON.stringify(batches)}; expected a count`);
    const graph = o['graph'];
    if (graph !== undefined && typeof graph !== 'string') throw bad('has a graph name that is not a string');
    const options = record(o['options'] ?? {}, () => bad('has options that are not an object'));
    for (const [k, v] of Object.entries(options)) {
      if (!['bins', 'maxBins', 'percentile', 'startBin'].includes(k) || typeof v !== 'number') throw bad(`has option ${k} = ${JSON.stringify(v)}; options are bins, maxBins, percentile and startBin, all numbers`);
    }
    const activations = Object.entries(record(o['activations'], () => bad('has no activations object'))).map(([name, r]) => {
      const a = record(r, () => bad(`activation '${name}' is not an object`));
      const amax = a['amax'];
      if (!isRange(amax)) throw bad(`activation '${name}' has amax ${JSON.stringify(amax)}; expected a finite number >= 0`);
      for (const k of ['min', 'max']) {
        if (a[k] !== undefined && (typeof a[k] !== 'number' || !Number.isFinite(a[k]))) throw bad(`activation '${name}' has ${k} ${JSON.stringify(a[k])}; expected a finite number`);
      }
      return [name, { amax, min: a['min'] as number | undefined, max: a['max'] as number | undefined }] as const;
    });
    const weights = Object.entries(record(o['weights'] ?? {}, () => bad('has a weights entry that is not an object'))).map(([name, r]) => {
      const w = record(r, () => bad(`weight '${name}' is not an object`));
      const axis = w['axis'];
      const amax = w['amax'];
      if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < 0) throw bad(`weight '${name}' has axis ${JSON.stringify(axis)}; expected an integer >= 0`);
      if (!Array.isArray(amax) || !amax.every(isRange)) throw bad(`weight '${name}' needs amax: a list of finite numbers >= 0`);
      return [name, { axis, amax: amax as number[] }] as const;
    });
    return new QuantTable({ method: o['method'], options, batches, graph, activations, weights });
  }

  static load(path: string): QuantTable {
    return QuantTable.parse(readText(path, 'quantization table'), `quantization table ${path}`);
  }

  /** Writes the JSON through a temporary file, so a failed write leaves the old file whole. */
  save(path: string): void {
    writeWhole(path, this.toJSON());
  }

  // ---- TensorRT's calibration cache -----------------------------------------------------------

  /**
   * The TensorRT calibration cache text. The header names the calibrator TensorRT should accept
   * it from: MinMaxCalibration for 'minmax', else EntropyCalibration2 (TensorRT has no percentile
   * or MSE calibrator; such a cache is read through an IInt8EntropyCalibrator2 whose
   * readCalibrationCache returns it). `version` is TensorRT's, as 8601 for 8.6.1.
   */
  toTensorRTCache(opts: { version?: string; algorithm?: string } = {}): string {
    const algorithm = opts.algorithm ?? (this.method === 'minmax' ? 'MinMaxCalibration' : 'EntropyCalibration2');
    const lines = [`TRT-${opts.version ?? TRT_VERSION}-${algorithm}`];
    for (const [name, r] of this.activations) lines.push(`${name}: ${float32Hex(r.scale)}`);
    return `${lines.join('\n')}\n`;
  }

  /** Reads a TensorRT calibration cache; amax = scale * 127 (the method comes from the header). */
  static parseTensorRTCache(text: string, source = 'TensorRT calibration cache'): QuantTable {
    const bad = (what: string) => new CalibrationError(`${source}: ${what}; pass a cache that TensorRT wrote (or toTensorRTCache())`);
    const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    const header = /^TRT-(\d+)-(\w+)$/.exec(lines[0]!.trim());
    if (!header) throw bad(`line 1 is ${JSON.stringify(lines[0]!.slice(0, 60))}, not a header like 'TRT-8601-EntropyCalibration2'`);
    const method = TRT_ALGORITHMS[header[2]!];
    if (!method) throw bad(`has calibrator '${header[2]}'; known: ${Object.keys(TRT_ALGORITHMS).join(', ')}`);
    const activations = new Map<string, { amax: number }>();
    lines.slice(1).forEach((line, i) => {
      if (line.trim() === '') return;
      // Names may hold spaces and colons ("(Unnamed Layer* 3) [Convolution]_output"): split at the last ': '.
      const m = /^(.+): ([0-9a-fA-F]{1,8})$/.exec(line);
      if (!m) throw bad(`line ${i + 2} is ${JSON.stringify(line.slice(0, 60))}, not 'name: <8 hex digits>'`);
      const scale = hexFloat32(m[2]!);
      if (!isRange(scale)) throw bad(`line ${i + 2}: scale of '${m[1]}' is ${scale}; expected a finite number >= 0`);
      if (activations.has(m[1]!)) throw bad(`line ${i + 2}: '${m[1]}' appears twice`);
      activations.set(m[1]!, { amax: scale * 127 });
    });
    return new QuantTable({ method, batches: 0, activations });
  }

  static loadTensorRTCache(path: string): QuantTable {
    return QuantTable.parseTensorRTCache(readText(path, 'TensorRT calibration cache'), `TensorRT calibration cache ${path}`);
  }

  saveTensorRTCache(path: string, opts: { version?: string; algorithm?: string } = {}): void {
    writeWhole(path, this.toTensorRTCache(opts));
  }
}

/** The 8 hex digits of a number's float32 bits, big-endian (TensorRT's cache form). */
export function float32Hex(v: number): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, v, false);
  return view.getUint32(0, false).toString(16).padStart(8, '0');
}

export function hexFloat32(hex: string): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, parseInt(hex, 16), false);
  return view.getFloat32(0, false);
}

function isRange(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function record(v: unknown, fail: () => Error): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail();
  return v as Record<string, unknown>;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CalibrationError(`${what} ${path}: cannot be read (${(e as Error).message})`);
  }
}

function writeWhole(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
