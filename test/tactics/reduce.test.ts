import { describe, expect, it } from 'vitest';
import { runReferenceLayer } from '../../src/reference/index.js';
import { REDUCE } from '../../src/tactics/families/reduce.js';
import { candidates } from '../../src/tactics/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { fromFloat64, tensor, type Tensor } from '../../src/ir/tensor.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { RANGE, randomWithExtremes } from '../helpers/dtype-range.js';
import { exactCheck } from '../helpers/exact-check.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayer } from '../helpers/op-layer.js';

const gpu = useGpu();

const cases: [number[], number[] | undefined, Record<string, number>][] = [
  [[37, 53], [1], {}],
  [[37, 53], [0], { keepdims: 0 }],
  [[2, 3, 5, 7], [1, 3], {}], // non-adjacent axes
  [[2, 3, 5, 7], [-1, -2], { keepdims: 0 }],
  [[4, 1, 9, 1, 3], [0, 2, 4], {}], // size-1 dims between reduced ones
  [[3, 4001], [1], {}], // long rows: workgroup reductions
  [[1000, 3], [1], {}], // many short rows
  [[6, 7, 8], undefined, {}], // every axis
  [[6, 7, 8], undefined, { noop_with_empty_axes: 1 }], // identity
  [[2, 2, 2, 2, 2, 2, 2, 3], [0, 2, 4, 6], {}], // 8-D, 4 kept and 4 reduced runs
];

describe('reduce.lanes vs reference', () => {
  for (const op of ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin']) {
    for (const [shape, axes, attrs] of cases) {
      it(`${op} [${shape}] axes=${axes ? `[${axes}]` : 'none'} ${JSON.stringify(attrs)}`, async () => {
        const x = randomF32(shape, shape.length * 7 + 1, -2, 2);
        const ax = axes ? { constant: tensor('i64', [axes.length], axes) } : undefined;
        const { layer, inputs } = opLayer(op, [x, ax], attrs);
        expect(candidates(layer)).toContain(REDUCE);
        const want = runReferenceLayer(layer, inputs)[0]!;
        for (const p of REDUCE.space) {
          const got = (await runLayer(await gpu(), layer, REDUCE, inputs, p))[0]!;
          expect(got.shape).toEqual(want.shape);
          expect(relL2(got, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
        }
      });
    }
  }
});

describe('reduce.lanes-int vs reference, exact (ReduceMax and ReduceMin on integer and bool tensors)', () => {
  const exact = exactCheck(gpu);
  for (const op of ['ReduceMax', 'ReduceMin']) {
    for (const dtype of ['i8', 'u8', 'i32', 'i64', 'bool'] as const) {
      it(`${op} ${dtype}, every shape and axes case, the dtype's extremes`, async () => {
        for (const [i, [shape, axes, attrs]] of cases.entries()) {
          const x = randomWithExtremes(dtype, shape, 60 + i);
          const ax = axes ? { constant: tensor('i64', [axes.length], axes) } : undefined;
          await exact('reduce.lanes-int', op, [x, ax], attrs);
        }
      });
    }
    it(`${op}: rows holding only one extreme (the accumulator's start must not win)`, async () => {
      for (const dtype of ['i32', 'i64', 'i8', 'u8'] as const) {
        const v = RANGE[dtype][op === 'ReduceMax' ? 0 : 1];
        const x = fromFloat64(dtype, [5, 37], new Array<number>(5 * 37).fill(v));
        await exact('reduce.lanes-int', op, [x, { constant: tensor('i64', [1], [1]) }]);
      }
      const falses = fromFloat64('bool', [3, 300], new Array<number>(900).fill(op === 'ReduceMax' ? 0 : 1));
      await exact('reduce.lanes-int', op, [falses, { constant: tensor('i64', [1], [-1]) }]);
    });
  }

  it('takes only ReduceMax/ReduceMin of integer and bool tensors; f32 stays with reduce.lanes', () => {
    const ids = (op: string, x: Tensor) => candidates(opLayer(op, [x]).layer).map((t) => t.id);
    expect(ids('ReduceMax', randomWithExtremes('u8', [3, 4], 1))).toEqual(['reduce.lanes-int']);
    expect(ids('ReduceSum', randomWithExtremes('i32', [3, 4], 1))).toEqual([]);
    expect(ids('ReduceMin', randomF32([3, 4], 1))).toEqual(['reduce.lanes']);
  });
});
