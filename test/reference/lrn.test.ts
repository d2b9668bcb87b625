import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { randomF32 } from '../helpers/data.js';
import { nodeLayer } from '../helpers/node-layer.js';

function lrn(x: Tensor, attrs: Record<string, number>): number[] {
  return Array.from(toFloat64(runReferenceLayer(nodeLayer('LRN', [x], { attrs }), [x])[0]!));
}

function expectClose(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
}

describe('LRN reference', () => {
  // Channels 1, 2, 3, 4 at one position; alpha = size makes alpha / size = 1, beta 1, bias 1.
  const x = tensor('f32', [1, 4, 1, 1], [1, 2, 3, 4]);

  it('odd size 3: the window is c-1 .. c+1, clipped at the edges', () => {
    // square sums 1+4, 1+4+9, 4+9+16, 9+16
    expectClose(lrn(x, { size: 3, alpha: 3, beta: 1, bias: 1 }), [1 / 6, 2 / 15, 3 / 30, 4 / 26]);
  });

  it('even size 2: the window is c .. c+1 (floor before, ceil after)', () => {
    // square sums 1+4, 4+9, 9+16, 16
    expectClose(lrn(x, { size: 2, alpha: 2, beta: 1, bias: 1 }), [1 / 6, 2 / 14, 3 / 26, 4 / 17]);
  });

  it('size 1, beta and bias', () => {
    expectClose(lrn(x, { size: 1, alpha: 0.5, beta: 0.5, bias: 2 }), [1, 2, 3, 4].map((v) => v / Math.sqrt(2 + 0.5 * v * v)));
  });

  it('the ONNX example formula (default alpha, beta, bias) on 5x5x5x5 random data', () => {
    // onnx/docs/Operators.md, LRN: square_sum[n, c, h, w] = sum(x[n, max(0, c - floor((nsize - 1) / 2)) :
    // min(5, c + ceil((nsize - 1) / 2) + 1), h, w] ** 2); y = x / (bias + alpha / nsize * square_sum) ** beta.
    const nsize = 3;
    const xr = randomF32([5, 5, 5, 5], 3, -3, 3);
    const v = toFloat64(xr);
    const want: number[] = [];
    for (let n = 0; n < 5; n++) {
      for (let c = 0; c < 5; c++) {
        for (let hw = 0; hw < 25; hw++) {
          let sq = 0;
          for (let j = Math.max(0, c - Math.floor((nsize - 1) / 2)); j < Math.min(5, c + Math.ceil((nsize - 1) / 2) + 1); j++) sq += v[(n * 5 + j) * 25 + hw]! ** 2;
          want.push(v[(n * 5 + c) * 25 + hw]! / (1 + (0.0001 / nsize) * sq) ** 0.75);
        }
      }
    }
    expectClose(lrn(xr, { size: nsize }), want);
  });

  it('a window wider than the channels sums them all; rank 2 and rank 5 inputs', () => {
    const x2 = tensor('f32', [2, 3], [1, 2, 2, 0, 3, 4]);
    // every channel sums all three: 9 and 25
    expectClose(lrn(x2, { size: 9, alpha: 9, beta: 1, bias: 0 }), [1 / 9, 2 / 9, 2 / 9, 0, 3 / 25, 4 / 25]);
    const x5 = tensor('f32', [1, 2, 1, 1, 2], [1, 2, 3, 4]);
    // channel pairs (1, 3) and (2, 4) at the two positions
    expectClose(lrn(x5, { size: 2, alpha: 2, beta: 1, bias: 1 }), [1 / 11, 2 / 21, 3 / 10, 4 / 17]);
  });
});

describe('LRN shape errors name the node', () => {
  const layer = (shape: number[], attrs: Record<string, number>) => nodeLayer('LRN', [randomF32(shape, 1)], { attrs, name: 'norm1' });
  it('size missing or below 1, input without a channel axis', () => {
    expect(() => layer([1, 3, 2, 2], {})).toThrow(ShapeError);
    expect(() => layer([1, 3, 2, 2], {})).toThrow(/'norm1' \(LRN\).*'size'.*required/);
    expect(() => layer([1, 3, 2, 2], { size: 0 })).toThrow(/'norm1'.*size must be at least 1/);
    expect(() => layer([5], { size: 3 })).toThrow(/'norm1'.*rank 1/);
  });
});
