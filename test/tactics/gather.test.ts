import { describe, it } from 'vitest';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { exactCheck, random } from '../helpers/exact-check.js';
import { useGpu } from '../helpers/gpu.js';

const check = exactCheck(useGpu());

describe('gather.axis', () => {
  const data = random('f32', [5, 6, 7], 11);
  const CASES: [string, Tensor, number][] = [
    ['axis 0, 2-D indices with negatives', tensor('i64', [2, 3], [0, -1, 4, -5, 2, 2]), 0],
    ['axis 1, 1-D i32 indices', tensor('i32', [4], [5, 0, -6, 3]), 1],
    ['axis -1, scalar index', tensor('i32', [], [-2]), -1],
    ['axis 2, 3-D indices', tensor('i32', [2, 1, 3], [6, 0, 1, -1, -7, 3]), 2],
  ];
  for (const [name, idx, ax] of CASES) {
    it(name, async () => {
      await check('gather.axis', 'Gather', [data, idx], { axis: ax });
      await check('gather.axis', 'Gather', [random('i64', [5, 6, 7], 12), idx], { axis: ax });
    });
  }
  it('a large embedding-style lookup (odd sizes)', () => check('gather.axis', 'Gather', [random('f32', [1000, 33], 13), tensor('i32', [3, 37], Array.from({ length: 111 }, (_, i) => (i * 97) % 1000 - 500))]));
});
