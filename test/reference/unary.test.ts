import { describe, expect, it } from 'vitest';
import { runReferenceLayer } from '../../src/reference/index.js';
import { erf } from '../../src/reference/unary.js';
import type { DType } from '../../src/ir/dtype.js';
import { getNumber, tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

function run(op: string, operands: Operand[], attrs: Record<string, number | string> = {}): Tensor {
  const { layer, inputs } = opLayer(op, operands, attrs);
  return runReferenceLayer(layer, inputs)[0]!;
}

function expectClose(got: Tensor, want: ArrayLike<number>, tol = 1e-6): void {
  const g = toFloat64(got);
  expect(g.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]!)) expect(g[i]).toBeNaN();
    else if (!Number.isFinite(want[i]!)) expect(g[i]).toBe(want[i]);
    else expect(Math.abs(g[i]! - want[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)));
  }
}

const x5 = tensor('f32', [5], [-2, -0.5, 0, 0.5, 2]);

describe('erf', () => {
  it('matches tabulated values (Abramowitz & Stegun table 7.1)', () => {
    const table: [number, number][] = [[0, 0], [0.1, 0.1124629160], [0.5, 0.5204998778], [1, 0.8427007929], [1.5, 0.9661051465], [2, 0.9953222650], [3, 0.9999779095]];
    for (const [x, want] of table) {
      expect(erf(x)).toBeCloseTo(want, 9);
      expect(erf(-x)).toBeCloseTo(-want, 9);
    }
    expect(erf(10)).toBe(1);
  });
});

describe('unary reference (hand-computed values and ONNX doc formulas)', () => {
  const e = Math.exp;
  const cases: [string, Record<string, number | string>, number[]][] = [
    ['Relu', {}, [0, 0, 0, 0.5, 2]],
    ['LeakyRelu', { alpha: 0.1 }, [-0.2, -0.05, 0, 0.5, 2]],
    ['Sigmoid', {}, [1 / (1 + e(2)), 1 / (1 + e(0.5)), 0.5, 1 / (1 + e(-0.5)), 1 / (1 + e(-2))]],
    ['Tanh', {}, [-0.9640275801, -0.4621171573, 0, 0.4621171573, 0.9640275801]],
    ['HardSigmoid', {}, [0.1, 0.4, 0.5, 0.6, 0.9]],
    ['HardSigmoid', { alpha: 0.5, beta: 0.6 }, [0, 0.35, 0.6, 0.85, 1]],
    ['HardSwish', {}, [-2 / 6, -0.5 * (5 / 12), 0, 0.5 * (7 / 12), 2 * (5 / 6)]],
    ['Gelu', {}, [-0.0455002639, -0.1542687694, 0, 0.3457312306, 1.9544997361]],
    ['Gelu', { approximate: 'tanh' }, [-0.0454023059, -0.1542860100, 0, 0.3457139900, 1.9545976941]],
    ['Elu', {}, [e(-2) - 1, e(-0.5) - 1, 0, 0.5, 2]],
    ['Elu', { alpha: 2 }, [2 * (e(-2) - 1), 2 * (e(-0.5) - 1), 0, 0.5, 2]],
    ['Selu', { alpha: 2, gamma: 3 }, [6 * (e(-2) - 1), 6 * (e(-0.5) - 1), 0, 1.5, 6]],
    ['Softplus', {}, [Math.log(1 + e(-2)), Math.log(1 + e(-0.5)), Math.LN2, Math.log(1 + e(0.5)), Math.log(1 + e(2))]],
    ['Mish', {}, [-2 * Math.tanh(Math.log(1 + e(-2))), -0.5 * Math.tanh(Math.log(1 + e(-0.5))), 0, 0.5 * Math.tanh(Math.log(1 + e(0.5))), 2 * Math.tanh(Math.log(1 + e(2)))]],
    ['Exp', {}, [e(-2), e(-0.5), 1, e(0.5), e(2)]],
    ['Abs', {}, [2, 0.5, 0, 0.5, 2]],
    ['Neg', {}, [2, 0.5, -0, -0.5, -2]],
    ['Reciprocal', {}, [-0.5, -2, Infinity, 2, 0.5]],
    ['Floor', {}, [-2, -1, 0, 0, 2]],
    ['Ceil', {}, [-2, -0, 0, 1, 2]],
    ['Erf', {}, [-0.9953222650, -0.5204998778, 0, 0.5204998778, 0.9953222650]],
    ['Identity', {}, [-2, -0.5, 0, 0.5, 2]],
  ];
  for (const [op, attrs, want] of cases) {
    it(`${op} ${JSON.stringify(attrs)}`, () => expectClose(run(op, [x5], attrs), want));
  }

  it('Log and Sqrt on positive inputs, NaN below their domain', () => {
    const p = tensor('f32', [4], [0.25, 1, 4, -1]);
    expectClose(run('Log', [p]), [Math.log(0.25), 0, Math.log(4), NaN]);
    expectClose(run('Sqrt', [p]), [0.5, 1, 2, NaN]);
  });

  it('Softplus does not overflow for large inputs', () => {
    expectClose(run('Softplus', [tensor('f32', [2], [100, -100])]), [100, e(-100)]);
  });

  it('Not on bool', () => {
    const y = run('Not', [tensor('bool', [3], [1, 0, 1])]);
    expect(y.dtype).toBe('bool');
    expect(Array.from(y.data as Uint8Array)).toEqual([0, 1, 0]);
  });

  it('Identity keeps integer data exactly', () => {
    const y = run('Identity', [tensor('i64', [2], [3, -9])]);
    expect(Array.from(y.data as BigInt64Array)).toEqual([3n, -9n]);
  });

  it('Clip with both bounds, one bound, and none', () => {
    const c = (v: number) => ({ constant: tensor('f32', [], [v]) });
    expectClose(run('Clip', [x5, c(-1), c(1)]), [-1, -0.5, 0, 0.5, 1]);
    expectClose(run('Clip', [x5, undefined, c(0.25)]), [-2, -0.5, 0, 0.25, 0.25]);
    expectClose(run('Clip', [x5, c(0)]), [0, 0, 0, 0.5, 2]);
    expectClose(run('Clip', [x5]), [-2, -0.5, 0, 0.5, 2]);
  });
});

describe('Cast reference (ONNX semantics)', () => {
  const values = (t: Tensor) => Array.from({ length: t.data.length }, (_, i) => getNumber(t.data, t.dtype, i));
  const src = tensor('f32', [7], [-2.7, -0.5, 0, 0.5, 1.9, 3, 1e-3]);
  const cases: [DType, number[]][] = [
    ['i32', [-2, 0, 0, 0, 1, 3, 0]],
    ['i64', [-2, 0, 0, 0, 1, 3, 0]],
    ['i8', [-2, 0, 0, 0, 1, 3, 0]],
    ['bool', [1, 1, 0, 1, 1, 1, 1]],
  ];
  for (const [to, want] of cases) {
    it(`f32 -> ${to} truncates toward zero (bool: v != 0)`, () => {
      const y = run('Cast', [src], { to });
      expect(y.dtype).toBe(to);
      expect(values(y)).toEqual(want);
    });
  }

  it('f32 -> f16 rounds to the nearest half (ties to even)', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even gives 1; 1 + 3*2^-11 rounds up to 1 + 2^-9.
    const y = run('Cast', [tensor('f32', [4], [1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, 70000])], { to: 'f16' });
    expect(y.dtype).toBe('f16');
    expect(Array.from(y.data as Uint16Array)).toEqual([0x3c00, 0x3c02, 0x2e66, 0x7c00]);
  });

  it('int and bool -> float, and f16 -> f32 exactly', () => {
    expect(values(run('Cast', [tensor('i32', [3], [-3, 0, 7])], { to: 'f32' }))).toEqual([-3, 0, 7]);
    expect(values(run('Cast', [tensor('bool', [2], [1, 0])], { to: 'f32' }))).toEqual([1, 0]);
    expect(values(run('Cast', [tensor('i64', [2], [5, -1])], { to: 'bool' }))).toEqual([1, 1]);
    expect(values(run('Cast', [tensor('f16', [2], [0.5, -1.25])], { to: 'f32' }))).toEqual([0.5, -1.25]);
  });
});
