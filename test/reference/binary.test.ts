import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { randomF32 } from '../helpers/data.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

function run(op: string, operands: Operand[], attrs: Record<string, number> = {}): Tensor {
  const { layer, inputs } = opLayer(op, operands, attrs);
  return runReferenceLayer(layer, inputs)[0]!;
}

function expectValues(got: Tensor, dtype: DType, shape: number[], want: number[], tol = 1e-6): void {
  expect(got.dtype).toBe(dtype);
  expect(got.shape).toEqual(shape);
  const g = toFloat64(got);
  expect(g.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(g[i]! - w)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));
}

const f = (shape: number[], v: number[]) => tensor('f32', shape, v);
const i32 = (shape: number[], v: number[]) => tensor('i32', shape, v);
const b = (shape: number[], v: number[]) => tensor('bool', shape, v);

describe('binary reference: ONNX operator doc examples', () => {
  const x = f([3], [1, 2, 3]);
  const y = f([3], [4, 5, 6]);
  it('Add, Sub, Mul', () => {
    expectValues(run('Add', [x, y]), 'f32', [3], [5, 7, 9]);
    expectValues(run('Sub', [x, y]), 'f32', [3], [-3, -3, -3]);
    expectValues(run('Mul', [x, y]), 'f32', [3], [4, 10, 18]);
  });
  it('Div', () => expectValues(run('Div', [f([2], [3, 4]), f([2], [1, 2])]), 'f32', [2], [3, 2]));
  it('Pow, Pow with scalar and row broadcast', () => {
    expectValues(run('Pow', [x, y]), 'f32', [3], [1, 32, 729]);
    expectValues(run('Pow', [x, f([], [2])]), 'f32', [3], [1, 4, 9]);
    expectValues(run('Pow', [f([2, 3], [1, 2, 3, 4, 5, 6]), f([3], [1, 2, 3])]), 'f32', [2, 3], [1, 4, 27, 4, 25, 216]);
  });
  it('Max and Min', () => {
    expectValues(run('Max', [f([3], [3, 2, 1]), f([3], [1, 4, 4])]), 'f32', [3], [3, 4, 4]);
    expectValues(run('Min', [f([3], [3, 2, 1]), f([3], [1, 4, 4])]), 'f32', [3], [1, 2, 1]);
  });
  it('Mod: mixed-sign int32 (sign of the divisor) and float fmod (sign of the dividend)', () => {
    expectValues(run('Mod', [i32([6], [-4, 7, 5, 4, -7, 8]), i32([6], [2, -3, 8, -2, 3, 5])]), 'i32', [6], [0, -2, 5, 0, 2, 3]);
    const xf = f([6], [-4.3, 7.2, 5.0, 4.3, -7.2, 8.0]);
    const yf = f([6], [2.1, -3.4, 8.0, -2.1, 3.4, 5.0]);
    expectValues(run('Mod', [xf, yf], { fmod: 1 }), 'f32', [6], [-0.1, 0.4, 5, 0.1, -0.4, 3], 1e-5);
    const xi = i32([6], [-4, 7, 5, 4, -7, 8]);
    const yi = i32([6], [2, -3, 8, -2, 3, 5]);
    expectValues(run('Mod', [xi, yi], { fmod: 1 }), 'i32', [6], [0, 1, 5, 0, -1, 3]);
  });
  it('Where', () => {
    const got = run('Where', [b([2, 2], [1, 0, 1, 1]), f([2, 2], [1, 2, 3, 4]), f([2, 2], [9, 8, 7, 6])]);
    expectValues(got, 'f32', [2, 2], [1, 8, 3, 4]);
  });
  it('Where with a broadcast condition and i64 branches keeps raw values', () => {
    const xs = tensor('i64', [2, 2], new BigInt64Array([2n ** 40n, 1n, 2n, 3n]));
    const ys = tensor('i64', [1], new BigInt64Array([-5n]));
    const got = run('Where', [b([2], [1, 0]), xs, ys]);
    expect(got.dtype).toBe('i64');
    expect(Array.from(got.data as BigInt64Array)).toEqual([2n ** 40n, -5n, 2n, -5n]);
  });
});

describe('binary reference: hand-computed cases', () => {
  it('integer Div truncates toward zero', () => {
    expectValues(run('Div', [i32([4], [7, -7, 7, -7]), i32([4], [2, 2, -2, -2])]), 'i32', [4], [3, -3, -3, 3]);
  });
  it('integer Pow truncates', () => {
    expectValues(run('Pow', [i32([4], [2, 2, -3, 5]), i32([4], [3, -1, 3, 0])]), 'i32', [4], [8, 0, -27, 1]);
  });
  it('PRelu with a per-channel slope', () => {
    const got = run('PRelu', [f([2, 2], [-2, 3, -4, 5]), f([2, 1], [0.5, 0.25])]);
    expectValues(got, 'f32', [2, 2], [-1, 3, -1, 5]);
  });
  it('comparisons give bool', () => {
    const x = f([4], [1, 2, 3, 4]);
    const y = f([4], [2, 2, 2, 2]);
    expectValues(run('Equal', [x, y]), 'bool', [4], [0, 1, 0, 0]);
    expectValues(run('Less', [x, y]), 'bool', [4], [1, 0, 0, 0]);
    expectValues(run('Greater', [x, y]), 'bool', [4], [0, 0, 1, 1]);
    expectValues(run('LessOrEqual', [x, y]), 'bool', [4], [1, 1, 0, 0]);
    expectValues(run('GreaterOrEqual', [x, y]), 'bool', [4], [0, 1, 1, 1]);
    expectValues(run('Equal', [i32([3], [-1, 0, 5]), i32([1], [5])]), 'bool', [3], [0, 0, 1]);
  });
  it('logical ops: truth tables', () => {
    const p = b([4], [0, 0, 1, 1]);
    const q = b([4], [0, 1, 0, 1]);
    expectValues(run('And', [p, q]), 'bool', [4], [0, 0, 0, 1]);
    expectValues(run('Or', [p, q]), 'bool', [4], [0, 1, 1, 1]);
    expectValues(run('Xor', [p, q]), 'bool', [4], [0, 1, 1, 0]);
  });
  it('column vector plus row vector is the outer sum', () => {
    expectValues(run('Add', [f([3, 1], [0, 10, 20]), f([4], [1, 2, 3, 4])]), 'f32', [3, 4], [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24]);
  });
});

describe('binary reference: numpy broadcasting identities', () => {
  it('rank-different operands: z[i,j,k] = x[i,j,k] * y[j,0] + 0 matches explicit loops', () => {
    const x = randomF32([2, 3, 5], 1);
    const y = randomF32([3, 1], 2);
    const got = toFloat64(run('Mul', [x, y]));
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 5; k++) {
          const want = Math.fround(x.data[(i * 3 + j) * 5 + k]! * y.data[j]!);
          expect(got[(i * 3 + j) * 5 + k]).toBe(want);
        }
      }
    }
  });
  it('operand order: a - b == -(b - a) under broadcasting, and a scalar broadcasts everywhere', () => {
    const a = randomF32([4, 1, 3], 3);
    const c = randomF32([2, 1], 4);
    const ab = toFloat64(run('Sub', [a, c]));
    const ba = toFloat64(run('Sub', [c, a]));
    expect(ab.length).toBe(4 * 2 * 3);
    ab.forEach((v, i) => expect(v).toBe(-ba[i]!));
    const s = toFloat64(run('Add', [a, f([], [1])]));
    toFloat64(a).forEach((v, i) => expect(s[i]).toBe(Math.fround(v + 1)));
  });
});
