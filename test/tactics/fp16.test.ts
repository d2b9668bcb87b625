// The fp16 tactics (src/tactics/families/fp16.ts) against the reference executor, which computes
// in float64 from the f32 data.
//
// Tolerance: the kernels round each weight and each activation to f16 (relative error at most
// 2^-11, uniform: RMS 2^-11/sqrt(3) = 2.8e-4 each), round each product to f16 (another 2.8e-4) and
// add in f32 (negligible). On random data these errors are independent, so an output's relative
// error is about sqrt(3) x 2.8e-4 = 4.9e-4, whatever K: relative L2 ~5e-4 and, per element,
// within a few times that of the output's scale (its largest magnitude). We allow 2e-3 (2^-9) in
// relative L2 and 4e-3 of the output's scale per element: four times the expected error, far below
// a wrong index or a missed term (>1e-2). And at least 1e-5 in relative L2: the f32 tactics are
// within 1e-6, so a smaller error would mean the kernel did not compute in half precision.
import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import { toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { CONV_IMPLICIT_GEMM_F16, GEMM_TILED_F16 } from '../../src/tactics/families/fp16.js';
import { candidates, type Tactic, type TacticParams } from '../../src/tactics/index.js';
import { packConstant } from '../../src/tactics/pack.js';
import { f16BitsToF32 } from '../../src/ir/dtype.js';
import { ACTIVATION_CASES } from '../helpers/activations.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { convInputs, type ConvCase } from '../helpers/conv-case.js';
import { nodeLayer } from '../helpers/node-layer.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

const gpu = useGpu();

/** Relative L2 error allowed (see the file comment). */
export const F16_REL_L2 = 2e-3;
/** Largest element error allowed, as a fraction of the output's largest magnitude. */
export const F16_OF_SCALE = 4e-3;

/** `got` within f16's tolerance of `want`, and not within f32's. */
export function expectF16Close(got: Tensor, want: Tensor, what: string): void {
  expect(got.shape).toEqual(want.shape);
  const [a, b] = [toFloat64(got), toFloat64(want)];
  const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const worst = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  const err = relL2(got, want);
  expect(err, `${what}: relative L2`).toBeLessThan(F16_REL_L2);
  expect(err, `${what}: relative L2 as small as f32's (was it computed in f16?)`).toBeGreaterThan(1e-5);
  expect(worst / scale, `${what}: largest error / output scale`).toBeLessThan(F16_OF_SCALE);
}

async function check(t: Tactic, layer: ReturnType<typeof nodeLayer>, inputs: (Tensor | undefined)[], points: readonly TacticParams[]): Promise<void> {
  expect(candidates(layer)).toContain(t);
  const want = runReferenceLayer(layer, inputs)[0]!;
  for (const p of points) {
    const [got] = await runLayer(await gpu(), layer, t, inputs, p);
    expectF16Close(got!, want, `${t.id} ${JSON.stringify(p)}`);
  }
}

it("pack 'f16' stores two IEEE halves per word, element 2i in the low half", () => {
  const t = packConstant({ dtype: 'f32', shape: [3], data: new Float32Array([1, -2, 0.1]) }, { pack: 'f16' });
  expect(t.dtype).toBe('i32');
  const w = t.data as Int32Array;
  expect(w.length).toBe(2);
  expect([w[0]! & 0xffff, w[0]! >>> 16, w[1]! & 0xffff, w[1]! >>> 16].map(f16BitsToF32)).toEqual([1, -2, f16BitsToF32(0x2e66), 0]);
});

const CONV_CASES: ConvCase[] = [
  { name: '3x3 pad 1, 13 -> 21 channels on 19x17 (M 21, N 323, K 117), bias', x: [1, 13, 19, 17], w: [21, 13, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: '3x3 stride 2, dilation 2, asymmetric pads, batch 2', x: [2, 7, 23, 21], w: [19, 7, 3, 3], bias: true, attrs: { strides: [2, 2], dilations: [2, 2], pads: [1, 0, 2, 3] } },
  { name: '1x1, 35 -> 67 channels, no bias', x: [1, 35, 15, 18], w: [67, 35, 1, 1] },
  { name: '7x7 stride 2 pad 3 from 3 channels (K 147)', x: [1, 3, 33, 31], w: [16, 3, 7, 7], bias: true, attrs: { strides: [2, 2], pads: [3, 3, 3, 3] } },
  { name: 'small: K 3, 1x1 from 3 channels (conv.implicit_gemm leaves it to conv.direct)', x: [1, 3, 6, 5], w: [5, 3, 1, 1], bias: true },
  { name: 'K 576 (3x3 from 64 channels)', x: [1, 64, 10, 9], w: [32, 64, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { name: '1-D, dilation 2, pads, batch 2', x: [2, 9, 150], w: [11, 9, 5], bias: true, attrs: { dilations: [2], pads: [3, 2] } },
];

describe('conv.implicit_gemm_f16 matches the reference (Conv)', () => {
  CONV_CASES.forEach((c, i) => {
    it(c.name, async () => {
      const inputs = convInputs(c, 10 * i + 1);
      const layer = nodeLayer('Conv', inputs, { attrs: c.attrs ?? {}, constants: [1, 2] });
      await check(CONV_IMPLICIT_GEMM_F16, layer, inputs, i === 0 ? CONV_IMPLICIT_GEMM_F16.space : CONV_IMPLICIT_GEMM_F16.space.slice(0, 2));
    });
  });
  it('is offered only with a constant weight, and only for 1-D and 2-D convs of group 1', () => {
    const x = randomF32([1, 8, 9, 9], 1);
    expect(CONV_IMPLICIT_GEMM_F16.supports(nodeLayer('Conv', [x, randomF32([8, 8, 3, 3], 2)]))).toBe(false);
    expect(CONV_IMPLICIT_GEMM_F16.supports(nodeLayer('Conv', [x, randomF32([8, 4, 3, 3], 2)], { attrs: { group: 2 }, constants: [1] }))).toBe(false);
    expect(CONV_IMPLICIT_GEMM_F16.supports(nodeLayer('Conv', [randomF32([1, 2, 4, 4, 4], 1), randomF32([3, 2, 2, 2, 2], 2)], { constants: [1] }))).toBe(false);
  });
});

describe('conv.implicit_gemm_f16 matches the reference (FusedConv)', () => {
  const conv: Attrs = { strides: [2, 2], pads: [1, 2, 1, 0], dilations: [1, 2] };
  const x = randomF32([2, 11, 31, 29], 101, -2, 2);
  const w = randomF32([17, 11, 3, 3], 102);
  const b = randomF32([17], 103);
  const r = randomF32(nodeLayer('Conv', [x, w], { attrs: conv }).outputs[0]!.shape, 104);
  for (const act of ACTIVATION_CASES.filter((a) => ['', 'Relu', 'Sigmoid', 'HardSwish'].includes(a.activation))) {
    it(`act '${act.activation || 'none'}', bias and residual`, async () => {
      const attrs = { ...conv, activation: act.activation, activation_params: act.params };
      const inputs = [x, w, b, r];
      await check(CONV_IMPLICIT_GEMM_F16, nodeLayer('FusedConv', inputs, { attrs, constants: [1, 2] }), inputs, CONV_IMPLICIT_GEMM_F16.space.slice(0, 1));
    });
  }
});

async function checkGemm(op: string, operands: Operand[], attrs: Attrs = {}, points: readonly TacticParams[] = GEMM_TILED_F16.space.slice(0, 2)): Promise<void> {
  const { layer, inputs } = opLayer(op, operands, attrs);
  await check(GEMM_TILED_F16, layer, inputs, points);
}

describe('gemm.tiled_f16 matches the reference', () => {
  const cases: [number[], number[]][] = [
    [[1, 17], [17, 33]], // M = 1
    [[33, 65], [65, 17]],
    [[64, 64], [64, 64]],
    [[2, 3, 5, 70], [70, 9]],
    [[5, 1, 4, 6], [3, 6, 2]], // broadcast batches
    [[3, 10, 9], [9]], // 1-D right
  ];
  for (const [sa, sb] of cases) {
    it(`MatMul [${sa}] x constant [${sb}]`, async () => {
      await checkGemm('MatMul', [randomF32(sa, 1), { constant: randomF32(sb, 2) }], {}, sa[0] === 64 ? GEMM_TILED_F16.space : undefined);
    });
  }
  for (const [transA, transB] of [[0, 0], [1, 1]] as const) {
    it(`Gemm 37x45x29 transA=${transA} transB=${transB}, alpha, beta, C [37, 45]`, async () => {
      const [m, k, n] = [37, 29, 45];
      const A = randomF32(transA ? [k, m] : [m, k], 3);
      const B = randomF32(transB ? [n, k] : [k, n], 4);
      await checkGemm('Gemm', [A, { constant: B }, { constant: randomF32([m, n], 5) }], { alpha: 0.5, beta: -2, transA, transB });
    });
  }
  it('FusedGemm (bias, residual, LeakyRelu) and FusedMatMul (bias, residual, Relu)', async () => {
    await checkGemm('FusedGemm', [randomF32([70, 20], 6), { constant: randomF32([129, 70], 7) }, { constant: randomF32([129], 8) }, randomF32([20, 129], 9)],
      { transA: 1, transB: 1, activation: 'LeakyRelu', activation_params: [0.3] });
    await checkGemm('FusedMatMul', [randomF32([2, 9, 16], 6), { constant: randomF32([16, 24], 7) }, { constant: randomF32([24], 8) }, randomF32([2, 9, 24], 9)], { activation: 'Relu' });
  });
  it('is offered only with a constant B', () => {
    expect(GEMM_TILED_F16.supports(opLayer('MatMul', [randomF32([4, 8], 1), randomF32([8, 4], 2)]).layer)).toBe(false);
    expect(GEMM_TILED_F16.supports(opLayer('MatMul', [randomF32([4, 8], 1), { constant: randomF32([8, 4], 2) }]).layer)).toBe(true);
  });
});
