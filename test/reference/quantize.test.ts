import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../src/errors.js';
import { Graph, node, type Attrs } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { verify } from '../../src/ir/verify.js';
import { roundHalfEven } from '../../src/reference/quantize.js';
import { runReference, runReferenceLayer } from '../../src/reference/index.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

function run(op: string, operands: Operand[], attrs: Attrs = {}): Tensor {
  const { layer, inputs } = opLayer(op, operands, attrs);
  return runReferenceLayer(layer, inputs)[0]!;
}

function expectTensor(got: Tensor, dtype: string, shape: readonly number[], values: readonly number[]): void {
  expect(got.dtype).toBe(dtype);
  expect(got.shape).toEqual(shape);
  expect(Array.from(toFloat64(got))).toEqual(values);
}

const f32 = (shape: number[], v: number[]) => tensor('f32', shape, v);
const u8 = (shape: number[], v: number[]) => tensor('u8', shape, v);
const i8 = (shape: number[], v: number[]) => tensor('i8', shape, v);

// test_quantizelinear_axis / test_dequantizelinear_axis of the ONNX backend tests.
const axisX = f32([1, 3, 3, 2], [-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44, 245, -485, -960, -270, -375, -470]);
const axisQ = [3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102];
const axisScale = f32([3], [2, 4, 5]);
const axisZp = u8([3], [84, 24, 196]);

describe('roundHalfEven', () => {
  it('rounds ties to the even neighbour, others to the nearest', () => {
    const v = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001, -3.5, 1e9 + 0.5, 7];
    expect(v.map(roundHalfEven).map((x) => x + 0)).toEqual([0, 2, 2, 0, -2, -2, 2, 3, -4, 1e9, 7]);
  });
});

describe('QuantizeLinear reference (ONNX backend test data)', () => {
  it('test_quantizelinear: per tensor, u8, ties to even, saturation', () => {
    const x = f32([6], [0, 2, 3, 1000, -254, -1000]);
    expectTensor(run('QuantizeLinear', [x, f32([], [2]), u8([], [128])]), 'u8', [6], [128, 129, 130, 255, 1, 0]);
  });
  it('test_quantizelinear_axis: per axis 1 (the default)', () => {
    expectTensor(run('QuantizeLinear', [axisX, axisScale, axisZp]), 'u8', [1, 3, 3, 2], axisQ);
    expectTensor(run('QuantizeLinear', [axisX, axisScale, axisZp], { axis: -3 }), 'u8', [1, 3, 3, 2], axisQ);
  });
  it('i8 by hand: ties to even around zero, saturation at -128 and 127, NaN to the zero point', () => {
    const x = f32([8], [-1.5, -0.5, 0.5, 2.5, 300, -300, NaN, -Infinity]);
    expectTensor(run('QuantizeLinear', [x, f32([], [1]), i8([], [0])]), 'i8', [8], [-2, 0, 0, 2, 127, -128, 0, -128]);
    expectTensor(run('QuantizeLinear', [x, f32([1], [0.5]), i8([1], [-3])]), 'i8', [8], [-6, -4, -2, 2, 127, -128, -3, -128]);
  });
  it('without a zero point: u8 by default, or output_dtype', () => {
    const x = f32([4], [-3, 0.6, 254.5, 1000]);
    expectTensor(run('QuantizeLinear', [x, f32([], [1])]), 'u8', [4], [0, 1, 254, 255]);
    expectTensor(run('QuantizeLinear', [x, f32([], [1])], { output_dtype: 'i8' }), 'i8', [4], [-3, 1, 127, 127]);
  });
  it('divides in f32, as ONNX does: a quotient that rounds to a tie in f32 goes to even', () => {
    // In float64 these quotients are 196.500002... and 8.50000028...; in f32 they are 196.5 and 8.5.
    expectTensor(run('QuantizeLinear', [f32([1], [137.6282958984375]), f32([], [0.7003984451293945]), u8([], [0])]), 'u8', [1], [196]);
    expectTensor(run('QuantizeLinear', [f32([1], [0.08500798046588898]), f32([], [0.010000938549637794]), u8([], [0])]), 'u8', [1], [8]);
  });
  it('blocked scale (opset 21) by hand: axis 1, block_size 2', () => {
    const x = f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const scale = f32([2, 2], [1, 2, 4, 8]);
    expectTensor(run('QuantizeLinear', [x, scale], { block_size: 2 }), 'u8', [2, 4], [1, 2, 2, 2, 1, 2, 1, 1]);
    // An uneven last block: 3 elements in blocks of 2 along axis 0.
    const y = f32([3, 2], [10, 20, 30, 40, 50, 60]);
    expectTensor(run('QuantizeLinear', [y, f32([2, 2], [10, 20, 5, 4]), u8([2, 2], [1, 2, 3, 4])], { axis: 0, block_size: 2 }), 'u8', [3, 2], [2, 3, 4, 4, 13, 19]);
  });
  it('f16 input', () => {
    const x = tensor('f16', [3], new Uint16Array([0x3c00, 0xc100, 0x3800])); // 1, -2.5, 0.5
    expectTensor(run('QuantizeLinear', [x, f32([], [1]), i8([], [0])]), 'i8', [3], [1, -2, 0]);
  });
  it('rejects bad scales, zero points and dtypes, naming the node', () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(() => run('QuantizeLinear', [x, f32([2], [1, 1])])).toThrow(/quantizelinear0.*per-axis scale along axis 1 must have shape \[3\], got \[2\]/);
    expect(() => run('QuantizeLinear', [x, f32([3], [1, 1, 1]), u8([], [0])])).toThrow(/zero point's shape \[\] differs from the scale's \[3\]/);
    expect(() => run('QuantizeLinear', [x, f32([2, 1], [1, 1])], { block_size: 2 })).toThrow(/blocked scale \(block_size 2 along axis 1\) must have shape \[2, 2\], got \[2, 1\]/);
    expect(() => run('QuantizeLinear', [x, f32([], [1]), tensor('i32', [], [0])])).toThrow(UnsupportedError);
    expect(() => run('QuantizeLinear', [x, f32([], [1]), u8([], [0])], { output_dtype: 'i8' })).toThrow(/output_dtype i8 differs from the zero point's dtype u8/);
    expect(() => run('QuantizeLinear', [tensor('i32', [1], [1]), f32([], [1])])).toThrow(/x must be f32 or f16, got i32/);
    expect(() => run('QuantizeLinear', [x, tensor('i32', [], [1])])).toThrow(/scale must be f32 or f16/);
  });
});

describe('DequantizeLinear reference (ONNX backend test data)', () => {
  it('the ONNX doc example: per tensor u8', () => {
    expectTensor(run('DequantizeLinear', [u8([4], [0, 3, 128, 255]), f32([], [2]), u8([], [128])]), 'f32', [4], [-256, -250, 0, 254]);
  });
  it('test_dequantizelinear_axis: per axis 1', () => {
    expectTensor(run('DequantizeLinear', [u8([1, 3, 3, 2], axisQ), axisScale, axisZp]), 'f32', [1, 3, 3, 2], Array.from(toFloat64(axisX)));
  });
  it('test_dequantizelinear_blocked: axis 1, block_size 2', () => {
    const x = u8([1, 4, 3, 2], [3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 5, 12, 12, 33, 65, 42, 245, 99, 4, 142, 121, 102]);
    const scale = f32([1, 2, 3, 2], [3, 2, 4, 1, 2, 2, 5, 2, 4, 3, 5, 2]);
    const zp = u8([1, 2, 3, 2], [1, 0, 0, 1, 2, 20, 3, 2, 4, 3, 15, 2]);
    expectTensor(run('DequantizeLinear', [x, scale, zp], { axis: 1, block_size: 2 }), 'f32', [1, 4, 3, 2], [
      6, 178, 136, 199, 144, 78, 12, 48, 96, 86, 60, -14, 10, 20, 32, 90, 250, 80, 1210, 194, 0, 417, 530, 200,
    ]);
  });
  it('i8 and i32 inputs, with and without a zero point', () => {
    expectTensor(run('DequantizeLinear', [i8([4], [-128, -1, 0, 127]), f32([], [0.5]), i8([], [-1])]), 'f32', [4], [-63.5, 0, 0.5, 64]);
    expectTensor(run('DequantizeLinear', [tensor('i32', [3], [-100000, 7, 2 ** 30]), f32([], [0.25])]), 'f32', [3], [-25000, 1.75, 2 ** 28]);
  });
  it('an f16 scale gives an f16 output; output_dtype chooses too', () => {
    const h = tensor('f16', [], new Uint16Array([0x3800])); // 0.5
    expectTensor(run('DequantizeLinear', [u8([2], [3, 4]), h]), 'f16', [2], [1.5, 2]);
    expectTensor(run('DequantizeLinear', [u8([2], [3, 4]), f32([], [0.5])], { output_dtype: 'f16' }), 'f16', [2], [1.5, 2]);
  });
  it('rejects float input and a zero point of another dtype', () => {
    expect(() => run('DequantizeLinear', [f32([1], [1]), f32([], [1])])).toThrow(UnsupportedError);
    expect(() => run('DequantizeLinear', [u8([1], [1]), f32([], [1]), i8([], [0])])).toThrow(/dequantizelinear0.*zero point is i8, x is u8/);
  });
});

describe('Q/DQ graphs with i8 and u8 tensors', () => {
  it('verify() and the reference executor accept a QuantizeLinear -> DequantizeLinear chain', () => {
    for (const [zpType, zpValue] of [['i8', -5], ['u8', 100]] as const) {
      const initializers = new Map<string, Tensor>([
        ['s', f32([3], [0.1, 0.5, 2])],
        ['zp', tensor(zpType, [3], [zpValue, zpValue, zpValue])],
      ]);
      const g = inferTypes(
        new Graph({
          name: 'qdq',
          inputs: [{ name: 'x', type: { dtype: 'f32', shape: [2, 3] } }],
          outputs: ['y'],
          nodes: [
            node({ name: 'q', op: 'QuantizeLinear', inputs: ['x', 's', 'zp'], outputs: ['xq'] }),
            node({ name: 'dq', op: 'DequantizeLinear', inputs: ['xq', 's', 'zp'], outputs: ['y'] }),
          ],
          initializers,
        }),
      );
      expect(() => verify(g)).not.toThrow();
      expect(g.type('xq').dtype).toBe(zpType);
      const x = f32([2, 3], [0.26, -1.3, 7, 1, 0.74, -3]);
      const { y, xq } = runReference(g, { x }, { keep: 'all' });
      expect(xq!.dtype).toBe(zpType);
      // The round trip snaps each value to its channel's grid: 0.1, 0.5 and 2 apart.
      expect(Array.from(toFloat64(y!)).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.3, -1.5, 8, 1, 0.5, -4]);
    }
  });
});
