import { describe, expect, it } from 'vitest';
import { tensor, toFloat64 } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { opLayer } from '../helpers/op-layer.js';

function softsign(shape: number[], v: number[]): number[] {
  const { layer, inputs } = opLayer('Softsign', [tensor('f32', shape, v)]);
  const y = runReferenceLayer(layer, inputs)[0]!;
  expect(y.shape).toEqual(shape);
  return Array.from(toFloat64(y));
}

describe('Softsign reference: x / (1 + |x|)', () => {
  it('the ONNX example', () => {
    expect(softsign([3], [-1, 0, 1])).toEqual([-0.5, 0, 0.5]);
  });

  it('hand-computed values, odd symmetry, saturation toward +-1', () => {
    const got = softsign([2, 3], [-3, -0.25, 0.25, 3, 1e6, -1e30]);
    const want = [-0.75, -0.2, 0.2, 0.75, 1e6 / (1 + 1e6), -1];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 7));
  });
});
