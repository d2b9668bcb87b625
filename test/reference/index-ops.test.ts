import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { ints } from '../helpers/exact-check.js';
import type { Operand } from '../helpers/op-layer.js';
import { opLayer } from '../helpers/op-layer.js';
import { opLayerN } from '../helpers/op-layer-n.js';

function run(op: string, operands: Operand[], attrs: Attrs = {}): Tensor {
  const { layer, inputs } = opLayer(op, operands, attrs);
  return runReferenceLayer(layer, inputs)[0]!;
}

function topk(x: Tensor, k: number, attrs: Attrs = {}): [Tensor, Tensor] {
  const { layer, inputs } = opLayerN('TopK', [x, ints([k])], attrs, 2);
  const [v, i] = runReferenceLayer(layer, inputs);
  return [v!, i!];
}

function expectTensor(got: Tensor, dtype: string, shape: number[], values: number[]): void {
  expect(got.dtype).toBe(dtype);
  expect(got.shape).toEqual(shape);
  expect(Array.from(toFloat64(got))).toEqual(values);
}

const example = tensor('f32', [2, 2], [2, 2, 3, 10]);
// The random [2, 3, 4] data of the ONNX backend tests test_argmax_*_random (float32 values).
const random = tensor('f32', [2, 3, 4], [
  0.9762700796127319, 4.3037872314453125, 2.055267572402954, 0.8976636528968811, -1.5269039869308472, 2.917882204055786,
  -1.248255729675293, 7.835460186004639, 9.273255348205566, -2.331169605255127, 5.834500789642334, 0.577898383140564,
  1.3608912229537964, 8.511932373046875, -8.579278945922852, -8.257413864135742, -9.59563159942627, 6.6523966789245605,
  5.563135147094727, 7.400242805480957, 9.572366714477539, 5.983171463012695, -0.7704127430915833, 5.610583305358887,
]);

describe('ArgMax / ArgMin reference (ONNX backend test data)', () => {
  it('default axis 0 with keepdims, and select_last_index', () => {
    expectTensor(run('ArgMax', [example]), 'i64', [1, 2], [1, 1]);
    expectTensor(run('ArgMax', [example], { select_last_index: 1 }), 'i64', [1, 2], [1, 1]);
  });
  it('axis 1 and axis -1: ties go to the first index unless select_last_index', () => {
    expectTensor(run('ArgMax', [example], { axis: 1 }), 'i64', [2, 1], [0, 1]);
    expectTensor(run('ArgMax', [example], { axis: -1 }), 'i64', [2, 1], [0, 1]);
    expectTensor(run('ArgMax', [example], { axis: 1, select_last_index: 1 }), 'i64', [2, 1], [1, 1]);
  });
  it('random data: keepdims 1 and 0, negative axis', () => {
    expectTensor(run('ArgMax', [random], { axis: 1 }), 'i64', [2, 1, 4], [2, 0, 2, 1, 2, 0, 1, 1]);
    expectTensor(run('ArgMax', [random], { axis: 1, keepdims: 0 }), 'i64', [2, 4], [2, 0, 2, 1, 2, 0, 1, 1]);
    expectTensor(run('ArgMax', [random], { axis: -1, select_last_index: 1 }), 'i64', [2, 3, 1], [1, 3, 0, 1, 3, 0]);
  });
  it('ArgMin by hand, integer input, and ties', () => {
    const x = tensor('i32', [2, 4], [3, -1, 7, -1, 5, 5, 2, 9]);
    expectTensor(run('ArgMin', [x], { axis: 1, keepdims: 0 }), 'i64', [2], [1, 2]);
    expectTensor(run('ArgMin', [x], { axis: 1, keepdims: 0, select_last_index: 1 }), 'i64', [2], [3, 2]);
    expectTensor(run('ArgMax', [x], { axis: 0 }), 'i64', [1, 4], [1, 1, 0, 1]);
    expectTensor(run('ArgMax', [tensor('i64', [3], [4, 9, 9])], { keepdims: 0 }), 'i64', [], [1]);
  });
  it('orders -0 equal to +0 and NaN above +inf', () => {
    const x = tensor('f32', [5], [-0, 0, Infinity, NaN, NaN]);
    expectTensor(run('ArgMax', [x]), 'i64', [1], [3]);
    expectTensor(run('ArgMax', [x], { select_last_index: 1 }), 'i64', [1], [4]);
    expectTensor(run('ArgMin', [x]), 'i64', [1], [0]);
    expectTensor(run('ArgMin', [x], { select_last_index: 1 }), 'i64', [1], [1]);
  });
  it('rejects an axis out of range and bool input', () => {
    expect(() => run('ArgMax', [example], { axis: 2 })).toThrow(/argmax0.*axis 2 is out of range for rank 2/);
    expect(() => run('ArgMax', [tensor('bool', [2], [0, 1])])).toThrow(/argmax0.*numeric/);
  });
});

describe('TopK reference (ONNX backend test data)', () => {
  const x = tensor('f32', [3, 4], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  it('test_top_k: K = 3 along axis 1 and axis -1', () => {
    for (const axis of [1, -1]) {
      const [v, i] = topk(x, 3, { axis });
      expectTensor(v, 'f32', [3, 3], [3, 2, 1, 7, 6, 5, 11, 10, 9]);
      expectTensor(i, 'i64', [3, 3], [3, 2, 1, 3, 2, 1, 3, 2, 1]);
    }
  });
  it('test_top_k_same_values: equal values keep the lower index first (largest and smallest)', () => {
    const same = tensor('i64', [4], [0, 0, 0, 0]);
    for (const largest of [0, 1]) {
      const [v, i] = topk(same, 3, { axis: 0, largest });
      expectTensor(v, 'i64', [3], [0, 0, 0]);
      expectTensor(i, 'i64', [3], [0, 1, 2]);
    }
  });
  it('smallest along axis 0, with ties, by hand', () => {
    const y = tensor('f32', [4, 2], [5, 1, 2, 1, 2, 0, 9, 1]);
    const [v, i] = topk(y, 3, { axis: 0, largest: 0 });
    expectTensor(v, 'f32', [3, 2], [2, 0, 2, 1, 5, 1]);
    expectTensor(i, 'i64', [3, 2], [1, 2, 2, 0, 0, 1]);
    const [vl, il] = topk(y, 2, { axis: 0 });
    expectTensor(vl, 'f32', [2, 2], [9, 1, 5, 1]);
    expectTensor(il, 'i64', [2, 2], [3, 0, 0, 1]);
  });
  it('K = dim sorts the whole axis; NaN counts as the largest value', () => {
    const y = tensor('f32', [6], [0.5, NaN, -Infinity, -0, 0, 3]);
    const [v, i] = topk(y, 6);
    expect(Array.from(toFloat64(i))).toEqual([1, 5, 0, 3, 4, 2]);
    expect(Array.from(toFloat64(v))).toEqual([NaN, 3, 0.5, -0, 0, -Infinity]);
  });
  it('copies f16 values exactly', () => {
    const y = tensor('f16', [3], new Uint16Array([0x3c00, 0xbc00, 0x4000])); // 1, -1, 2
    const [v, i] = topk(y, 2, { axis: 0 });
    expect(Array.from(v.data as Uint16Array)).toEqual([0x4000, 0x3c00]);
    expect(Array.from(toFloat64(i))).toEqual([2, 0]);
  });
  it('rejects K out of range, a K of several values, and a K that is not a constant', () => {
    expect(() => topk(x, 5)).toThrow(/topk0.*K = 5 is out of range for an axis of 4 elements/);
    expect(() => opLayerN('TopK', [x, ints([1, 2])], {}, 2)).toThrow(/K must hold one value/);
    expect(() => opLayerN('TopK', [x, tensor('i64', [1], [2])], {}, 2)).toThrow(/K \(input 1, 'x1'\) must be a constant/);
  });
});
