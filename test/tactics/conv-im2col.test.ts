// conv.im2col (kernels/conv/im2col.wgsl into scratch, then kernels/gemm/tiled.wgsl with its
// epilogue; a 1x1 stride-1 unpadded conv is the GEMM alone) against the reference executor: every
// parameter point on sizes that divide no tile, strides, dilations, pads 0/1/asymmetric, batch 2,
// 1x1, 3x3, 7x7 and 1-D kernels; FusedConv with bias, residual and activations; and the layers it
// must not claim.
import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import type { LayerInfo } from '../../src/ir/layer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { CONV_IM2COL } from '../../src/tactics/families/conv-im2col.js';
import { candidates, type TacticParams } from '../../src/tactics/index.js';
import { ACTIVATION_CASES } from '../helpers/activations.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { convInputs, type ConvCase } from '../helpers/conv-case.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const tactic = CONV_IM2COL;

const CASES: ConvCase[] = [
  { name: '3x3 pad 1, 13 -> 21 channels on 19x17 (M 21, P 323, K 117), bias', x: [1, 13, 19, 17], w: [21, 13, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: '3x3 stride 2, dilation 2, asymmetric pads, batch 2', x: [2, 7, 23, 21], w: [19, 7, 3, 3], bias: true, attrs: { strides: [2, 2], dilations: [2, 2], pads: [1, 0, 2, 3] } },
  { name: '1x1, 35 -> 67 channels, batch 2, no bias (the GEMM alone, no im2col)', x: [2, 35, 15, 18], w: [67, 35, 1, 1] },
  { name: '1x1 stride 2, batch 3, bias (im2col: the stride)', x: [3, 24, 21, 19], w: [40, 24, 1, 1], bias: true, attrs: { strides: [2, 2] } },
  { name: '1x1 pad 1 (im2col: the pads), bias', x: [1, 6, 7, 5], w: [9, 6, 1, 1], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: '7x7 stride 2 pad 3 from 3 channels (K 147), bias', x: [1, 3, 33, 31], w: [16, 3, 7, 7], bias: true, attrs: { strides: [2, 2], pads: [3, 3, 3, 3] } },
  { name: 'M 70 over several row tiles, pads 0, 3x2 kernel', x: [1, 9, 14, 12], w: [70, 9, 3, 2] },
  { name: '1-D, dilation 2, pads, batch 2', x: [2, 9, 150], w: [11, 9, 5], bias: true, attrs: { dilations: [2], pads: [3, 2] } },
];

async function check(layer: LayerInfo, inputs: (Tensor | undefined)[], points: readonly TacticParams[]): Promise<void> {
  expect(candidates(layer)).toContain(tactic);
  const want = runReferenceLayer(layer, inputs)[0]!;
  for (const p of points) {
    const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
    expect(got!.shape).toEqual(want.shape);
    expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
  }
}

describe('conv.im2col matches the reference (Conv), every parameter point', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const inputs = convInputs(c, 10 * i + 1);
      const layer = nodeLayer('Conv', inputs, { attrs: c.attrs ?? {}, constants: [1, 2] });
      expect(candidates(layer)[0]).not.toBe(tactic); // the existing conv tactics stay the defaults
      await check(layer, inputs, tactic.space);
    });
  });
});

describe('conv.im2col matches the reference (FusedConv)', () => {
  const conv: Attrs = { strides: [2, 1], pads: [1, 2, 1, 0] };
  const x = randomF32([2, 11, 15, 13], 101, -2, 2);
  const w = randomF32([17, 11, 3, 3], 102);
  const b = randomF32([17], 103);
  const r = randomF32(nodeLayer('Conv', [x, w], { attrs: conv }).outputs[0]!.shape, 104);
  const fused = (inputs: (Tensor | undefined)[], attrs: Attrs) => nodeLayer('FusedConv', inputs, { attrs: { ...conv, ...attrs }, constants: [1, 2] });

  it('bias, residual and Relu, every parameter point', async () => {
    await check(fused([x, w, b, r], { activation: 'Relu' }), [x, w, b, r], tactic.space);
  });
  it('every activation, bias and residual', async () => {
    for (const act of ACTIVATION_CASES) {
      await check(fused([x, w, b, r], { activation: act.activation, activation_params: act.params }), [x, w, b, r], tactic.space.slice(0, 1));
    }
  });
  it('residual without bias (Sigmoid); bias without residual (HardSwish)', async () => {
    await check(fused([x, w, undefined, r], { activation: 'Sigmoid' }), [x, w, undefined, r], tactic.space.slice(0, 1));
    await check(fused([x, w, b], { activation: 'HardSwish' }), [x, w, b], tactic.space.slice(0, 1));
  });
  it('a 1x1 FusedConv (no im2col) whose residual is its own input, weight computed at run time', async () => {
    const xi = randomF32([2, 24, 7, 9], 105);
    const inputs = [xi, randomF32([24, 24, 1, 1], 106), randomF32([24], 107), xi];
    await check(nodeLayer('FusedConv', inputs, { attrs: { activation: 'Relu' }, constants: [2] }), inputs, tactic.space.slice(0, 2));
  });
});

describe('conv.im2col: where it applies', () => {
  it('does not claim grouped, 3-D or channel-last convs', () => {
    const grouped = nodeLayer('Conv', [randomF32([1, 8, 6, 6], 1), randomF32([8, 4, 3, 3], 2)], { attrs: { group: 2 }, constants: [1] });
    const threeD = nodeLayer('Conv', [randomF32([1, 4, 5, 5, 5], 1), randomF32([8, 4, 3, 3, 3], 2)], { constants: [1] });
    const plain = nodeLayer('Conv', [randomF32([1, 8, 6, 6], 1), randomF32([8, 8, 3, 3], 2)], { constants: [1] });
    const nhwc = { ...plain, layouts: { inputs: ['nhwc', 'nchw'] as const, outputs: ['nhwc'] as const } };
    for (const layer of [grouped, threeD, nhwc]) expect(candidates(layer as LayerInfo)).not.toContain(tactic);
    expect(candidates(plain)).toContain(tactic);
  });
  it('does not claim a layer whose column matrix would exceed 128 MiB', () => {
    // N 8 x K 2304 x P 3136 words: 231 MB.
    const big = nodeLayer('Conv', [randomF32([8, 256, 56, 56], 1), randomF32([256, 256, 3, 3], 2)], { attrs: { pads: [1, 1, 1, 1] }, constants: [1] });
    expect(tactic.supports(big)).toBe(false);
  });
});
