// The batch dimension of a network: dim 0 of every input, changed and typed again.
import { describe, expect, it } from 'vitest';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { ShapeError } from '../../src/errors.js';
import { declaredInputs } from '../../src/frontend/onnx/inputs.js';
import { wg } from '../../src/frontend/text/index.js';
import { batchOf, withBatch } from '../../src/ir/batch.js';

describe('batchOf and withBatch', () => {
  it('sets dim 0 of the inputs and infers every type again', () => {
    const g = demoNetwork();
    expect(batchOf(g)).toBe(1);
    const b = withBatch(g, 4);
    expect(batchOf(b)).toBe(4);
    expect(b.inputs[0]!.type.shape).toEqual([4, 3, 32, 32]);
    expect(b.type('probabilities').shape).toEqual([4, 10]);
  });

  it('a network without a batch dimension, or one whose shapes fix the batch, is a ShapeError', () => {
    const flat = wg`network flat { input x: f32[8] output y = relu(x) }`;
    expect(batchOf(flat)).toBeUndefined();
    expect(() => withBatch(flat, 2)).toThrow(ShapeError);
    expect(batchOf(wg`network two { input x: f32[2x4] input z: f32[3x4] output y = relu(x) output w = relu(z) }`)).toBeUndefined();
    const fixed = wg`network fixed { input x: f32[1x2x4] output y = reshape(x, [1, 8]) }`;
    expect(batchOf(fixed)).toBe(1);
    expect(() => withBatch(fixed, 2)).toThrow(/network 'fixed' does not take batch 2: .*reshape/i);
  });
});

describe('declaredInputs', () => {
  it('reads the declared dims of an ONNX model, symbolic ones by name', () => {
    expect(declaredInputs('test/models/fashion-mnist/small_cnn.onnx')).toEqual([{ name: 'image', dims: ['batch', 1, 28, 28] }]);
  });
});
