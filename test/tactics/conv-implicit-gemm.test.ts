// conv.implicit_gemm (kernels/conv/implicit-gemm.wgsl) against the reference executor: every
// parameter point on sizes that divide no tile (M, N and K edges), strides, pads, dilations,
// 1x1, 3x3 and 7x7 kernels, 1-D, bias or none; FusedConv with a residual and every activation;
// and where the tactic is preferred to conv.direct. Each case is a few MFLOP (lavapipe is slow).
import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { IMPLICIT_GEMM_MIN, implicitGemmShape, implicitGemmTiles } from '../../src/tactics/families/conv.js';
import { candidates, tacticById, type TacticParams } from '../../src/tactics/index.js';
import { chooseTactic } from '../../src/tune/choose.js';
import { ACTIVATION_CASES } from '../helpers/activations.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { convInputs, type ConvCase } from '../helpers/conv-case.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const tactic = tacticById('conv.implicit_gemm')!;

const CASES: ConvCase[] = [
  { name: '3x3 pad 1, 13 -> 21 channels on 19x17 (M 21, N 323, K 117), bias', x: [1, 13, 19, 17], w: [21, 13, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: '3x3 stride 2, dilation 2, asymmetric pads, batch 2 (N 220)', x: [2, 7, 23, 21], w: [19, 7, 3, 3], bias: true, attrs: { strides: [2, 2], dilations: [2, 2], pads: [1, 0, 2, 3] } },
  { name: '1x1, 35 -> 67 channels, no bias (M 67, N 270, K 35)', x: [1, 35, 15, 18], w: [67, 35, 1, 1] },
  { name: '1x1 stride 2 (a ResNet shortcut), batch 3, bias', x: [3, 24, 21, 19], w: [40, 24, 1, 1], bias: true, attrs: { strides: [2, 2] } },
  { name: '7x7 stride 2 pad 3 from 3 channels (a ResNet stem; K 147), bias', x: [1, 3, 33, 31], w: [16, 3, 7, 7], bias: true, attrs: { strides: [2, 2], pads: [3, 3, 3, 3] } },
  { name: 'K 3 < BK (1x1 from 3 channels)', x: [1, 3, 16, 20], w: [5, 3, 1, 1], bias: true },
  { name: 'M 150 over several row tiles, N 400 over several column tiles', x: [1, 16, 20, 20], w: [150, 16, 3, 3], attrs: { pads: [1, 1, 1, 1] } },
  { name: 'auto_pad SAME_UPPER stride 2, 3x2 kernel', x: [2, 6, 25, 22], w: [9, 6, 3, 2], bias: true, attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: 'pads larger than the dilated kernel reach (whole windows in the padding)', x: [1, 5, 12, 10], w: [7, 5, 2, 3], attrs: { pads: [4, 5, 3, 4], dilations: [1, 2] } },
  { name: '1-D, dilation 2, pads, batch 2', x: [2, 9, 150], w: [11, 9, 5], bias: true, attrs: { dilations: [2], pads: [3, 2] } },
  { name: '1-D stride 3', x: [1, 8, 97], w: [6, 8, 4], attrs: { strides: [3], pads: [1, 1] } },
];

async function check(layerOp: string, inputs: (Tensor | undefined)[], attrs: Attrs, points: readonly TacticParams[]): Promise<void> {
  const layer = nodeLayer(layerOp, inputs, { attrs, constants: [1, 2] });
  expect(implicitGemmShape(layer)).toBeDefined();
  const want = runReferenceLayer(layer, inputs)[0]!;
  for (const p of points) {
    const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
    expect(got!.shape).toEqual(want.shape);
    expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
  }
}

describe('conv.implicit_gemm matches the reference (Conv), every parameter point', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const inputs = convInputs(c, 10 * i + 1);
      const layer = nodeLayer('Conv', inputs, { attrs: c.attrs ?? {}, constants: [1, 2] });
      // Where the tactic does not claim the layer (too small to pay), it is run directly: the kernel must still be right.
      const s = implicitGemmShape(layer)!;
      const preferred = s.k >= IMPLICIT_GEMM_MIN.k && s.n >= IMPLICIT_GEMM_MIN.n;
      expect(candidates(layer)[0]!.id).toBe(preferred ? 'conv.implicit_gemm' : 'conv.direct');
      await check('Conv', inputs, c.attrs ?? {}, tactic.space);
    });
  });
});

describe('conv.implicit_gemm matches the reference (FusedConv)', () => {
  // 3x3, stride 2, pads, dilation on 2 x 11 x 31 x 29: M 17, N 2 x 16 x 14 = 448, K 99.
  const conv: Attrs = { strides: [2, 2], pads: [1, 2, 1, 0], dilations: [1, 2] };
  const x = randomF32([2, 11, 31, 29], 101, -2, 2);
  const w = randomF32([17, 11, 3, 3], 102);
  const b = randomF32([17], 103);
  const outShape = nodeLayer('Conv', [x, w], { attrs: conv }).outputs[0]!.shape;
  const r = randomF32(outShape, 104);

  it('the fused layer prefers conv.implicit_gemm', () => {
    expect(candidates(nodeLayer('FusedConv', [x, w, b, r], { attrs: { ...conv, activation: 'Relu' }, constants: [1, 2] }))[0]!.id).toBe('conv.implicit_gemm');
  });
  for (const act of ACTIVATION_CASES) {
    it(`act '${act.activation || 'none'}', bias and residual`, async () => {
      await check('FusedConv', [x, w, b, r], { ...conv, activation: act.activation, activation_params: act.params }, tactic.space.slice(0, 1));
    });
  }
  it('every parameter point: residual without bias (Relu); bias without residual (HardSwish)', async () => {
    await check('FusedConv', [x, w, undefined, r], { ...conv, activation: 'Relu' }, tactic.space);
    await check('FusedConv', [x, w, b], { ...conv, activation: 'HardSwish' }, tactic.space);
  });
  it('a 1x1 FusedConv whose residual is its own input (one buffer bound twice)', async () => {
    const xi = randomF32([1, 24, 13, 23], 105);
    await check('FusedConv', [xi, randomF32([24, 24, 1, 1], 106), randomF32([24], 107), xi], { activation: 'Relu' }, tactic.space.slice(0, 2));
  });
});

describe('conv.implicit_gemm: where it applies', () => {
  it('leaves grouped, 3-D and small convs to conv.direct', () => {
    const grouped = nodeLayer('Conv', [randomF32([1, 32, 20, 20], 1), randomF32([32, 16, 3, 3], 2)], { attrs: { group: 2 }, constants: [1] });
    expect(tactic.supports(grouped)).toBe(false);
    expect(candidates(grouped)[0]!.id).toBe('conv.direct');
    const threeD = nodeLayer('Conv', [randomF32([1, 4, 8, 8, 8], 1), randomF32([8, 4, 3, 3, 3], 2)], { constants: [1] });
    expect(implicitGemmShape(threeD)).toBeUndefined();
    const shallow = nodeLayer('Conv', [randomF32([1, 3, 30, 30], 1), randomF32([8, 3, 1, 1], 2)], { constants: [1] });
    expect(candidates(shallow)[0]!.id).toBe('conv.direct');
    const fewPixels = nodeLayer('Conv', [randomF32([1, 32, 3, 3], 1), randomF32([8, 32, 3, 3], 2)], { constants: [1] });
    expect(candidates(fewPixels)[0]!.id).toBe('conv.direct');
  });

  it('without timing, picks the largest tiles that still give ~100 workgroups (ResNet-50 at batch 1)', () => {
    const conv = (x: number[], w: number[], attrs: Attrs = {}) => chooseTactic(nodeLayer('Conv', [randomF32(x, 1), randomF32(w, 2)], { attrs, constants: [1] }));
    // M 256 x N 3136: 196 tiles of 64 x 64, the default point.
    expect(conv([1, 64, 56, 56], [256, 64, 1, 1])).toEqual({ tactic, params: tactic.space[0] });
    // M 256 x N 196 (3x3 at 14x14): 104 tiles of 32 x 16.
    expect(conv([1, 256, 14, 14], [256, 256, 3, 3], { pads: [1, 1, 1, 1] }).params).toEqual({ bm: 32, bn: 16, bk: 64, tm: 2, tn: 1 });
    // M 512 x N 49 (3x3 at 7x7): only the smallest tiles reach 96 (128 tiles of 16 x 16).
    expect(conv([1, 512, 7, 7], [512, 512, 3, 3], { pads: [1, 1, 1, 1] }).params).toEqual({ bm: 16, bn: 16, bk: 64, tm: 1, tn: 1 });
  });

  it('refuses tile points the kernel cannot take', () => {
    expect(() => implicitGemmTiles({ bm: 64, bn: 64, bk: 16, tm: 16, tn: 4 })).toThrow(/tm, tn <= 8/);
    expect(() => implicitGemmTiles({ bm: 64, bn: 64, bk: 64, tm: 4, tn: 4 })).toThrow(/<= 8 words/);
    expect(() => implicitGemmTiles({ bm: 128, bn: 128, bk: 8, tm: 4, tn: 4 })).toThrow(/threads <= 256/);
    expect(() => implicitGemmTiles({ bm: 64, bn: 64, bk: 32, tm: 4, tn: 4 })).toThrow(/16384 bytes/);
    for (const p of tactic.space) expect(() => implicitGemmTiles(p)).not.toThrow();
  });
});
