import { describe, expect, it } from 'vitest';
import { runReferenceLayer } from '../../src/reference/index.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { randomF32 } from '../helpers/data.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

function run(op: string, operands: Operand[], attrs: Record<string, number> = {}): Tensor {
  const { layer, inputs } = opLayer(op, operands, attrs);
  return runReferenceLayer(layer, inputs)[0]!;
}

function expectClose(got: Tensor, shape: number[], want: ArrayLike<number>, tol = 1e-6): void {
  expect(got.shape).toEqual(shape);
  const g = toFloat64(got);
  expect(g.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(g[i]! - want[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)));
}

const axes = (...a: number[]) => ({ constant: tensor('i64', [a.length], a) });

// The data of the ONNX operator docs' examples.
const docData = tensor('f32', [3, 2, 2], [5, 1, 20, 2, 30, 1, 40, 2, 55, 1, 60, 2]);
const sumData = tensor('f32', [3, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

describe('Reduce* reference (ONNX doc examples)', () => {
  it('ReduceMean over axis 1, keepdims', () => {
    expectClose(run('ReduceMean', [docData, axes(1)]), [3, 1, 2], [12.5, 1.5, 35, 1.5, 57.5, 1.5]);
  });
  it('ReduceMax and ReduceMin over axis 1, keepdims', () => {
    expectClose(run('ReduceMax', [docData, axes(1)]), [3, 1, 2], [20, 2, 40, 2, 60, 2]);
    expectClose(run('ReduceMin', [docData, axes(1)]), [3, 1, 2], [5, 1, 30, 1, 55, 1]);
  });
  it('ReduceSum over axis 1, with and without keepdims, and with a negative axis', () => {
    expectClose(run('ReduceSum', [sumData, axes(1)]), [3, 1, 2], [4, 6, 12, 14, 20, 22]);
    expectClose(run('ReduceSum', [sumData, axes(1)], { keepdims: 0 }), [3, 2], [4, 6, 12, 14, 20, 22]);
    expectClose(run('ReduceSum', [sumData, axes(-2)], { keepdims: 0 }), [3, 2], [4, 6, 12, 14, 20, 22]);
  });
  it('reduces every axis when axes are absent', () => {
    expectClose(run('ReduceSum', [sumData]), [1, 1, 1], [78]);
    expectClose(run('ReduceMean', [sumData], { keepdims: 0 }), [], [6.5]);
  });
  it('is the identity for empty axes with noop_with_empty_axes', () => {
    expectClose(run('ReduceSum', [sumData], { noop_with_empty_axes: 1 }), [3, 2, 2], toFloat64(sumData));
  });
  it('reduces non-adjacent axes (0 and 2) by hand', () => {
    // sums over i and k of sumData[i][j][k]: j=0: 1+2+5+6+9+10 = 33, j=1: 3+4+7+8+11+12 = 45
    expectClose(run('ReduceSum', [sumData, axes(0, 2)], { keepdims: 0 }), [2], [33, 45]);
    expectClose(run('ReduceMax', [sumData, axes(2, 0)]), [1, 2, 1], [10, 12]);
  });
});

describe('Softmax / LogSoftmax reference', () => {
  it('matches the ONNX doc example [-1, 0, 1]', () => {
    const x = tensor('f32', [1, 3], [-1, 0, 1]);
    expectClose(run('Softmax', [x]), [1, 3], [0.09003058, 0.24472848, 0.66524094]);
    expectClose(run('LogSoftmax', [x]), [1, 3], [-2.40760596, -1.40760596, -0.40760596]);
  });

  it('is stable for large inputs (shift invariance)', () => {
    const big = run('Softmax', [tensor('f32', [1, 3], [1000, 1001, 1002])]);
    expectClose(big, [1, 3], [0.09003058, 0.24472848, 0.66524094]);
    expectClose(run('LogSoftmax', [tensor('f32', [3], [-1000, -999, -998])]), [3], [-2.40760596, -1.40760596, -0.40760596]);
  });

  for (const axis of [0, 1, 2, -1, -3]) {
    it(`sums to 1 along axis ${axis}, and LogSoftmax = log(Softmax)`, () => {
      const shape = [3, 4, 5];
      const x = randomF32(shape, 7, -4, 4);
      const s = toFloat64(run('Softmax', [x], { axis }));
      const l = toFloat64(run('LogSoftmax', [x], { axis }));
      const ax = axis < 0 ? axis + 3 : axis;
      const strides = [20, 5, 1];
      for (let i = 0; i < 60; i++) {
        expect(Math.abs(Math.log(s[i]!) - l[i]!)).toBeLessThan(1e-5);
        const idx = [Math.floor(i / 20), Math.floor(i / 5) % 4, i % 5];
        if (idx[ax] !== 0) continue;
        let sum = 0;
        for (let j = 0; j < shape[ax]!; j++) sum += s[i + j * strides[ax]!]!;
        expect(sum).toBeCloseTo(1, 6);
      }
    });
  }
});
