/**
 * The clipping threshold (amax) of one tensor from its |x| histogram, by the methods of NVIDIA
 * pytorch-quantization 2.1 (`calib/histogram.py`: `_compute_amax_entropy`, `_compute_amax_mse`,
 * `_compute_amax_percentile`; the entropy one is TensorRT's IInt8EntropyCalibrator2 search) and
 * its MaxCalibrator. Symmetric int8: scale = amax / 127, zero point 0.
 *
 * Each search is written as the plain O(bins^2) loop it is, in float64, so it can be read next to
 * the NumPy oracle in test/quant/fixtures/make_fixtures.py.
 */
import { CalibrationError } from '../errors.js';
import { roundHalfEven } from '../reference/quantize.js';
import type { Histogram } from './histogram.js';

export type CalibrationMethod = 'minmax' | 'entropy' | 'percentile' | 'mse';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'entropy', 'percentile', 'mse'];

/** The largest int8 magnitude of symmetric quantization: amax maps to it. */
export const INT8_MAX = 127;
export const DEFAULT_PERCENTILE = 99.99;
/** First candidate bin of the entropy and MSE searches (TensorRT's 128). */
export const DEFAULT_START_BIN = 128;

export interface AmaxOptions {
  /** For 'percentile': the share of the histogram's mass, in percent, to keep (default 99.99). */
  readonly percentile?: number;
  /** For 'entropy' and 'mse': the first candidate bin (default 128). */
  readonly startBin?: number;
}

export function isCalibrationMethod(s: unknown): s is CalibrationMethod {
  return typeof s === 'string' && (CALIBRATION_METHODS as readonly string[]).includes(s);
}

/** The int8 scale of a threshold: amax / 127. */
export function scaleOf(amax: number): number {
  return amax / INT8_MAX;
}

/**
 * The amax of one tensor. A tensor that was always 0 has amax 0. When the histogram has fewer
 * bins than the first candidate of 'entropy' or 'mse', those return its top edge (no clipping).
 */
export function amaxFor(method: CalibrationMethod, hist: Histogram, opts: AmaxOptions = {}): number {
  const startBin = opts.startBin ?? DEFAULT_START_BIN;
  if (!Number.isInteger(startBin) || startBin < 1) throw new CalibrationError(`startBin must be a positive integer, got ${startBin}`);
  if (method === 'minmax') return hist.maxAbs;
  if (hist.bins === 0) return 0;
  switch (method) {
    case 'entropy':
      return hist.edge(entropyBin(hist.counts, startBin));
    case 'percentile':
      return hist.edge(percentileBin(hist.counts, opts.percentile ?? DEFAULT_PERCENTILE));
    case 'mse': {
      if (hist.bins <= startBin) return hist.edge(hist.bins);
      const i = mseBin(hist.counts, startBin);
      return (hist.edge(i + 1) + hist.edge(i)) / 2; // bin i's center
    }
  }
}

/**
 * TensorRT's KL-divergence search: for each candidate edge i (bins startBin..n), the reference
 * P is the histogram below i with everything above folded into bin i-1; the candidate Q spreads
 * each of 128 equal groups of those bins evenly over the group's non-empty bins (what int8 with
 * this threshold can still tell apart). Returns the i of least KL(P || Q), the last one on ties.
 * Bin 0 is given bin 1's count first, as pytorch-quantization does, so a spike of exact zeros
 * (ReLU) does not decide the threshold.
 */
export function entropyBin(counts: ArrayLike<number>, startBin = DEFAULT_START_BIN): number {
  if (counts.length < startBin) return counts.length;
  const curve = entropyCurve(counts, startBin);
  let best = startBin;
  let bestKl = Infinity;
  for (let j = 0; j < curve.length; j++) {
    if (curve[j]! <= bestKl) {
      bestKl = curve[j]!;
      best = startBin + j;
    }
  }
  return best;
}

/**
 * The divergence entropyBin minimizes, per candidate: element j is KL(P || Q) for the threshold
 * at edge startBin + j (n - startBin + 1 candidates; empty when there are fewer than startBin
 * bins). Exported so a plot shows the very curve the threshold was picked from.
 */
export function entropyCurve(counts: ArrayLike<number>, startBin = DEFAULT_START_BIN): Float64Array {
  const levels = 1 << 7; // 2^(bits - 1) for signed int8
  const n = counts.length;
  if (n < startBin) return new Float64Array(0);
  const bins = Float64Array.from(counts);
  if (n > 1) bins[0] = bins[1]!;
  const above = new Float64Array(n + 1); // above[i] = sum of bins[i..n)
  for (let k = n - 1; k >= 0; k--) above[k] = above[k + 1]! + bins[k]!;
  const pBuf = new Float64Array(n);
  const qBuf = new Float64Array(n);
  const group = new Int32Array(n);
  const groupSum = new Float64Array(levels);
  const groupNonEmpty = new Float64Array(levels);
  const curve = new Float64Array(n - startBin + 1);
  for (let i = startBin; i <= n; i++) {
    groupSum.fill(0);
    groupNonEmpty.fill(0);
    for (let k = 0; k < i; k++) {
      // Bin k < i lies in group floor(128 k / i): np.digitize over linspace(0, i, 129), exactly.
      group[k] = Math.floor((levels * k) / i);
      if (bins[k] === 0) continue;
      groupSum[group[k]!]! += bins[k]!;
      groupNonEmpty[group[k]!]!++;
    }
    const p = pBuf.subarray(0, i);
    const q = qBuf.subarray(0, i);
    for (let k = 0; k < i; k++) {
      p[k] = bins[k]!;
      q[k] = bins[k] === 0 ? 0 : groupSum[group[k]!]! / groupNonEmpty[group[k]!]!;
    }
    p[i - 1]! += above[i]!;
    curve[i - startBin] = klDivergence(p, q);
  }
  return curve;
}

/**
 * scipy.stats.entropy(p, q): both normalized to sum 1, then the sum of p log(p / q) over p > 0;
 * infinite where q = 0 < p. An all-zero q (scipy: NaN) is infinite too: it cannot stand for p.
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let sumP = 0;
  let sumQ = 0;
  for (let k = 0; k < p.length; k++) {
    sumP += p[k]!;
    sumQ += q[k]!;
  }
  if (sumQ === 0) return Infinity;
  let kl = 0;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k]! / sumP;
    if (pk === 0) continue;
    const qk = q[k]! / sumQ;
    if (qk === 0) return Infinity;
    kl += pk * Math.log(pk / qk);
  }
  return kl;
}

/**
 * The bin whose lower edge is the threshold: the first bin at which the cumulative share of the
 * counts reaches `percentile` % (np.searchsorted on the cumsum, as pytorch-quantization).
 */
export function percentileBin(counts: ArrayLike<number>, percentile = DEFAULT_PERCENTILE): number {
  if (!(percentile >= 0 && percentile <= 100)) throw new CalibrationError(`percentile must be in [0, 100], got ${percentile}`);
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k]!;
  const target = percentile / 100;
  let cdf = 0;
  for (let k = 0; k < counts.length; k++) {
    cdf += counts[k]! / total;
    if (cdf >= target) return k;
  }
  return counts.length;
}

/**
 * The bin whose center is the threshold of least mean squared error: every bin center c, weighted
 * by its count, fake-quantized as clamp(round(c * 127 / amax), -127, 127) * amax / 127, for the
 * centers of bins startBin..n-1 as candidates (the first one on ties). Needs more than startBin
 * bins (amaxFor falls back to the top edge otherwise).
 */
export function mseBin(counts: ArrayLike<number>, startBin = DEFAULT_START_BIN): number {
  const curve = mseCurve(counts, startBin);
  let best = startBin;
  let bestMse = Infinity;
  for (let j = 0; j < curve.length; j++) {
    if (curve[j]! < bestMse) {
      bestMse = curve[j]!;
      best = startBin + j;
    }
  }
  return best;
}

/**
 * The error mseBin minimizes, per candidate: element j is the count-weighted squared error over
 * the number of bins, in bin widths squared, for the threshold at the center of bin startBin + j
 * (n - startBin candidates; empty when there are no more than startBin bins). Multiply by
 * width^2 * n / total for the mean squared error of a value in |x| units: the argmin is the same.
 */
export function mseCurve(counts: ArrayLike<number>, startBin = DEFAULT_START_BIN): Float64Array {
  const n = counts.length;
  // Centers in units of the bin width: the squared errors scale by width^2, which does not move the argmin.
  const center = (k: number) => k + 0.5;
  const curve = new Float64Array(Math.max(0, n - startBin));
  for (let i = startBin; i < n; i++) {
    const scale = INT8_MAX / center(i);
    let err = 0;
    for (let k = 0; k < n; k++) {
      if (counts[k] === 0) continue; // adds exactly 0
      const c = center(k);
      const q = Math.min(INT8_MAX, Math.max(-INT8_MAX, roundHalfEven(c * scale))) / scale;
      err += (q - c) * (q - c) * counts[k]!;
    }
    curve[i - startBin] = err / n;
  }
  return curve;
}
