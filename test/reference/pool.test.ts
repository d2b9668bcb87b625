import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { randomF32 } from '../helpers/data.js';
import { nodeLayer } from '../helpers/node-layer.js';
import { opLayerN } from '../helpers/op-layer-n.js';

const iota1 = (shape: number[]) => tensor('f32', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1));

function pool(op: string, x: Tensor, attrs: Record<string, number | string | number[]> = {}): Tensor {
  return runReferenceLayer(nodeLayer(op, [x], { attrs }), [x])[0]!;
}

function values(t: Tensor): number[] {
  return Array.from(t.data as Float32Array);
}

describe('MaxPool reference: ONNX operator examples (5x5 or 4x4 input 1..n)', () => {
  it('maxpool_2d_pads: kernel 5, pads 2', () => {
    const y = pool('MaxPool', iota1([1, 1, 5, 5]), { kernel_shape: [5, 5], pads: [2, 2, 2, 2] });
    expect(values(y)).toEqual([13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25]);
  });
  it('maxpool_2d_precomputed_strides, ceil and dilations', () => {
    expect(values(pool('MaxPool', iota1([1, 1, 5, 5]), { kernel_shape: [2, 2], strides: [2, 2] }))).toEqual([7, 9, 17, 19]);
    expect(values(pool('MaxPool', iota1([1, 1, 4, 4]), { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }))).toEqual([11, 12, 15, 16]);
    expect(values(pool('MaxPool', iota1([1, 1, 4, 4]), { kernel_shape: [2, 2], dilations: [2, 2] }))).toEqual([11, 12, 15, 16]);
  });
  it('maxpool_2d_same_upper: padded positions never win', () => {
    const y = pool('MaxPool', iota1([1, 1, 5, 5]), { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' });
    expect(values(y)).toEqual([7, 9, 10, 17, 19, 20, 22, 24, 25]);
  });
  it('padding never wins over negative values', () => {
    const x = tensor('f32', [1, 1, 3], [-5, -3, -4]);
    expect(values(pool('MaxPool', x, { kernel_shape: [2], pads: [1, 1] }))).toEqual([-5, -3, -3, -4]);
  });
  it('1-D and 3-D', () => {
    expect(values(pool('MaxPool', tensor('f32', [1, 1, 5], [3, 1, 4, 1, 5]), { kernel_shape: [2], strides: [2], ceil_mode: 1 }))).toEqual([3, 4, 5]);
    const y = pool('MaxPool', iota1([1, 1, 2, 3, 4]), { kernel_shape: [2, 2, 2], strides: [1, 1, 2] });
    expect(y.shape).toEqual([1, 1, 1, 2, 2]);
    expect(values(y)).toEqual([18, 20, 22, 24]);
  });
});

/** MaxPool with both outputs: values and Indices (as numbers). */
function maxPoolWithIndices(x: Tensor, attrs: Record<string, number | string | number[]>): { y: number[]; indices: number[]; dtype: string } {
  const { layer, inputs } = opLayerN('MaxPool', [x], attrs, 2);
  const [y, indices] = runReferenceLayer(layer, inputs);
  expect(indices!.shape).toEqual(y!.shape);
  return { y: values(y!), indices: Array.from(toFloat64(indices!)), dtype: indices!.dtype };
}

describe('MaxPool reference: the Indices output', () => {
  it('maxpool_with_argmax_2d_precomputed_pads: int64 row-major positions', () => {
    const { y, indices, dtype } = maxPoolWithIndices(iota1([1, 1, 5, 5]), { kernel_shape: [5, 5], pads: [2, 2, 2, 2] });
    expect(dtype).toBe('i64');
    expect(indices).toEqual(y.map((v) => v - 1));
    expect(indices).toEqual([12, 13, 14, 14, 14, 17, 18, 19, 19, 19, 22, 23, 24, 24, 24, 22, 23, 24, 24, 24, 22, 23, 24, 24, 24]);
  });
  it('maxpool_with_argmax_2d_precomputed_strides: storage_order 1 is column major (h + w * H)', () => {
    const { y, indices } = maxPoolWithIndices(iota1([1, 1, 5, 5]), { kernel_shape: [2, 2], strides: [2, 2], storage_order: 1 });
    expect(y).toEqual([7, 9, 17, 19]);
    expect(indices).toEqual([6, 16, 8, 18]);
  });
  it('ties go to the first position in window order, whatever the storage order', () => {
    // window 0 holds 7 at (0, 1) and (1, 0): (0, 1) comes first in window (row-major) order.
    const x = tensor('f32', [1, 1, 2, 3], [0, 7, 2, 7, 1, 2]);
    expect(maxPoolWithIndices(x, { kernel_shape: [2, 2] }).indices).toEqual([1, 1]);
    expect(maxPoolWithIndices(x, { kernel_shape: [2, 2], storage_order: 1 }).indices).toEqual([2, 2]);
  });
  it('indices count over N and C too, and point at the max inside its own window', () => {
    const x = randomF32([2, 3, 5, 7], 9);
    const xs = toFloat64(x);
    const attrs = { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 1, 1], ceil_mode: 1 };
    const { y, indices } = maxPoolWithIndices(x, attrs);
    const outPlane = y.length / 6;
    indices.forEach((at, i) => {
      expect(xs[at]).toBe(y[i]);
      expect(Math.floor(at / 35)).toBe(Math.floor(i / outPlane)); // same (n, c) plane
    });
    // storage_order 1 transposes the spatial position only.
    const col = maxPoolWithIndices(x, { ...attrs, storage_order: 1 }).indices;
    col.forEach((at, i) => {
      const plane = Math.floor(indices[i]! / 35);
      const s = indices[i]! % 35;
      expect(at).toBe(plane * 35 + (s % 7) * 5 + Math.floor(s / 7));
    });
  });
  it('1-D with ceil_mode, and 3-D in both storage orders', () => {
    expect(maxPoolWithIndices(tensor('f32', [1, 1, 5], [3, 1, 4, 1, 5]), { kernel_shape: [2], strides: [2], ceil_mode: 1 }).indices).toEqual([0, 2, 4]);
    const attrs = { kernel_shape: [2, 2, 2], strides: [1, 1, 2] };
    const x = iota1([1, 1, 2, 3, 4]);
    expect(maxPoolWithIndices(x, attrs).indices).toEqual([17, 19, 21, 23]);
    // column major over [2, 3, 4]: d + 2 * (h + 3 * w)
    expect(maxPoolWithIndices(x, { ...attrs, storage_order: 1 }).indices).toEqual([9, 21, 11, 23]);
  });
  it('only MaxPool has a second output; storage_order is 0 or 1; Y is not optional', () => {
    const x = randomF32([1, 2, 4, 4], 3);
    expect(() => opLayerN('AveragePool', [x], { kernel_shape: [2, 2] }, 2)).toThrow(/AveragePool.*2 outputs/);
    expect(() => opLayerN('MaxPool', [x], { kernel_shape: [2, 2], storage_order: 2 }, 2)).toThrow(/storage_order must be 0/);
    expect(() => opLayerN('MaxPool', [x], { kernel_shape: [2, 2] }, [false, true])).toThrow(/'maxpool0'.*Y\) is required/);
  });
});

describe('AveragePool reference', () => {
  it('averagepool_2d_pads (count_include_pad=0): divides by the positions inside the input', () => {
    const y = pool('AveragePool', iota1([1, 1, 5, 5]), { kernel_shape: [5, 5], pads: [2, 2, 2, 2] });
    const want = [7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13, 13.5, 14, 14.5, 15, 15.5, 16, 16.5, 17, 17.5, 18, 18.5, 19];
    values(y).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
  });
  it('averagepool_2d_pads_count_include_pad: divides by the whole window', () => {
    const y = pool('AveragePool', iota1([1, 1, 5, 5]), { kernel_shape: [3, 3], pads: [2, 2, 2, 2], count_include_pad: 1 });
    expect(y.shape).toEqual([1, 1, 7, 7]);
    const v = values(y);
    expect(v[0]).toBeCloseTo(1 / 9, 6); // only x[0][0] = 1 is inside
    expect(v[1]).toBeCloseTo(3 / 9, 6); // 1 + 2
    expect(v[2 * 7 + 2]).toBeCloseTo(63 / 9, 6); // rows 0-2 x cols 0-2
    expect(v[48]).toBeCloseTo(25 / 9, 6);
  });
  it('averagepool_2d_ceil', () => {
    expect(values(pool('AveragePool', iota1([1, 1, 4, 4]), { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }))).toEqual([6, 7.5, 12, 13.5]);
  });
  it('the average of a constant is that constant, whatever the padding (count_include_pad=0)', () => {
    const x = tensor('f32', [2, 3, 7, 13], new Array<number>(2 * 3 * 7 * 13).fill(2.5));
    const y = pool('AveragePool', x, { kernel_shape: [3, 4], strides: [2, 3], pads: [1, 2, 2, 0], ceil_mode: 1 });
    for (const v of values(y)) expect(v).toBeCloseTo(2.5, 6);
  });
  it('with dilations, count_include_pad counts only positions inside the padded input', () => {
    // 1-D: 4 inputs, kernel 2, dilation 2, pads 1: windows at -1/1, 0/2, 1/3, 2/4(pad).
    const x = tensor('f32', [1, 1, 4], [1, 2, 3, 4]);
    expect(values(pool('AveragePool', x, { kernel_shape: [2], dilations: [2], pads: [1, 1] }))).toEqual([2, 2, 3, 3]);
    expect(values(pool('AveragePool', x, { kernel_shape: [2], dilations: [2], pads: [1, 1], count_include_pad: 1 }))).toEqual([1, 2, 3, 1.5]);
  });
});

describe('global pools reference', () => {
  it('GlobalAveragePool and GlobalMaxPool reduce every spatial position per (n, c)', () => {
    const x = tensor('f32', [1, 2, 2, 2], [1, 2, 3, 4, -1, -2, -3, -10]);
    const avg = pool('GlobalAveragePool', x);
    expect(avg.shape).toEqual([1, 2, 1, 1]);
    expect(values(avg)).toEqual([2.5, -4]);
    expect(values(pool('GlobalMaxPool', x))).toEqual([4, -1]);
  });
});

describe('pool shape errors name the node', () => {
  it('a window larger than the input, or attributes of the wrong length', () => {
    const x = randomF32([1, 2, 3, 3], 1);
    const make = (attrs: Record<string, number[]>) => () => nodeLayer('MaxPool', [x], { attrs, name: 'pool7' });
    expect(make({ kernel_shape: [4, 4] })).toThrow(ShapeError);
    expect(make({ kernel_shape: [4, 4] })).toThrow(/'pool7' \(MaxPool\).*does not fit/);
    expect(make({ kernel_shape: [2, 2], strides: [1] })).toThrow(/'pool7'.*spatial dims/);
  });
});
