/**
 * Comparing two sets of outputs (an engine against the reference executor, or two engines):
 * per output the largest absolute and relative error, the relative L2 distance, the cosine
 * similarity, the 50/90/99 % quantiles of the absolute error, and whether every element is within
 * `atol + rtol * |expected|` (numpy's allclose, as Polygraphy checks) or, with `minCosine`, whether
 * the cosine similarity reaches it (a criterion for INT8, whose elements never meet 1e-5).
 */
import { WgrtError } from '../errors.js';
import { sameShape, toFloat64, type Tensor } from '../ir/tensor.js';
import { percentile } from './bench.js';

export interface Tolerance {
  /** Default 1e-5. */
  readonly atol?: number;
  /** Default 1e-5. */
  readonly rtol?: number;
  /** Judge by cosine similarity instead: an output passes when its cosine is at least this (mismatches are still counted). */
  readonly minCosine?: number;
}

export interface OutputComparison {
  readonly name: string;
  readonly shape: readonly number[];
  readonly maxAbs: number;
  /** Largest |actual - expected| / |expected| (over elements where expected is not 0). */
  readonly maxRel: number;
  readonly relL2: number;
  readonly cosine: number;
  /** Quantiles of |actual - expected| (nearest rank). */
  readonly quantiles: { readonly p50: number; readonly p90: number; readonly p99: number };
  /** Elements outside atol + rtol * |expected|. */
  readonly mismatches: number;
  readonly pass: boolean;
}

export interface CompareReport {
  readonly kind: 'compare';
  readonly atol: number;
  readonly rtol: number;
  readonly minCosine?: number;
  readonly outputs: readonly OutputComparison[];
  readonly pass: boolean;
}

/** Relative L2 distance between two flat arrays. */
export function relativeL2(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/** Compares each output of `expected` with the output of the same name in `actual`. */
export function compareOutputs(actual: Readonly<Record<string, Tensor>>, expected: Readonly<Record<string, Tensor>>, tol: Tolerance = {}): CompareReport {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-5;
  const outputs = Object.entries(expected).map(([name, e]): OutputComparison => {
    const a = actual[name];
    if (!a) throw new WgrtError(`compare: output '${name}' is missing from the other side (it has ${Object.keys(actual).join(', ') || 'no outputs'})`);
    if (!sameShape(a.shape, e.shape)) throw new WgrtError(`compare: output '${name}' is [${a.shape.join(', ')}] on one side and [${e.shape.join(', ')}] on the other`);
    const x = toFloat64(a);
    const y = toFloat64(e);
    let maxAbs = 0;
    let maxRel = 0;
    let mismatches = 0;
    let dot = 0;
    let nx = 0;
    let ny = 0;
    const errors = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) {
      const d = Math.abs(x[i]! - y[i]!);
      const same = d === 0 || (Number.isNaN(x[i]!) && Number.isNaN(y[i]!));
      errors[i] = same ? 0 : Number.isNaN(d) ? Infinity : d;
      if (!same) {
        maxAbs = Math.max(maxAbs, Number.isNaN(d) ? Infinity : d);
        if (y[i] !== 0) maxRel = Math.max(maxRel, d / Math.abs(y[i]!));
        if (!(d <= atol + rtol * Math.abs(y[i]!))) mismatches++;
      }
      dot += x[i]! * y[i]!;
      nx += x[i]! ** 2;
      ny += y[i]! ** 2;
    }
    const cosine = nx === 0 && ny === 0 ? 1 : dot / Math.max(Math.sqrt(nx) * Math.sqrt(ny), 1e-300);
    const sorted = Array.from(errors.sort());
    const q = (p: number) => (sorted.length ? percentile(sorted, p) : 0);
    const quantiles = { p50: q(50), p90: q(90), p99: q(99) };
    const pass = tol.minCosine === undefined ? mismatches === 0 : cosine >= tol.minCosine;
    return { name, shape: e.shape, maxAbs, maxRel, relL2: relativeL2(x, y), cosine, quantiles, mismatches, pass };
  });
  return { kind: 'compare', atol, rtol, ...(tol.minCosine !== undefined ? { minCosine: tol.minCosine } : {}), outputs, pass: outputs.every((o) => o.pass) };
}
