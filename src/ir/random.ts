import { isFloat } from './dtype.js';
import { fromNumbers, sizeOf, tensor, type Tensor, type TensorType } from './tensor.js';

/** Seeded uniform data in [-1, 1) (floats) or [0, 10) (integers), the same for a seed. */
export function randomInput(type: TensorType, seed: number): Tensor {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = sizeOf(type.shape);
  const values = Array.from({ length: n }, () => (isFloat(type.dtype) ? next() * 2 - 1 : Math.floor(next() * 10)));
  return tensor(type.dtype, type.shape, fromNumbers(type.dtype, values));
}
