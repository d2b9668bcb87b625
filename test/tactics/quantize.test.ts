import { describe, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import type { Attrs } from '../../src/ir/graph.js';
import { fromFloat64, sizeOf, tensor, type Shape, type Tensor } from '../../src/ir/tensor.js';
import { rng } from '../helpers/data.js';
import { exactCheck } from '../helpers/exact-check.js';
import { useGpu } from '../helpers/gpu.js';
import type { Operand } from '../helpers/op-layer.js';

const check = exactCheck(useGpu());
const quantize = (operands: Operand[], attrs: Attrs = {}) => check('quantize.linear', 'QuantizeLinear', operands, attrs);
const dequantize = (operands: Operand[], attrs: Attrs = {}) => check('dequantize.linear', 'DequantizeLinear', operands, attrs);

/**
 * Floats that hit every case: multiples of 1/8 (exact ties for power-of-two scales), random
 * values, values far beyond the u8/i8 range, and a few -0, NaN and infinities.
 */
function floats(shape: Shape, seed: number, dtype: 'f32' | 'f16' = 'f32'): Tensor {
  const r = rng(seed);
  const v = Array.from({ length: sizeOf(shape) }, (_, i) => {
    const u = r();
    if (i % 53 === 7) return [-0, NaN, Infinity, -Infinity][i % 4]!;
    if (i % 3 === 0) return Math.round((u - 0.5) * 400) / 8;
    if (i % 3 === 1) return (u - 0.5) * 20;
    return (u - 0.5) * 4000;
  });
  return fromFloat64(dtype, shape, v);
}

function uniform(dtype: DType, shape: Shape, seed: number, lo: number, hi: number, integer = true): Tensor {
  const r = rng(seed);
  return fromFloat64(dtype, shape, Array.from({ length: sizeOf(shape) }, () => (integer ? Math.floor(lo + (hi - lo + 1) * r()) : lo + (hi - lo) * r())));
}

const RANGE: Readonly<Record<'u8' | 'i8', [number, number]>> = { u8: [0, 255], i8: [-128, 127] };
const c = (t: Tensor): Operand => ({ constant: t });

describe('quantize.linear vs reference (exact)', () => {
  for (const zt of ['u8', 'i8'] as const) {
    const [lo, hi] = RANGE[zt];
    it(`${zt}: per tensor, with ties at power-of-two scales, saturation, NaN and infinities`, async () => {
      const x = floats([1000, 67], 1);
      for (const s of [0.25, 1, 0.0173, 3.7]) {
        await quantize([x, c(tensor('f32', [], [s])), c(tensor(zt, [], [zt === 'u8' ? 128 : -3]))]);
      }
      await quantize([x, c(tensor('f32', [1], [0.5])), c(tensor(zt, [1], [7]))]);
    });
    it(`${zt}: per axis (0, 1, -1) on [3, 5, 7], scale and zero point constant or fed`, async () => {
      const x = floats([3, 5, 7], 2);
      for (const axis of [0, 1, -1]) {
        const d = [3, 5, 7].at(axis)!;
        const scale = uniform('f32', [d], 3 + axis, 0.05, 2, false);
        const zp = uniform(zt, [d], 4 + axis, lo, hi);
        await quantize([x, c(scale), c(zp)], { axis });
        await quantize([x, scale, zp], { axis });
      }
    });
    it(`${zt}: blocked (opset 21) with an uneven last block, and without a zero point`, async () => {
      const x = floats([4, 7, 3], 5);
      const scale = uniform('f32', [4, 3, 3], 6, 0.1, 3, false);
      await quantize([x, c(scale), c(uniform(zt, [4, 3, 3], 7, lo, hi))], { axis: 1, block_size: 3 });
      const s2 = uniform('f32', [4, 7, 2], 8, 0.1, 3, false);
      await quantize([x, c(s2), c(uniform(zt, [4, 7, 2], 9, lo, hi))], { axis: -1, block_size: 2 });
      await quantize([x, c(scale)], { axis: 1, block_size: 3, output_dtype: zt });
    });
  }
  it('f16 input and an f16 scale', async () => {
    const x = floats([17, 9], 10, 'f16');
    await quantize([x, c(fromFloat64('f16', [], [0.125])), c(tensor('i8', [], [1]))]);
    await quantize([x, c(fromFloat64('f16', [9], Array.from({ length: 9 }, (_, i) => 0.25 + i))), c(tensor('u8', [9], [0, 1, 2, 3, 128, 200, 250, 255, 9]))], { axis: 1 });
  });
  it('divides in f32: quotients that round to a tie in f32 go to even', async () => {
    // In float64 these quotients are 196.500002... and 8.50000028...; in f32 they are 196.5 and 8.5.
    await quantize([tensor('f32', [1], [137.6282958984375]), c(tensor('f32', [], [0.7003984451293945])), c(tensor('u8', [], [0]))]);
    await quantize([tensor('f32', [1], [0.08500798046588898]), c(tensor('f32', [], [0.010000938549637794]))]);
  });
});

describe('dequantize.linear vs reference (exact)', () => {
  for (const xt of ['u8', 'i8', 'i32'] as const) {
    const [lo, hi] = xt === 'i32' ? [-3000000, 3000000] : RANGE[xt];
    it(`${xt}: per tensor, per axis and blocked, with and without a zero point`, async () => {
      const x = uniform(xt, [6, 11, 5], 11, lo, hi);
      await dequantize([x, c(tensor('f32', [], [0.0371]))]);
      await dequantize([x, c(tensor('f32', [], [0.0371])), c(tensor(xt, [], [xt === 'u8' ? 128 : -7]))]);
      for (const axis of [0, 1, -1]) {
        const d = [6, 11, 5].at(axis)!;
        await dequantize([x, c(uniform('f32', [d], 12, -2, 2, false)), c(uniform(xt, [d], 13, lo, hi))], { axis });
      }
      await dequantize([x, uniform('f32', [11], 14, 0.01, 1, false)]);
      await dequantize([x, c(uniform('f32', [6, 3, 5], 15, 0.01, 1, false)), c(uniform(xt, [6, 3, 5], 16, lo, hi))], { axis: 1, block_size: 4 });
    });
  }
  it('a large odd-sized tensor, and an f16 scale with an f32 output', async () => {
    await dequantize([uniform('u8', [999, 37], 17, 0, 255), c(tensor('f32', [], [0.5])), c(tensor('u8', [], [3]))]);
    await dequantize([uniform('i8', [5, 4], 18, -128, 127), c(fromFloat64('f16', [4], [0.1, 0.2, 0.3, 0.4]))], { output_dtype: 'f32' });
  });
});
