import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { tensor, type Shape } from '../../src/ir/tensor.js';
import { tacticById } from '../../src/tactics/index.js';
import { exactCheck, ints, random } from '../helpers/exact-check.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayerN } from '../helpers/op-layer-n.js';

const gpu = useGpu();
const check = exactCheck(gpu);

describe('layout.strided: Tile (wrap mode, start 0, step 1)', () => {
  const CASES: [Shape, number[]][] = [
    [[2, 2], [2, 2]],
    [[3], [5]],
    [[2, 3, 5], [3, 1, 2]],
    [[1, 7, 1, 3], [4, 2, 3, 1]],
    [[3, 1, 2, 1, 2, 1], [1, 2, 1, 3, 2, 2]],
    [[5, 3], [1, 1]],
    [[4, 3], [0, 2]], // empty output
    [[], []], // a scalar tiles to itself
    [[67, 5], [3, 7]], // more than one workgroup
  ];
  for (const [shape, repeats] of CASES) {
    it(`[${shape}] by [${repeats}]`, async () => {
      for (const [j, dtype] of (['f32', 'i32', 'i64', 'bool'] as DType[]).entries()) {
        await check('layout.strided', 'Tile', [random(dtype, shape, 40 + j), ints(repeats)]);
      }
    });
  }

  it('the ONNX example on the GPU', () => check('layout.strided', 'Tile', [tensor('f32', [2, 2], [0, 1, 2, 3]), ints([2, 2])]));

  it('does not claim rank 7', () => {
    const layer = opLayerN('Tile', [random('f32', [1, 2, 1, 2, 1, 2, 1], 1), ints([1, 1, 1, 1, 1, 1, 2])], {}, 1).layer;
    expect(tacticById('layout.strided')!.supports(layer)).toBe(false);
  });
});
