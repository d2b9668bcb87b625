// conv.depthwise (kernels/conv/depthwise.wgsl, and kernels/conv/depthwise-vec4.wgsl for
// channel-last tensors with C % 4 == 0) against the reference executor: every parameter point on
// odd sizes with 3x3, 5x5 and 3x2 kernels, strides, dilations, pads 0/1/asymmetric, batch 2,
// channel multipliers 1 and 2, C not a multiple of 4; FusedConv with bias, residual and
// activations; every layout pair; and the layers it must not claim.
import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import type { Layout } from '../../src/ir/layout.js';
import type { LayerInfo } from '../../src/ir/layer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { CONV_DEPTHWISE, depthwiseVec4 } from '../../src/tactics/families/conv-depthwise.js';
import { candidates, type TacticParams } from '../../src/tactics/index.js';
import { ACTIVATION_CASES } from '../helpers/activations.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { convInputs, type ConvCase } from '../helpers/conv-case.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const tactic = CONV_DEPTHWISE;

const CASES: ConvCase[] = [
  { name: '3x3 pad 1, 12 channels on 13x11, bias', x: [1, 12, 13, 11], w: [12, 1, 3, 3], bias: true, attrs: { group: 12, pads: [1, 1, 1, 1] } },
  { name: '3x3 stride 2, asymmetric pads, batch 2, 7 channels (not a multiple of 4)', x: [2, 7, 15, 12], w: [7, 1, 3, 3], bias: true, attrs: { group: 7, strides: [2, 2], pads: [1, 0, 2, 1] } },
  { name: '5x5 pad 2, dilation 2, no bias, 8 channels', x: [1, 8, 14, 17], w: [8, 1, 5, 5], attrs: { group: 8, pads: [2, 2, 2, 2], dilations: [2, 2] } },
  { name: 'channel multiplier 2 (6 -> 12), 3x2 kernel, strides 1 x 2, pads 0', x: [2, 6, 9, 10], w: [12, 1, 3, 2], bias: true, attrs: { group: 6, strides: [1, 2] } },
  { name: 'pads larger than the kernel reach, 4 channels', x: [1, 4, 5, 6], w: [4, 1, 3, 3], attrs: { group: 4, pads: [4, 3, 2, 5] } },
];

/** The layer with its input 0, residual (input 3) and output stored in the given layouts. */
function laidOut(layer: LayerInfo, x: Layout, y: Layout): LayerInfo {
  const inputs = layer.node.inputs.map((_, i) => (i === 0 ? x : i === 3 ? y : 'nchw'));
  return { ...layer, layouts: { inputs, outputs: [y] } };
}

async function check(layer: LayerInfo, inputs: (Tensor | undefined)[], points: readonly TacticParams[]): Promise<void> {
  expect(candidates(layer)).toContain(tactic);
  const want = runReferenceLayer(layer, inputs)[0]!;
  for (const p of points) {
    const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
    expect(got!.shape).toEqual(want.shape);
    expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
  }
}

const LAYOUT_PAIRS: [Layout, Layout][] = [['nchw', 'nchw'], ['nhwc', 'nhwc'], ['nhwc', 'nchw'], ['nchw', 'nhwc']];

describe('conv.depthwise matches the reference (Conv), every parameter point and layout pair', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const inputs = convInputs(c, 10 * i + 1);
      const plain = nodeLayer('Conv', inputs, { attrs: c.attrs ?? {}, constants: [1, 2] });
      expect(candidates(plain)[0]!.id).toBe('conv.direct'); // the existing default stays
      for (const [lx, ly] of LAYOUT_PAIRS) await check(laidOut(plain, lx, ly), inputs, lx === ly ? tactic.space : tactic.space.slice(0, 1));
    });
  });
});

describe('conv.depthwise matches the reference (FusedConv)', () => {
  const conv: Attrs = { group: 8, pads: [1, 1, 1, 1], strides: [2, 1] };
  const x = randomF32([2, 8, 11, 9], 101, -2, 2);
  const w = randomF32([8, 1, 3, 3], 102);
  const b = randomF32([8], 103);
  const r = randomF32(nodeLayer('Conv', [x, w], { attrs: conv }).outputs[0]!.shape, 104);
  const fused = (inputs: (Tensor | undefined)[], attrs: Attrs) => nodeLayer('FusedConv', inputs, { attrs: { ...conv, ...attrs }, constants: [1, 2] });

  for (const [lx, ly] of LAYOUT_PAIRS) {
    it(`bias, residual and Relu, x ${lx}, y and residual ${ly}, every parameter point`, async () => {
      const layer = laidOut(fused([x, w, b, r], { activation: 'Relu' }), lx, ly);
      expect(depthwiseVec4(layer)).toBe(lx === 'nhwc' && ly === 'nhwc');
      await check(layer, [x, w, b, r], tactic.space);
    });
  }
  it('every activation, scalar and vec4 kernels', async () => {
    for (const act of ACTIVATION_CASES) {
      const layer = fused([x, w, b, r], { activation: act.activation, activation_params: act.params });
      await check(layer, [x, w, b, r], tactic.space.slice(0, 1));
      await check(laidOut(layer, 'nhwc', 'nhwc'), [x, w, b, r], tactic.space.slice(0, 1));
    }
  });
  it('residual without bias (Sigmoid); bias without residual (HardSwish); vec4 and scalar', async () => {
    for (const l of ['nchw', 'nhwc'] as Layout[]) {
      await check(laidOut(fused([x, w, undefined, r], { activation: 'Sigmoid' }), l, l), [x, w, undefined, r], tactic.space.slice(0, 1));
      await check(laidOut(fused([x, w, b], { activation: 'HardSwish' }), l, l), [x, w, b], tactic.space.slice(0, 1));
    }
  });
  it('a weight computed at run time takes the scalar kernel on channel-last tensors', async () => {
    const layer = laidOut(nodeLayer('FusedConv', [x, w, b, r], { attrs: { ...conv, activation: 'Relu' }, constants: [2] }), 'nhwc', 'nhwc');
    expect(depthwiseVec4(layer)).toBe(false);
    await check(layer, [x, w, b, r], tactic.space.slice(0, 1));
  });
});

describe('conv.depthwise: where it applies', () => {
  it('does not claim group 1, other groupings, 1-D or 3-D convs, or residuals laid out unlike y', () => {
    const refused = [
      nodeLayer('Conv', [randomF32([1, 8, 6, 6], 1), randomF32([8, 8, 3, 3], 2)], { constants: [1] }),
      nodeLayer('Conv', [randomF32([1, 8, 6, 6], 1), randomF32([8, 4, 3, 3], 2)], { attrs: { group: 2 }, constants: [1] }),
      nodeLayer('Conv', [randomF32([1, 8, 6, 6], 1), randomF32([4, 2, 3, 3], 2)], { attrs: { group: 4 }, constants: [1] }),
      nodeLayer('Conv', [randomF32([1, 4, 20], 1), randomF32([4, 1, 3], 2)], { attrs: { group: 4 }, constants: [1] }),
      nodeLayer('Conv', [randomF32([1, 4, 5, 5, 5], 1), randomF32([4, 1, 3, 3, 3], 2)], { attrs: { group: 4 }, constants: [1] }),
    ];
    for (const layer of refused) expect(candidates(layer)).not.toContain(tactic);
    const x = randomF32([1, 4, 6, 6], 3);
    const dw = nodeLayer('FusedConv', [x, randomF32([4, 1, 3, 3], 4), undefined, x], { attrs: { group: 4, pads: [1, 1, 1, 1] }, constants: [1] });
    expect(tactic.supports(dw)).toBe(true);
    expect(tactic.supports({ ...dw, layouts: { inputs: ['nchw', 'nchw', 'nchw', 'nchw'], outputs: ['nhwc'] } })).toBe(false);
  });
});
