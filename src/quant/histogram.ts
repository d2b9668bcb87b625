/**
 * The histogram of |x| of one tensor over calibration batches, as TensorRT's and NVIDIA
 * pytorch-quantization's HistogramCalibrator collect it (pytorch-quantization 2.1,
 * `calib/histogram.py`, the default torch.histc path):
 *
 * - the first batch with a non-zero value fixes the bin width: `bins` bins over [0, maxAbs];
 * - a later batch with a larger maxAbs keeps that width and appends bins until the new maxAbs
 *   is covered, so the old counts stay where they are and nothing is re-estimated;
 * - bin k holds the |x| with floor(|x| / width) = k; the top edge belongs to the last bin.
 *
 * pytorch-quantization lets the bin count grow without bound (a first batch of tiny values
 * followed by a large one can ask for millions of bins). Here, once the count would pass
 * `maxBins`, groups of f adjacent bins are merged into one bin f times as wide: an exact
 * re-binning (each old bin lies inside one new bin), so no count is split or guessed.
 *
 * Edges are k * width in float64 (pytorch-quantization's are a float32 linspace). The values
 * come in as plain arrays, so a GPU collector can hand over the same counts later.
 */
import { CalibrationError } from '../errors.js';

export interface HistogramOptions {
  /** Bins over [0, maxAbs] of the first non-zero batch (default 2048, as TensorRT). */
  readonly bins?: number;
  /** The most bins growth may reach before adjacent bins are merged (default 8 * bins). */
  readonly maxBins?: number;
}

export const DEFAULT_BINS = 2048;

export class Histogram {
  readonly initialBins: number;
  readonly maxBins: number;
  private w = 0;
  private data = new Float64Array(0);
  /** Zeros seen before the width was known: they go into bin 0 once it is. */
  private pendingZeros = 0;
  private stats = { min: Infinity, max: -Infinity, maxAbs: 0, total: 0 };

  constructor(opts: HistogramOptions = {}) {
    this.initialBins = opts.bins ?? DEFAULT_BINS;
    this.maxBins = opts.maxBins ?? 8 * this.initialBins;
    if (!Number.isInteger(this.initialBins) || this.initialBins < 1) {
      throw new CalibrationError(`histogram bins must be a positive integer, got ${this.initialBins}`);
    }
    if (!Number.isInteger(this.maxBins) || this.maxBins < this.initialBins) {
      throw new CalibrationError(`histogram maxBins (${this.maxBins}) must be an integer >= bins (${this.initialBins})`);
    }
  }

  /** Width of one bin; 0 until a non-zero value arrives. */
  get width(): number {
    return this.w;
  }

  /** Running statistics of the signed values, and how many there were. */
  get min(): number {
    return this.stats.min;
  }

  get max(): number {
    return this.stats.max;
  }

  get maxAbs(): number {
    return this.stats.maxAbs;
  }

  get total(): number {
    return this.stats.total;
  }

  /** Counts per bin (bin k covers [k * width, (k + 1) * width)); empty while all values were 0. Read only. */
  get counts(): Float64Array {
    return this.data;
  }

  get bins(): number {
    return this.data.length;
  }

  /** Edge k of the bins: k * width (edge `bins` is the top). */
  edge(k: number): number {
    return k * this.w;
  }

  /**
   * Adds one batch of values. `what` names them in the error a NaN or infinity raises
   * (e.g. "tensor 'conv1' in batch 3").
   */
  collect(values: ArrayLike<number>, what = 'values'): void {
    const n = values.length;
    if (n === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) throw new CalibrationError(`${what}: element ${i} is ${v}; calibration data must be finite (check the input data and the ops that produce this tensor)`);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const batchMaxAbs = Math.max(Math.abs(lo), Math.abs(hi));
    this.addStats({ min: lo, max: hi, maxAbs: batchMaxAbs, total: n });
    if (this.w === 0) {
      if (batchMaxAbs === 0) {
        this.pendingZeros += n;
        return;
      }
      this.w = batchMaxAbs / this.initialBins;
      this.data = new Float64Array(this.initialBins);
      this.data[0] = this.pendingZeros;
      this.pendingZeros = 0;
    } else if (batchMaxAbs > this.edge(this.bins)) {
      this.grow(Math.ceil(batchMaxAbs / this.w), batchMaxAbs);
    }
    const counts = this.data;
    const last = counts.length - 1;
    const w = this.w;
    for (let i = 0; i < n; i++) {
      const k = Math.floor(Math.abs(values[i]!) / w);
      counts[k > last ? last : k]!++;
    }
  }

  /** Appends bins (same width) to reach `need`, merging groups of adjacent bins past maxBins. */
  private grow(need: number, maxAbs: number): void {
    let counts = this.data;
    if (need > this.maxBins) {
      const f = Math.ceil(need / this.maxBins);
      const merged = new Float64Array(Math.ceil(counts.length / f));
      for (let k = 0; k < counts.length; k++) merged[Math.floor(k / f)]! += counts[k]!;
      counts = merged;
      this.w *= f;
      need = Math.max(Math.ceil(maxAbs / this.w), merged.length);
    }
    this.data = counts;
    this.extend(need);
  }

  /** Appends empty bins (same width) up to n bins. */
  private extend(n: number): void {
    if (n <= this.data.length) return;
    const out = new Float64Array(n);
    out.set(this.data);
    this.data = out;
  }

  /**
   * Adds another histogram's counts and statistics. Exact, so only when both share one bin
   * width (or either has no width yet); otherwise a CalibrationError. The result has as many
   * bins as the longer of the two, even past maxBins.
   */
  merge(other: Histogram): void {
    if (other.total === 0) return;
    if (other.w !== 0 && this.w !== 0 && other.w !== this.w) {
      throw new CalibrationError(`cannot merge histograms of bin widths ${this.w} and ${other.w}; collect both from the same first batch, or into one histogram`);
    }
    if (this.w === 0 && other.w !== 0) {
      const zeros = this.pendingZeros;
      this.w = other.w;
      this.data = new Float64Array(other.data.length);
      this.data[0] = zeros;
      this.pendingZeros = 0;
    }
    if (other.w === 0) {
      if (this.w === 0) this.pendingZeros += other.pendingZeros;
      else this.data[0]! += other.pendingZeros;
    } else {
      this.extend(other.data.length);
      other.data.forEach((c, k) => (this.data[k]! += c));
    }
    this.addStats(other.stats);
  }

  private addStats(s: { min: number; max: number; maxAbs: number; total: number }): void {
    const t = this.stats;
    this.stats = { min: Math.min(t.min, s.min), max: Math.max(t.max, s.max), maxAbs: Math.max(t.maxAbs, s.maxAbs), total: t.total + s.total };
  }
}
