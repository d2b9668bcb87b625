import { mulberry32 } from '../../src/frontend/fluent/init.js';
import { toFloat64, tensor, type Shape, type Tensor } from '../../src/ir/tensor.js';

/** Deterministic pseudo-random numbers (mulberry32, the fluent DSL's generator). */
export const rng = mulberry32;

export function randomF32(shape: Shape, seed: number, lo = -1, hi = 1): Tensor<'f32'> {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * r();
  return tensor('f32', shape, data);
}

/** Relative L2 error ||a - b|| / max(||b||, tiny): the kernel tests' measure. */
export function relL2(a: Tensor, b: Tensor): number {
  const x = toFloat64(a);
  const y = toFloat64(b);
  if (x.length !== y.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    if (Number.isNaN(d) && !(Number.isNaN(x[i]!) && Number.isNaN(y[i]!))) return Infinity;
    if (!Number.isNaN(d)) num += d * d;
    den += y[i]! * y[i]!;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}
