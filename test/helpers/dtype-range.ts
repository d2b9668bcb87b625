import type { DType } from '../../src/ir/dtype.js';
import { fromFloat64, sizeOf, type Shape, type Tensor } from '../../src/ir/tensor.js';
import { rng } from './data.js';

const F32_MAX = 3.4028234663852886e38;

/**
 * The smallest and largest value of each dtype that a GPU word holds exactly: i64 is narrowed
 * to i32 words on the GPU (see src/runtime/buffers.ts), so its range here is i32's.
 */
export const RANGE: Readonly<Record<DType, readonly [number, number]>> = {
  f32: [-F32_MAX, F32_MAX],
  f16: [-65504, 65504],
  i8: [-128, 127],
  u8: [0, 255],
  i32: [-2147483648, 2147483647],
  i64: [-2147483648, 2147483647],
  bool: [0, 1],
};

/**
 * Random values over a dtype's whole range with its extremes planted: integers uniform over
 * RANGE with both ends (and their neighbours) at a few positions; floats in [-8, 8] with
 * -Infinity, Infinity and +-the largest finite value planted.
 */
export function randomWithExtremes(dtype: DType, shape: Shape, seed: number): Tensor {
  const r = rng(seed);
  const [lo, hi] = RANGE[dtype];
  const float = dtype === 'f32' || dtype === 'f16';
  const n = sizeOf(shape);
  const v = Array.from({ length: n }, () => (float ? -8 + 16 * r() : lo + Math.floor(r() * (hi - lo + 1))));
  const planted = float ? [-Infinity, Infinity, lo, hi] : [lo, hi, lo + 1, hi - 1];
  planted.forEach((p, k) => {
    if (n > 0) v[Math.floor(r() * n)] = p;
    if (k === 0 && n > 2) v[n - 1] = p; // the last element too (the end of the last workgroup)
  });
  return fromFloat64(dtype, shape, v);
}
