import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { randomF32 } from '../helpers/data.js';
import { nodeLayer } from '../helpers/node-layer.js';
import { opLayerN } from '../helpers/op-layer-n.js';

function run(op: string, inputs: (Tensor | undefined)[], attrs: Record<string, number> = {}): Tensor {
  return runReferenceLayer(nodeLayer(op, inputs, { attrs }), inputs)[0]!;
}

const f32 = (shape: number[], v: number[]) => tensor('f32', shape, v);

function expectClose(t: Tensor, want: number[], digits = 5): void {
  const v = Array.from(toFloat64(t));
  expect(v.length).toBe(want.length);
  v.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, digits));
}

describe('BatchNormalization reference', () => {
  it('the ONNX example: x = [-1, 0, 1], [2, 3, 4] per channel', () => {
    const x = f32([1, 2, 1, 3], [-1, 0, 1, 2, 3, 4]);
    const y = run('BatchNormalization', [x, f32([2], [1, 1.5]), f32([2], [0, 1]), f32([2], [0, 3]), f32([2], [1, 1.5])]);
    expectClose(y, [-0.999995, 0, 0.999995, -0.22474074, 1, 2.2247407]);
  });
  it('epsilon and rank-2 input (no spatial dims)', () => {
    const x = f32([2, 2], [1, 2, 3, 4]);
    const y = run('BatchNormalization', [x, f32([2], [2, 1]), f32([2], [0, -1]), f32([2], [1, 0]), f32([2], [3, 0.5])], { epsilon: 1 });
    // channel 0: (x - 1) / 2 * 2; channel 1: x / sqrt(1.5) - 1
    expectClose(y, [0, 2 / Math.sqrt(1.5) - 1, 2, 4 / Math.sqrt(1.5) - 1]);
  });
});

describe('InstanceNormalization reference', () => {
  it('the ONNX example', () => {
    const x = f32([1, 2, 1, 3], [-1, 0, 1, 2, 3, 4]);
    const y = run('InstanceNormalization', [x, f32([2], [1, 1.5]), f32([2], [0, 1])]);
    expectClose(y, [-1.22473796, 0, 1.22473796, -0.83710694, 1, 2.83710694]);
  });
  it('each (n, c) comes out with mean bias and standard deviation |scale|', () => {
    const x = randomF32([2, 3, 5, 7], 4, -3, 5);
    const y = toFloat64(run('InstanceNormalization', [x, f32([3], [1, 2, -0.5]), f32([3], [0, 1, 3])], { epsilon: 1e-9 }));
    for (let row = 0; row < 6; row++) {
      const v = y.subarray(row * 35, (row + 1) * 35);
      const mean = v.reduce((a, b) => a + b, 0) / 35;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / 35);
      expect(mean).toBeCloseTo([0, 1, 3][row % 3]!, 5);
      expect(sd).toBeCloseTo([1, 2, 0.5][row % 3]!, 5);
    }
  });
});

describe('LayerNormalization reference', () => {
  it('a hand-computed row: [1, 2, 3, 4] -> mean 2.5, variance 1.25', () => {
    const y = run('LayerNormalization', [f32([1, 4], [1, 2, 3, 4]), f32([4], [1, 1, 1, 1]), f32([4], [0, 0, 0, 10])], { epsilon: 0 });
    const s = Math.sqrt(1.25);
    expectClose(y, [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s + 10]);
  });
  it('axis 1 of a rank-3 input normalizes each batch over both trailing dims; bias is optional', () => {
    const x = randomF32([2, 3, 4], 5, -2, 2);
    const y = toFloat64(run('LayerNormalization', [x, f32([3, 4], new Array<number>(12).fill(1))], { axis: 1, epsilon: 1e-9 }));
    for (let b = 0; b < 2; b++) {
      const v = y.subarray(b * 12, (b + 1) * 12);
      const mean = v.reduce((a, c) => a + c, 0) / 12;
      expect(mean).toBeCloseTo(0, 6);
      expect(v.reduce((a, c) => a + (c - mean) ** 2, 0) / 12).toBeCloseTo(1, 5);
    }
  });
  it('scale and bias broadcast over the normalized shape (negative axis)', () => {
    // normalized shape [2, 2] per batch; scale [2] applies along the last dim, bias [2, 1] along the first.
    const x = f32([1, 2, 2], [0, 2, 4, 6]); // mean 3, variance 5
    const y = run('LayerNormalization', [x, f32([2], [1, 10]), f32([2, 1], [100, 200])], { axis: -2, epsilon: 0 });
    const s = Math.sqrt(5);
    expectClose(y, [-3 / s + 100, (-1 / s) * 10 + 100, 1 / s + 200, (3 / s) * 10 + 200], 4);
  });
  it('optional Mean and InvStdDev outputs: one float32 value per row, normalized dims kept as 1s', () => {
    // rows [1, 2, 3, 4] (mean 2.5, variance 1.25) and [0, 0, 4, 4] (mean 2, variance 4)
    const x = f32([2, 1, 2, 2], [1, 2, 3, 4, 0, 0, 4, 4]);
    const { layer, inputs } = opLayerN('LayerNormalization', [x, f32([1], [1])], { axis: 2, epsilon: 0.25 }, 3);
    expect(layer.outputs.map((t) => t && [t.dtype, t.shape])).toEqual([['f32', [2, 1, 2, 2]], ['f32', [2, 1, 1, 1]], ['f32', [2, 1, 1, 1]]]);
    const [y, mean, inv] = runReferenceLayer(layer, inputs);
    expect(mean!.shape).toEqual([2, 1, 1, 1]);
    expectClose(mean!, [2.5, 2]);
    expectClose(inv!, [1 / Math.sqrt(1.5), 1 / Math.sqrt(4.25)]);
    expectClose(y!, [-1.5, -0.5, 0.5, 1.5, -2, -2, 2, 2].map((d, i) => d * (i < 4 ? 1 / Math.sqrt(1.5) : 1 / Math.sqrt(4.25))));
  });
  it('Mean/InvStdDev shapes for a rank-4 input: axis 2 and axis -3; either output may be absent', () => {
    const x = randomF32([2, 3, 4, 5], 7);
    const shapes = (axis: number, outs: boolean[]) => opLayerN('LayerNormalization', [x, randomF32([5], 8)], { axis }, outs).layer.outputs.map((t) => t?.shape);
    expect(shapes(2, [true, true, true])).toEqual([[2, 3, 4, 5], [2, 3, 1, 1], [2, 3, 1, 1]]);
    expect(shapes(-3, [true, true])).toEqual([[2, 3, 4, 5], [2, 1, 1, 1]]);
    expect(shapes(0, [true, false, true])).toEqual([[2, 3, 4, 5], undefined, [1, 1, 1, 1]]);
    // InvStdDev alone matches the full run's.
    const both = opLayerN('LayerNormalization', [x, randomF32([5], 8)], { axis: -1 }, 3);
    const alone = opLayerN('LayerNormalization', [x, randomF32([5], 8)], { axis: -1 }, [true, false, true]);
    expect(Array.from(toFloat64(runReferenceLayer(alone.layer, alone.inputs)[2]!))).toEqual(Array.from(toFloat64(runReferenceLayer(both.layer, both.inputs)[2]!)));
  });
  it('Mean/InvStdDev need stash_type 1 (float32) and the Y output', () => {
    const x = randomF32([2, 3], 1);
    expect(() => opLayerN('LayerNormalization', [x, randomF32([3], 2)], {}, [false, true])).toThrow(/'layernormalization0'.*Y\) is required/);
    expect(() => opLayerN('LayerNormalization', [x, randomF32([3], 2)], { stash_type: 10 }, 2)).toThrow(/stash_type 10/);
    expect(opLayerN('LayerNormalization', [x, randomF32([3], 2)], { stash_type: 10 }, [true, false]).layer.outputs.length).toBe(2);
  });
  it('shape errors name the node', () => {
    const x = randomF32([2, 3, 4], 1);
    expect(() => nodeLayer('LayerNormalization', [x, randomF32([3], 2)], { name: 'ln_final' })).toThrow(ShapeError);
    expect(() => nodeLayer('LayerNormalization', [x, randomF32([3], 2)], { name: 'ln_final' })).toThrow(/'ln_final'.*scale/);
    expect(() => nodeLayer('LayerNormalization', [x, randomF32([4], 2)], { name: 'ln_final', attrs: { axis: 3 } })).toThrow(/'ln_final'.*axis 3/);
    expect(() => nodeLayer('InstanceNormalization', [x, randomF32([2], 2), randomF32([3], 3)], { name: 'in1' })).toThrow(/'in1'.*scale/);
  });
});
