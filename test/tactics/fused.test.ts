// conv.fused and gemm.fused (the conv.direct and gemm.tiled kernels with their epilogue hook
// doing the residual add and the activation) against the reference, on random data with odd
// sizes: every activation, every parameter point, with and without bias and residual.
import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById, type TacticParams } from '../../src/tactics/index.js';
import { ACTIVATION_CASES, type ActivationCase } from '../helpers/activations.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const CONV = tacticById('conv.fused')!;
const GEMM = tacticById('gemm.fused')!;

async function check(op: string, inputs: (Tensor | undefined)[], attrs: Attrs, points: readonly TacticParams[]): Promise<void> {
  const layer = nodeLayer(op, inputs, { attrs, constants: [1, 2] });
  const tactic = op === 'FusedConv' ? CONV : GEMM;
  expect(candidates(layer)[0]).toBe(tactic);
  const want = runReferenceLayer(layer, inputs)[0]!;
  for (const p of points) {
    const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
    expect(got!.shape).toEqual(want.shape);
    expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
  }
}

const epilogue = (a: ActivationCase): Attrs => ({ activation: a.activation, activation_params: a.params });

describe('conv.fused vs reference', () => {
  // 3 groups, stride 2, dilation 2, asymmetric pads, batch 2: 2 x 9 x 3 x 6 outputs.
  const conv = { group: 3, strides: [2, 2], dilations: [2, 2], pads: [1, 0, 2, 3] };
  const x = randomF32([2, 6, 7, 13], 1, -2, 2);
  const w = randomF32([9, 2, 3, 3], 2);
  const b = randomF32([9], 3);
  const r = randomF32([2, 9, 3, 6], 4);
  for (const act of ACTIVATION_CASES) {
    it(`act '${act.activation || 'none'}', bias and residual`, async () => {
      await check('FusedConv', [x, w, b, r], { ...conv, ...epilogue(act) }, CONV.space.slice(0, 1));
    });
  }

  it('every parameter point; residual without bias; bias without residual', async () => {
    await check('FusedConv', [x, w, undefined, r], { ...conv, activation: 'Relu' }, CONV.space);
    await check('FusedConv', [x, w, b], { ...conv, activation: 'HardSwish' }, CONV.space);
  });

  it('1-D and 3-D convs with a residual', async () => {
    const residualFor = (inputs: Tensor[], attrs: Attrs, seed: number) => randomF32(nodeLayer('Conv', inputs, { attrs }).outputs[0]!.shape, seed);
    const conv1 = { strides: [3], pads: [2, 1] };
    const x1 = randomF32([2, 4, 17], 5);
    const w1 = randomF32([3, 4, 4], 6);
    await check('FusedConv', [x1, w1, randomF32([3], 7), residualFor([x1, w1], conv1, 8)], { ...conv1, activation: 'Sigmoid' }, CONV.space.slice(0, 1));
    const conv3 = { strides: [1, 2, 1], dilations: [2, 1, 1], pads: [0, 1, 1, 1, 0, 1] };
    const x3 = randomF32([1, 2, 5, 4, 6], 9);
    const w3 = randomF32([3, 2, 2, 3, 2], 10);
    await check('FusedConv', [x3, w3, randomF32([3], 11), residualFor([x3, w3], conv3, 12)], { ...conv3, activation: 'Clip', activation_params: [-0.1, 0.3] }, CONV.space.slice(0, 1));
  });
});

describe('gemm.fused vs reference', () => {
  // 37 x 45 x 29 with transposes, alpha, beta and a C broadcast over rows.
  const [m, k, n] = [37, 29, 45];
  const gemm = { alpha: 0.5, beta: -2, transA: 1, transB: 1 };
  const A = randomF32([k, m], 13);
  const B = randomF32([n, k], 14);
  const C = randomF32([n], 15);
  const r = randomF32([m, n], 16);
  for (const act of ACTIVATION_CASES) {
    it(`FusedGemm act '${act.activation || 'none'}', C and residual`, async () => {
      await check('FusedGemm', [A, B, C, r], { ...gemm, ...epilogue(act) }, GEMM.space.slice(0, 1));
    });
  }

  it('FusedGemm: every parameter point; residual without C; a [m, 1] C', async () => {
    await check('FusedGemm', [A, B, undefined, r], { ...gemm, activation: 'LeakyRelu', activation_params: [0.3] }, GEMM.space);
    await check('FusedGemm', [randomF32([m, k], 17), randomF32([k, n], 18), randomF32([m, 1], 19), r], { activation: 'Tanh' }, GEMM.space.slice(0, 2));
  });

  it('FusedMatMul: batched, bias [N], residual, Gelu, every parameter point', async () => {
    const A3 = randomF32([2, 3, 17, 11], 20);
    await check('FusedMatMul', [A3, randomF32([11, 13], 21), randomF32([13], 22), randomF32([2, 3, 17, 13], 23)], { activation: 'Gelu' }, GEMM.space);
  });

  it('FusedMatMul: broadcast batches on both sides, a [M, 1] bias, no residual; and no bias', async () => {
    await check('FusedMatMul', [randomF32([5, 1, 9, 6], 24), randomF32([3, 6, 7], 25), randomF32([9, 1], 26)], { activation: 'Mish' }, GEMM.space.slice(0, 1));
    await check('FusedMatMul', [randomF32([9, 6], 27), randomF32([6, 7], 28), undefined, randomF32([9, 7], 29)], { activation: 'Softplus' }, GEMM.space.slice(0, 1));
  });
});
