import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { Attrs } from '../../src/ir/graph.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import type { Operand } from '../helpers/op-layer.js';
import { opLayerN } from '../helpers/op-layer-n.js';

function runAll(op: string, operands: Operand[], attrs: Attrs = {}, outputs = 1): Tensor[] {
  const { layer, inputs } = opLayerN(op, operands, attrs, outputs);
  return runReferenceLayer(layer, inputs);
}

const run = (op: string, operands: Operand[], attrs: Attrs = {}) => runAll(op, operands, attrs)[0]!;

function expectValues(got: Tensor, shape: number[], want: number[], tol = 1e-6): void {
  expect(got.shape).toEqual(shape);
  const g = toFloat64(got);
  expect(g.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(g[i]! - w)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));
}

const f = (shape: number[], v: number[]) => tensor('f32', shape, v);
const ints = (v: number[]) => ({ constant: tensor('i64', [v.length], v) });
const iota = (shape: number[]) => f(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));

describe('layout reference: reshape family', () => {
  it('Flatten, Reshape (with 0 and -1), Squeeze, Unsqueeze keep the data order', () => {
    const x = iota([2, 3, 4]);
    const want = Array.from({ length: 24 }, (_, i) => i);
    expectValues(run('Flatten', [x], { axis: 2 }), [6, 4], want);
    expectValues(run('Flatten', [x], { axis: -3 }), [1, 24], want);
    expectValues(run('Reshape', [x, ints([0, -1])]), [2, 12], want);
    expectValues(run('Squeeze', [iota([1, 3, 1]), ints([-1])]), [1, 3], [0, 1, 2]);
    expectValues(run('Unsqueeze', [iota([3]), ints([0, -1])]), [1, 3, 1], [0, 1, 2]);
  });
  it('keep i64 values exactly', () => {
    const big = tensor('i64', [2], new BigInt64Array([2n ** 50n + 1n, -3n]));
    const got = run('Reshape', [big, ints([2, 1])]);
    expect(Array.from(got.data as BigInt64Array)).toEqual([2n ** 50n + 1n, -3n]);
  });
});

describe('layout reference: Transpose', () => {
  it('default perm reverses the axes', () => {
    expectValues(run('Transpose', [f([2, 3], [1, 2, 3, 4, 5, 6])]), [3, 2], [1, 4, 2, 5, 3, 6]);
  });
  it('y[i,j,k] = x[j,k,i] for perm [2, 0, 1]', () => {
    const x = iota([2, 3, 4]);
    const got = toFloat64(run('Transpose', [x], { perm: [2, 0, 1] }));
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) expect(got[(i * 2 + j) * 3 + k]).toBe((j * 3 + k) * 4 + i);
  });
});

describe('layout reference: Concat and Split (ONNX examples)', () => {
  const a = f([2, 2], [1, 2, 3, 4]);
  const b = f([2, 2], [5, 6, 7, 8]);
  it('Concat on axis 0, 1 and -1', () => {
    expectValues(run('Concat', [a, b], { axis: 0 }), [4, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    expectValues(run('Concat', [a, b], { axis: 1 }), [2, 4], [1, 2, 5, 6, 3, 4, 7, 8]);
    expectValues(run('Concat', [a, f([2, 1], [9, 10]), b], { axis: -1 }), [2, 5], [1, 2, 9, 5, 6, 3, 4, 10, 7, 8]);
  });
  it('Split: equal parts, variable parts, uneven num_outputs, 2-D on axis 1', () => {
    const x = f([6], [1, 2, 3, 4, 5, 6]);
    const eq = runAll('Split', [x], {}, 3);
    [[1, 2], [3, 4], [5, 6]].forEach((w, i) => expectValues(eq[i]!, [2], w));
    const vp = runAll('Split', [x, ints([2, 4])], {}, 2);
    expectValues(vp[0]!, [2], [1, 2]);
    expectValues(vp[1]!, [4], [3, 4, 5, 6]);
    const un = runAll('Split', [f([7], [1, 2, 3, 4, 5, 6, 7])], { num_outputs: 4 }, 4);
    [[1, 2], [3, 4], [5, 6], [7]].forEach((w, i) => expectValues(un[i]!, [w.length], w));
    const two = runAll('Split', [iota([2, 6])], { axis: -1 }, 2);
    expectValues(two[0]!, [2, 3], [0, 1, 2, 6, 7, 8]);
    expectValues(two[1]!, [2, 3], [3, 4, 5, 9, 10, 11]);
  });
});

describe('layout reference: Slice', () => {
  const data = f([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
  it('ONNX examples: steps and clamped ends', () => {
    expectValues(run('Slice', [data, ints([1, 0]), ints([2, 3]), ints([0, 1]), ints([1, 2])]), [1, 2], [5, 7]);
    expectValues(run('Slice', [data, ints([0, 1]), ints([-1, 1000])]), [1, 3], [2, 3, 4]);
  });
  it('negative steps: full reverse and a strided reverse', () => {
    const x = iota([10]);
    expectValues(run('Slice', [x, ints([-1]), ints([-11]), ints([0]), ints([-1])]), [10], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expectValues(run('Slice', [x, ints([8]), ints([1]), ints([0]), ints([-3])]), [3], [8, 5, 2]);
    // Negative axis, negative step on a 2-D tensor: data[:, 3:0:-2].
    expectValues(run('Slice', [data, ints([3]), ints([0]), ints([-1]), ints([-2])]), [2, 2], [4, 2, 8, 6]);
  });
});

describe('layout reference: Pad (ONNX examples and hand-computed)', () => {
  const x = f([3, 2], [1.0, 1.2, 2.3, 3.4, 4.5, 5.7]);
  const pads = ints([0, 2, 0, 0]);
  it('constant, reflect, edge', () => {
    expectValues(run('Pad', [x, pads], { mode: 'constant' }), [3, 4], [0, 0, 1.0, 1.2, 0, 0, 2.3, 3.4, 0, 0, 4.5, 5.7]);
    expectValues(run('Pad', [x, pads], { mode: 'reflect' }), [3, 4], [1.0, 1.2, 1.0, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7, 4.5, 5.7]);
    expectValues(run('Pad', [x, pads], { mode: 'edge' }), [3, 4], [1.0, 1.0, 1.0, 1.2, 2.3, 2.3, 2.3, 3.4, 4.5, 4.5, 4.5, 5.7]);
  });
  it('wrap', () => {
    const got = run('Pad', [x, ints([2, 1, 1, 1])], { mode: 'wrap' });
    const rows = [[3.4, 2.3, 3.4, 2.3], [5.7, 4.5, 5.7, 4.5], [1.2, 1.0, 1.2, 1.0]];
    expectValues(got, [6, 4], [...rows, ...rows].flat());
  });
  it('constant_value input, axes input, negative pads crop', () => {
    expectValues(run('Pad', [f([2], [1, 2]), ints([1, 2]), { constant: f([], [7]) }]), [5], [7, 1, 2, 7, 7]);
    expectValues(run('Pad', [iota([2, 3]), ints([1, -1]), undefined, ints([-1])]), [2, 3], [0, 0, 1, 0, 3, 4]);
  });
  it('reflect with pads of 2 on both sides of a length-3 axis', () => {
    expectValues(run('Pad', [f([3], [1, 2, 3]), ints([2, 2])], { mode: 'reflect' }), [7], [3, 2, 1, 2, 3, 2, 1]);
  });
});

describe('layout reference: Expand and Gather (ONNX examples)', () => {
  it('Expand to a larger rank and to the same rank', () => {
    const x = f([3, 1], [1, 2, 3]);
    const row = (v: number) => new Array<number>(6).fill(v);
    expectValues(run('Expand', [x, ints([2, 1, 6])]), [2, 3, 6], [1, 2, 3, 1, 2, 3].flatMap(row));
    expectValues(run('Expand', [x, ints([3, 4])]), [3, 4], [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  });
  it('Gather on axis 0 and axis 1, negative indices', () => {
    const data = f([3, 2], [1.0, 1.2, 2.3, 3.4, 4.5, 5.7]);
    const idx = tensor('i64', [2, 2], [0, 1, 1, 2]);
    expectValues(run('Gather', [data, idx], { axis: 0 }), [2, 2, 2], [1.0, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7]);
    const d3 = f([3, 3], [1.0, 1.2, 1.9, 2.3, 3.4, 3.9, 4.5, 5.7, 5.9]);
    expectValues(run('Gather', [d3, tensor('i32', [1, 2], [0, 2])], { axis: 1 }), [3, 1, 2], [1.0, 1.9, 2.3, 3.9, 4.5, 5.9]);
    expectValues(run('Gather', [iota([10]), tensor('i64', [3], [0, -9, -10])]), [3], [0, 1, 0]);
    expectValues(run('Gather', [iota([2, 3]), tensor('i32', [], [-1])], { axis: -1 }), [2], [2, 5]);
  });
  it('Gather rejects an index out of range', () => {
    expect(() => run('Gather', [iota([3]), tensor('i32', [1], [3])])).toThrow(InputError);
  });
});
