/**
 * Int8Conv test cases (src/ir/ops/int8.ts), and the same computation written with standard ops as
 * the independent oracle: DequantizeLinear(x), DequantizeLinear(w, axis 0) -> Conv -> (Add
 * residual) -> (Relu) -> (QuantizeLinear), run by the reference executor. Shared by test/reference/int8-conv.test.ts and
 * test/tactics/int8-conv.test.ts.
 */
import { expect } from 'vitest';
import { Graph, node, type Attrs, type Node } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { fromFloat64, sizeOf, tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { rng } from './data.js';

export interface Int8ConvCase {
  readonly name: string;
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly bias?: boolean;
  readonly relu?: boolean;
  /** y_scale: requantize the output to i8. */
  readonly yScale?: number;
  /** An f32 residual of the output's shape, added before the activation. */
  readonly residual?: boolean;
  /** Zero points of x (the padding's value) and of the requantized y. */
  readonly xZp?: number;
  readonly yZp?: number;
  readonly attrs?: Attrs;
}

/**
 * Small enough for lavapipe; channels per group 1, 3, 5, 6, 8, 13 (not multiples of 4 where it
 * matters), groups, strides, pads, dilations, 1x1 and 1-D kernels, batches, both outputs.
 */
export const INT8_CONV_CASES: readonly Int8ConvCase[] = [
  { name: '3x3 pad 1, C 13 -> 21, bias, Relu, f32 out', x: [1, 13, 11, 9], w: [21, 13, 3, 3], bias: true, relu: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: '3x3 pad 1, C 13 -> 21, bias, Relu, i8 out', x: [1, 13, 11, 9], w: [21, 13, 3, 3], bias: true, relu: true, yScale: 0.04, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'stride 2, asymmetric pads, batch 2, no bias, i8 out', x: [2, 6, 13, 12], w: [10, 6, 3, 3], yScale: 0.05, attrs: { strides: [2, 2], pads: [1, 0, 2, 1] } },
  { name: 'dilation 2, 3x2 kernel, C 5, batch 3, bias, f32 out', x: [3, 5, 12, 10], w: [7, 5, 3, 2], bias: true, attrs: { dilations: [2, 2], pads: [2, 1, 2, 1] } },
  { name: 'groups 2, C 12 -> 10 (6 per group), Relu, i8 out', x: [1, 12, 9, 9], w: [10, 6, 3, 3], relu: true, yScale: 0.03, attrs: { group: 2, pads: [1, 1, 1, 1] } },
  { name: 'groups 3, C 9 -> 6 (3 per group), stride 2, bias, f32 out', x: [2, 9, 10, 11], w: [6, 3, 3, 3], bias: true, attrs: { group: 3, strides: [2, 2] } },
  { name: 'depthwise (groups 8, 1 channel each), bias, Relu, i8 out', x: [1, 8, 7, 8], w: [8, 1, 3, 3], bias: true, relu: true, yScale: 0.025, attrs: { group: 8, pads: [1, 1, 1, 1] } },
  { name: '1x1, C 32 -> 40, batch 2, bias, f32 out', x: [2, 32, 6, 7], w: [40, 32, 1, 1], bias: true },
  { name: '1x1 stride 2, C 8 -> 70 (several row tiles), i8 out', x: [1, 8, 11, 9], w: [70, 8, 1, 1], yScale: 0.02, attrs: { strides: [2, 2] } },
  { name: 'auto_pad SAME_UPPER stride 2, C 3 (a stem), bias, Relu, f32 out', x: [1, 3, 15, 14], w: [16, 3, 5, 5], bias: true, relu: true, attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: '1-D, dilation 2, pads, batch 2, bias, i8 out', x: [2, 7, 40], w: [9, 7, 5], bias: true, yScale: 0.05, attrs: { dilations: [2], pads: [3, 2] } },
  { name: '3x3 pad 1, C 6 -> 10, batch 2, bias, residual, Relu, f32 out', x: [2, 6, 7, 9], w: [10, 6, 3, 3], bias: true, residual: true, relu: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: '1x1, C 16 -> 24, residual, Relu, i8 out', x: [1, 16, 6, 5], w: [24, 16, 1, 1], residual: true, relu: true, yScale: 0.04 },
  { name: '3x3 pad 1, C 13 -> 21, x zero point -20, bias, Relu, f32 out', x: [1, 13, 11, 9], w: [21, 13, 3, 3], bias: true, relu: true, xZp: -20, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'stride 2, asymmetric pads, zero points x 37 and y -15, i8 out', x: [2, 6, 13, 12], w: [10, 6, 3, 3], yScale: 0.05, xZp: 37, yZp: -15, attrs: { strides: [2, 2], pads: [1, 0, 2, 1] } },
];

const uniform = (seed: number, n: number, lo: number, hi: number): number[] => {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
};
const ints = (seed: number, n: number, lo: number, hi: number): number[] => uniform(seed, n, lo, hi + 1).map(Math.floor);

export interface Int8ConvData {
  readonly x: Tensor;
  readonly w: Tensor;
  readonly bias: Tensor | undefined;
  readonly xScale: Tensor;
  readonly wScale: Tensor;
  readonly yScale: Tensor | undefined;
  readonly residual: Tensor | undefined;
}

/**
 * Seeded operands: x in [-128, 127], w in [-127, 127] (every i8 value but -128, as symmetric weight
 * quantization gives), scales that put y around ±5 and, with y_scale, saturate some outputs.
 */
export function int8ConvData(c: Int8ConvCase, seed: number): Int8ConvData {
  const m = c.w[0]!;
  const d: Int8ConvData = {
    x: fromFloat64('i8', c.x, ints(seed, sizeOf(c.x), -128, 127)),
    w: fromFloat64('i8', c.w, ints(seed + 1, sizeOf(c.w), -127, 127)),
    bias: c.bias ? fromFloat64('f32', [m], uniform(seed + 2, m, -2, 2)) : undefined,
    xScale: tensor('f32', [], [0.0173]),
    wScale: fromFloat64('f32', [m], uniform(seed + 3, m, 0.5, 2).map((s) => s / (60 * Math.sqrt(sizeOf(c.w.slice(1)))))),
    yScale: c.yScale === undefined ? undefined : tensor('f32', [], [c.yScale]),
    residual: undefined,
  };
  if (!c.residual) return d;
  const shape = int8ConvGraph(c, d).type('y').shape;
  return { ...d, residual: fromFloat64('f32', shape, uniform(seed + 4, sizeOf(shape), -3, 3)) };
}

/** The Int8Conv graph: x fed (i8), everything else constant; output 'y'. `f32Out` drops y_scale. */
export function int8ConvGraph(c: Int8ConvCase, d: Int8ConvData, opts: { f32Out?: boolean } = {}): Graph {
  const yScale = opts.f32Out ? undefined : d.yScale;
  const inits = new Map<string, Tensor>([['w', d.w], ['x_scale', d.xScale], ['w_scale', d.wScale]]);
  if (d.bias) inits.set('bias', d.bias);
  if (yScale) inits.set('y_scale', yScale);
  if (d.residual) inits.set('residual', d.residual);
  const inputs = ['x', 'w', d.bias ? 'bias' : '', 'x_scale', 'w_scale', yScale ? 'y_scale' : '', d.residual ? 'residual' : ''];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const zps = { ...(c.xZp ? { x_zero_point: c.xZp } : {}), ...(c.yZp && yScale ? { y_zero_point: c.yZp } : {}) };
  const conv = node({ name: 'qconv', op: 'Int8Conv', inputs, outputs: ['y'], attrs: { ...c.attrs, activation: c.relu ? 'Relu' : '', ...zps } });
  return inferTypes(new Graph({ name: 'int8conv', inputs: [{ name: 'x', type: { dtype: 'i8', shape: c.x } }], outputs: ['y'], nodes: [conv], initializers: inits }));
}

/** The oracle: DequantizeLinear x and w -> Conv -> (Add residual) -> (Relu) -> (QuantizeLinear, zero point 0), standard ops only. */
export function qdqConvGraph(c: Int8ConvCase, d: Int8ConvData): Graph {
  const inits = new Map<string, Tensor>([['w', d.w], ['x_scale', d.xScale], ['w_scale', d.wScale], ['x_zp', tensor('i8', [], [c.xZp ?? 0])]]);
  const nodes: Node[] = [
    node({ name: 'dq_x', op: 'DequantizeLinear', inputs: ['x', 'x_scale', 'x_zp'], outputs: ['xf'] }),
    node({ name: 'dq_w', op: 'DequantizeLinear', inputs: ['w', 'w_scale'], outputs: ['wf'], attrs: { axis: 0 } }),
  ];
  // Int8Conv pads with x's zero point where DequantizeLinear -> Conv pads with 0: the difference,
  // zx * Σ w[m] * x_scale * w_scale[m], goes into the oracle's bias (what the graph pass does).
  let bias = d.bias;
  if (c.xZp) {
    const [w, ws, xs] = [toFloat64(d.w), toFloat64(d.wScale), toFloat64(d.xScale)[0]!];
    const m = c.w[0]!;
    const per = w.length / m;
    const b = d.bias ? toFloat64(d.bias) : new Float64Array(m);
    bias = fromFloat64('f32', [m], Array.from(b, (v, k) => v + c.xZp! * w.subarray(k * per, (k + 1) * per).reduce((s, x) => s + x, 0) * xs * ws[k]!));
  }
  nodes.push(node({ name: 'conv', op: 'Conv', inputs: ['xf', 'wf', ...(bias ? ['bias'] : [])], outputs: ['c'], attrs: c.attrs ?? {} }));
  if (bias) inits.set('bias', bias);
  let last = 'c';
  if (d.residual) {
    inits.set('residual', d.residual);
    nodes.push(node({ name: 'add', op: 'Add', inputs: [last, 'residual'], outputs: [(last = 'sum')] }));
  }
  if (c.relu) nodes.push(node({ name: 'relu', op: 'Relu', inputs: [last], outputs: [(last = 'r')] }));
  if (d.yScale) {
    inits.set('y_scale', d.yScale).set('y_zp', tensor('i8', [], [c.yZp ?? 0]));
    nodes.push(node({ name: 'q_y', op: 'QuantizeLinear', inputs: [last, 'y_scale', 'y_zp'], outputs: [(last = 'q')] }));
  }
  return inferTypes(new Graph({ name: 'qdq-conv', inputs: [{ name: 'x', type: { dtype: 'i8', shape: c.x } }], outputs: [last], nodes, initializers: inits }));
}

/** f32 outputs: |got - want| <= tol * max |want| (the error of float sums is relative to the terms' scale, not each output's). */
export function expectClose(got: Tensor, want: Tensor, tol: number, what: string): void {
  expect(got.dtype).toBe(want.dtype);
  expect(got.shape).toEqual(want.shape);
  const [a, b] = [toFloat64(got), toFloat64(want)];
  const scale = Math.max(...b.map(Math.abs));
  expect(scale, `${what}: the output is all zeros, a weak test`).toBeGreaterThan(0);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst / scale, what).toBeLessThanOrEqual(tol);
}

/**
 * i8 outputs: equal, but for ±1 where the float value y / y_scale (from `yFloat`, the f32-output
 * result) lies within 1e-5 (relative) of a .5 rounding tie: two correct float sums may round it
 * either way. Returns how many such ties differed.
 */
export function expectQuantizedEqual(got: Tensor, want: Tensor, yFloat: Tensor, yScale: number, what: string): number {
  expect(got.dtype).toBe('i8');
  expect(want.dtype).toBe('i8');
  expect(got.shape).toEqual(want.shape);
  const [a, b, f] = [toFloat64(got), toFloat64(want), toFloat64(yFloat)];
  let ties = 0;
  const bad: string[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const v = Math.fround(f[i]! / yScale);
    const nearTie = Math.abs(Math.abs(v - Math.trunc(v)) - 0.5) <= 1e-5 * Math.max(1, Math.abs(v));
    if (nearTie && Math.abs(a[i]! - b[i]!) === 1) ties++;
    else if (bad.length < 5) bad.push(`[${i}] got ${a[i]}, want ${b[i]} (y / y_scale = ${v})`);
  }
  expect(bad, what).toEqual([]);
  // Saturation and both signs must be exercised for the check to mean something.
  expect(b.some((v) => v === 127) || b.some((v) => v === -128), `${what}: no output saturates`).toBe(true);
  return ties;
}
