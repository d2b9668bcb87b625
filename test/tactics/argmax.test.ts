import { describe, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { fromFloat64, sizeOf, type Shape, type Tensor } from '../../src/ir/tensor.js';
import { rng } from '../helpers/data.js';
import { exactCheck, random } from '../helpers/exact-check.js';
import { useGpu } from '../helpers/gpu.js';

const check = exactCheck(useGpu());

/** Values drawn from a handful of levels, so that most rows hold ties. */
function tied(dtype: DType, shape: Shape, seed: number, levels = 5): Tensor {
  const r = rng(seed);
  return fromFloat64(dtype, shape, Array.from({ length: sizeOf(shape) }, () => Math.floor(r() * levels) - 2));
}

describe('reduce.argmax vs reference (exact, every point of the space)', () => {
  const SHAPES: [Shape, number][] = [
    [[3, 5, 7], 1],
    [[3, 5, 7], -1],
    [[3, 5, 7], 0],
    [[257, 9], -2],
    [[2, 1000, 3], 1],
    [[1, 1], 0],
    [[4097], 0],
  ];
  for (const op of ['ArgMax', 'ArgMin']) {
    for (const [shape, axis] of SHAPES) {
      it(`${op} [${shape.join(', ')}] axis ${axis}: random and tied data, keepdims 0/1, select_last_index 0/1`, async () => {
        const data = [random('f32', shape, 7), tied('f32', shape, 8)];
        for (const x of data) {
          for (const keepdims of [0, 1]) {
            for (const last of [0, 1]) await check('reduce.argmax', op, [x], { axis, keepdims, select_last_index: last });
          }
        }
      });
    }
  }

  it('integer inputs (i32, i64, i8, u8), with ties', async () => {
    for (const dtype of ['i32', 'i64', 'i8', 'u8'] as const) {
      for (const x of [random(dtype, [6, 37], 3), tied(dtype, [6, 37], 4, 3)]) {
        for (const last of [0, 1]) {
          await check('reduce.argmax', 'ArgMax', [x], { axis: 1, select_last_index: last });
          await check('reduce.argmax', 'ArgMin', [x], { axis: -2, keepdims: 0, select_last_index: last });
        }
      }
    }
  });

  it('extreme integers and special floats: -0 equals +0, NaN above +inf', async () => {
    const big = fromFloat64('i32', [2, 4], [-2147483648, -2147483648, 5, 2147483647, 2147483647, 0, -2147483648, 2147483647]);
    const special = fromFloat64('f32', [3, 5], [-0, 0, -Infinity, -1e-45, 1e-45, NaN, 1, NaN, Infinity, -NaN, -0, 0, -0, 0, -0]);
    for (const x of [big, special]) {
      for (const op of ['ArgMax', 'ArgMin']) {
        for (const last of [0, 1]) await check('reduce.argmax', op, [x], { axis: -1, select_last_index: last });
      }
    }
  });
});
