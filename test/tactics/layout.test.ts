import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { fromFloat64, tensor, type Shape } from '../../src/ir/tensor.js';
import { tacticById } from '../../src/tactics/index.js';
import { exactCheck, ints, random } from '../helpers/exact-check.js';
import { useGpu } from '../helpers/gpu.js';
import type { Operand } from '../helpers/op-layer.js';
import { opLayerN } from '../helpers/op-layer-n.js';

const gpu = useGpu();
const check = exactCheck(gpu);

describe('layout.copy (reshape family, non-f32 Identity)', () => {
  it('Reshape, Flatten, Squeeze, Unsqueeze on f32, i32, i64 and bool', async () => {
    for (const [j, dtype] of (['f32', 'i32', 'i64', 'bool'] as DType[]).entries()) {
      const x = random(dtype, [3, 1, 5, 7], j);
      await check('layout.copy', 'Reshape', [x, ints([0, -1, 7])]);
      await check('layout.copy', 'Flatten', [x], { axis: -2 });
      await check('layout.copy', 'Squeeze', [x, ints([1])]);
      await check('layout.copy', 'Unsqueeze', [x, ints([0, -1])]);
    }
  });
  it('Identity on i32, i64, u8 and bool; f32 Identity is left to pointwise.unary', async () => {
    for (const [j, dtype] of (['i32', 'i64', 'u8', 'bool'] as DType[]).entries()) {
      await check('layout.copy', 'Identity', [dtype === 'u8' ? fromFloat64('u8', [3, 67], Array.from({ length: 201 }, (_, i) => i)) : random(dtype, [3, 67], j)]);
    }
    const f32 = opLayerN('Identity', [random('f32', [4], 1)], {}, 1).layer;
    expect(tacticById('layout.copy')!.supports(f32)).toBe(false);
  });
});

describe('layout.transpose', () => {
  const CASES: [Shape, number[] | undefined][] = [
    [[7, 13], undefined],
    [[2, 3, 5, 7], [0, 2, 3, 1]],
    [[2, 3, 5, 7], [3, 1, 0, 2]],
    [[1, 9, 1, 4], [3, 2, 1, 0]],
    [[2, 3, 2, 3, 2, 3], [5, 4, 3, 2, 1, 0]],
    [[2, 3, 2, 3, 2, 3, 2, 2], [0, 1, 4, 5, 2, 3, 6, 7]], // rank 8 that merges to 4 axes
  ];
  for (const [shape, perm] of CASES) {
    it(`[${shape}] perm ${perm ? `[${perm}]` : 'default'}`, async () => {
      await check('layout.transpose', 'Transpose', [random('f32', shape, 3)], perm ? { perm } : {});
      await check('layout.transpose', 'Transpose', [random('i64', shape, 4)], perm ? { perm } : {});
    });
  }
  it('does not claim a rank-7 permutation that cannot merge', () => {
    const layer = opLayerN('Transpose', [random('f32', [2, 3, 2, 3, 2, 3, 2], 1)], { perm: [6, 5, 4, 3, 2, 1, 0] }, 1).layer;
    expect(tacticById('layout.transpose')!.supports(layer)).toBe(false);
  });
});

describe('layout.strided: Slice', () => {
  const x = random('f32', [5, 7, 9], 5);
  const CASES: [string, Operand[]][] = [
    ['steps and clamped ends', [x, ints([1, 0]), ints([4, 1000]), ints([0, 2]), ints([2, 3])]],
    ['negative steps on every axis', [x, ints([-1, 6, 8]), ints([-1000, 0, 1]), ints([0, 1, 2]), ints([-2, -3, -1])]],
    ['negative axes and starts', [x, ints([-3, -8]), ints([-1, 1000]), ints([-1, -2])]],
    ['a size-1 result and an empty one', [x, ints([2, 3]), ints([3, 3]), ints([0, 1])]],
  ];
  for (const [name, operands] of CASES) it(name, () => check('layout.strided', 'Slice', operands));
  it('on i64 data with a negative step', () => check('layout.strided', 'Slice', [random('i64', [11], 6), ints([9]), ints([0]), ints([0]), ints([-4])]));
});

describe('layout.strided: Expand', () => {
  const CASES: [Shape, number[]][] = [
    [[3, 1], [2, 3, 6]],
    [[1], [5, 7]],
    [[], [3, 4]],
    [[4, 1, 3], [2, 4, 5, 3]],
    [[2, 1, 3], [1, 1, 3]],
  ];
  for (const [shape, target] of CASES) {
    it(`[${shape}] to [${target}]`, async () => {
      await check('layout.strided', 'Expand', [random('f32', shape, 7), ints(target)]);
      await check('layout.strided', 'Expand', [random('bool', shape, 8), ints(target)]);
    });
  }
});

describe('layout.strided: Pad in every mode', () => {
  const x = random('f32', [3, 4, 5], 9);
  const PADS: number[][] = [
    [0, 2, 1, 1, 0, 3],
    [1, 1, 4, 2, 3, 4], // beyond the axis for 'reflect' and 'wrap' on the first axis
    [0, -1, 2, 0, 1, -2], // negative pads crop
  ];
  for (const mode of ['constant', 'reflect', 'edge', 'wrap']) {
    for (const pads of PADS) it(`${mode} pads [${pads}]`, () => check('layout.strided', 'Pad', [x, ints(pads)], { mode }));
  }
  it('constant with a constant_value input, on f32 and i32', async () => {
    await check('layout.strided', 'Pad', [x, ints([1, 0, 2, 2, 1, 0]), { constant: tensor('f32', [], [-2.5]) }]);
    await check('layout.strided', 'Pad', [random('i32', [4, 3], 1), ints([1, 2, 3, 0]), { constant: tensor('i32', [], [-7]) }]);
  });
  it('axes input with a negative axis, edge mode on i64', () => {
    return check('layout.strided', 'Pad', [random('i64', [3, 4, 5], 2), ints([2, 3]), undefined, ints([-1])], { mode: 'edge' });
  });
  it('does not claim a pad value computed at run time', () => {
    const layer = opLayerN('Pad', [x, ints([1, 1, 1, 1, 1, 1]), tensor('f32', [], [1])], {}, 1).layer;
    expect(tacticById('layout.strided')!.supports(layer)).toBe(false);
  });
});

describe('layout.concat and layout.split', () => {
  it('Concat on axis 0, 1 and -1, three inputs of odd sizes, an empty input', async () => {
    const a = random('f32', [2, 3, 5], 1);
    await check('layout.concat', 'Concat', [a, random('f32', [3, 3, 5], 2), random('f32', [1, 3, 5], 3)], { axis: 0 });
    await check('layout.concat', 'Concat', [a, random('f32', [2, 7, 5], 2), random('f32', [2, 1, 5], 3)], { axis: 1 });
    await check('layout.concat', 'Concat', [a, random('f32', [2, 3, 0], 2), random('f32', [2, 3, 4], 3)], { axis: -1 });
    await check('layout.concat', 'Concat', [random('i64', [4, 2], 4), random('i64', [4, 9], 5)], { axis: 1 });
  });
  it('Split: equal parts, variable parts, uneven num_outputs, negative axis, an empty part', async () => {
    const x = random('f32', [4, 9, 3], 6);
    await check('layout.split', 'Split', [x], { axis: 1 }, 3);
    await check('layout.split', 'Split', [x, ints([2, 5, 2])], { axis: 1 }, 3);
    await check('layout.split', 'Split', [x], { axis: -2, num_outputs: 4 }, 4);
    await check('layout.split', 'Split', [x, ints([0, 4])], { axis: 0 }, 2);
    await check('layout.split', 'Split', [random('i32', [7], 7), ints([3, 4])], {}, 2);
  });
});
