import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { fromFloat64, sizeOf, type Shape, type Tensor } from '../../src/ir/tensor.js';
import { candidates } from '../../src/tactics/index.js';
import { rng } from '../helpers/data.js';
import { exactCheck, ints, random } from '../helpers/exact-check.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayerN } from '../helpers/op-layer-n.js';

const check = exactCheck(useGpu());
const TACTICS = ['topk.bitonic', 'topk.rank'];

/** Values drawn from a handful of levels, so that most rows hold ties. */
function tied(dtype: DType, shape: Shape, seed: number, levels = 4): Tensor {
  const r = rng(seed);
  return fromFloat64(dtype, shape, Array.from({ length: sizeOf(shape) }, () => Math.floor(r() * levels) - 1));
}

const topk = (tactic: string, x: Tensor, k: number, attrs: Record<string, number>) => check(tactic, 'TopK', [x, ints([k])], attrs, 2);

describe('TopK tactics vs reference (exact values and indices, every point of the space)', () => {
  const CASES: [Shape, number, number[]][] = [
    [[3, 4], 1, [1, 3, 4]],
    [[5, 37, 3], 1, [1, 7, 37]],
    [[5, 37, 3], -1, [2]],
    [[5, 37, 3], 0, [5]],
    [[2, 3, 1, 129], -1, [1, 64, 129]],
    [[7, 1], 1, [1]],
  ];
  for (const tactic of TACTICS) {
    for (const [shape, axis, ks] of CASES) {
      it(`${tactic}: [${shape.join(', ')}] axis ${axis}, k ${ks.join('/')}, largest and smallest, random and tied`, async () => {
        for (const x of [random('f32', shape, 21), tied('f32', shape, 22)]) {
          for (const k of ks) {
            for (const largest of [1, 0]) await topk(tactic, x, k, { axis, largest });
          }
        }
      });
    }

    it(`${tactic}: integer inputs (i32, i64, i8, u8) with ties and extremes`, async () => {
      for (const dtype of ['i32', 'i64', 'i8', 'u8'] as const) {
        for (const x of [random(dtype, [4, 53], 5), tied(dtype, [4, 53], 6)]) {
          for (const largest of [1, 0]) await topk(tactic, x, 10, { axis: 1, largest, sorted: 1 });
        }
      }
      const extreme = fromFloat64('i32', [8], [2147483647, -2147483648, 0, 2147483647, -2147483648, -1, 1, 0]);
      for (const largest of [1, 0]) await topk(tactic, extreme, 8, { axis: 0, largest });
    });

    it(`${tactic}: special floats (-0 equals +0, NaN above +inf)`, async () => {
      const x = fromFloat64('f32', [2, 8], [-0, 0, NaN, -Infinity, Infinity, 1e-45, -1e-45, -NaN, 0, -0, 0, -0, 3, NaN, -3, 0]);
      for (const largest of [1, 0]) await topk(tactic, x, 8, { axis: -1, largest });
    });
  }

  it('topk.bitonic takes rows up to 2048; topk.rank takes any length', async () => {
    const x = tied('f32', [2, 2048], 31, 50);
    for (const tactic of TACTICS) await topk(tactic, x, 5, { axis: 1 });
    const long = random('f32', [2, 2049], 32);
    const { layer } = opLayerN('TopK', [long, ints([3])], { axis: 1 }, 2);
    expect(candidates(layer).map((t) => t.id)).toEqual(['topk.rank']);
    await topk('topk.rank', long, 3, { axis: 1, largest: 0 });
  });
});
