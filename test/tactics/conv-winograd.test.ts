// conv.winograd_2x2 and conv.winograd_4x4 (kernels/conv/winograd-{input,gemm,output}.wgsl, the
// weight transformed at upload by src/tactics/pack.ts) against the reference executor: every
// parameter point on sizes that divide no tile (output H, W not multiples of m; C, K not of the
// GEMM tiles), pads 0, 1 and asymmetric, batch 2; FusedConv with bias, residual and activations;
// channel-last layouts; an engine run (weights packed once per engine, then serialize ->
// deserialize); and the layers they must not claim.
//
// Tolerance: F(2 x 2) is within 1e-5 like the other conv kernels. F(4 x 4)'s transforms scale by
// up to 8 (Aᵀ) and 1/24 (G) and add values of mixed sign, so float32 rounding grows by about one
// decimal digit (Lavin & Gray report the same): measured here up to 3e-6 relative L2 (F(2 x 2):
// 5e-7) on uniform [-1, 1) data, so 1e-4 bounds it with room and still catches any wrong
// coefficient (which gives errors of order 1e-1).
import { describe, expect, it } from 'vitest';
import { build, Engine } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';
import type { Attrs } from '../../src/ir/graph.js';
import type { Layout } from '../../src/ir/layout.js';
import type { LayerInfo } from '../../src/ir/layer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReference, runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { CONV_WINOGRAD_2X2, CONV_WINOGRAD_4X4, winogradShape } from '../../src/tactics/families/conv-winograd.js';
import { packConstant } from '../../src/tactics/pack.js';
import { candidates, type Tactic, type TacticParams } from '../../src/tactics/index.js';
import { ACTIVATION_CASES } from '../helpers/activations.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { convInputs, type ConvCase } from '../helpers/conv-case.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const TACTICS: readonly [Tactic, number][] = [[CONV_WINOGRAD_2X2, 1e-5], [CONV_WINOGRAD_4X4, 1e-4]];

const CASES: ConvCase[] = [
  { name: 'pad 1, 13 -> 21 channels on 19x17 (odd tiles), bias', x: [1, 13, 19, 17], w: [21, 13, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'pads 0, batch 2, 7 -> 10 channels on 12x11', x: [2, 7, 12, 11], w: [10, 7, 3, 3] },
  { name: 'asymmetric pads, 5 -> 6 channels on 9x14, bias', x: [1, 5, 9, 14], w: [6, 5, 3, 3], bias: true, attrs: { pads: [2, 0, 1, 3] } },
  { name: 'one input channel, output 1 x 1 wide edge tiles (5x3 input, no pads)', x: [2, 1, 5, 3], w: [3, 1, 3, 3], bias: true },
  { name: '40 -> 70 channels (several K slices and GEMM row tiles) on 10x9', x: [1, 40, 10, 9], w: [70, 40, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'auto_pad SAME_UPPER, batch 2', x: [2, 6, 8, 7], w: [9, 6, 3, 3], attrs: { auto_pad: 'SAME_UPPER' } },
];

/** The layer with its input 0, residual (input 3) and output stored in the given layouts. */
function laidOut(layer: LayerInfo, x: Layout, y: Layout): LayerInfo {
  const inputs = layer.node.inputs.map((_, i) => (i === 0 ? x : i === 3 ? y : 'nchw'));
  return { ...layer, layouts: { inputs, outputs: [y] } };
}

async function check(tactic: Tactic, tol: number, layer: LayerInfo, inputs: (Tensor | undefined)[], points: readonly TacticParams[]): Promise<void> {
  expect(candidates(layer)).toContain(tactic);
  const want = runReferenceLayer(layer, inputs)[0]!;
  for (const p of points) {
    const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
    expect(got!.shape).toEqual(want.shape);
    expect(relL2(got!, want), `${tactic.id} params ${JSON.stringify(p)}`).toBeLessThan(tol);
  }
}

for (const [tactic, tol] of TACTICS) {
  describe(`${tactic.id} matches the reference (Conv), every parameter point`, () => {
    CASES.forEach((c, i) => {
      it(c.name, async () => {
        const inputs = convInputs(c, 10 * i + 1);
        const layer = nodeLayer('Conv', inputs, { attrs: c.attrs ?? {}, constants: [1, 2] });
        expect(candidates(layer)[0]!.id).not.toMatch(/winograd/); // the existing conv tactics stay the defaults
        await check(tactic, tol, layer, inputs, tactic.space);
      });
    });
  });

  describe(`${tactic.id} matches the reference (FusedConv)`, () => {
    const conv: Attrs = { pads: [1, 0, 1, 2] };
    const x = randomF32([2, 11, 10, 13], 101, -2, 2);
    const w = randomF32([17, 11, 3, 3], 102);
    const b = randomF32([17], 103);
    const r = randomF32(nodeLayer('Conv', [x, w], { attrs: conv }).outputs[0]!.shape, 104);
    const fused = (inputs: (Tensor | undefined)[], attrs: Attrs) => nodeLayer('FusedConv', inputs, { attrs: { ...conv, ...attrs }, constants: [1, 2] });

    it('bias, residual and Relu, every parameter point', async () => {
      await check(tactic, tol, fused([x, w, b, r], { activation: 'Relu' }), [x, w, b, r], tactic.space);
    });
    it('activations with parameters (LeakyRelu, Clip, HardSwish), bias and residual', async () => {
      for (const act of ACTIVATION_CASES.filter((a) => ['LeakyRelu', 'Clip', 'HardSwish'].includes(a.activation))) {
        await check(tactic, tol, fused([x, w, b, r], { activation: act.activation, activation_params: act.params }), [x, w, b, r], tactic.space.slice(0, 1));
      }
    });
    it('residual without bias (Sigmoid); bias without residual (Tanh)', async () => {
      await check(tactic, tol, fused([x, w, undefined, r], { activation: 'Sigmoid' }), [x, w, undefined, r], tactic.space.slice(0, 1));
      await check(tactic, tol, fused([x, w, b], { activation: 'Tanh' }), [x, w, b], tactic.space.slice(0, 1));
    });
  });

  describe(`${tactic.id} on channel-last tensors (strides in the meta)`, () => {
    const x = randomF32([2, 6, 9, 7], 201, -2, 2);
    const w = randomF32([10, 6, 3, 3], 202);
    const b = randomF32([10], 203);
    const r = randomF32([2, 10, 9, 7], 204);
    for (const [lx, ly] of [['nhwc', 'nhwc'], ['nhwc', 'nchw'], ['nchw', 'nhwc']] as [Layout, Layout][]) {
      it(`x ${lx}, y and residual ${ly}, bias, Relu`, async () => {
        const layer = laidOut(nodeLayer('FusedConv', [x, w, b, r], { attrs: { pads: [1, 1, 1, 1], activation: 'Relu' }, constants: [1, 2] }), lx, ly);
        await check(tactic, tol, layer, [x, w, b, r], tactic.space.slice(0, 2));
      });
    }
  });
}

describe('Winograd: where it applies', () => {
  const conv = (attrs: Attrs, w = [8, 4, 3, 3], x = [1, 4, 10, 10], constants = [1]) =>
    nodeLayer('Conv', [randomF32(x, 1), randomF32(w, 2)], { attrs, constants });
  it('claims 3x3 stride-1 group-1 2-D float convs with a constant weight, after the existing tactics', () => {
    for (const t of [CONV_WINOGRAD_2X2, CONV_WINOGRAD_4X4]) {
      const c = candidates(conv({ pads: [1, 1, 1, 1] }));
      expect(c).toContain(t);
      expect(c.indexOf(t)).toBeGreaterThan(c.findIndex((u) => u.id === 'conv.direct'));
    }
  });
  it('does not claim strides, dilations, other kernels, groups, 1-D, a weight computed at run time, or residuals laid out unlike y', () => {
    const refused = [
      conv({ strides: [2, 2], pads: [1, 1, 1, 1] }),
      conv({ strides: [1, 2] }),
      conv({ dilations: [2, 2] }),
      conv({}, [8, 4, 5, 5]),
      conv({}, [8, 4, 3, 1]),
      conv({ group: 2 }, [8, 2, 3, 3]),
      nodeLayer('Conv', [randomF32([1, 4, 20], 1), randomF32([8, 4, 3], 2)], { constants: [1] }),
      conv({}, [8, 4, 3, 3], [1, 4, 10, 10], []),
    ];
    for (const layer of refused) {
      expect(candidates(layer).map((t) => t.id)).not.toContain('conv.winograd_2x2');
      expect(candidates(layer).map((t) => t.id)).not.toContain('conv.winograd_4x4');
    }
    const x = randomF32([1, 4, 8, 8], 3);
    const mixed = nodeLayer('FusedConv', [x, randomF32([4, 4, 3, 3], 4), undefined, x], { attrs: { pads: [1, 1, 1, 1] }, constants: [1] });
    expect(CONV_WINOGRAD_4X4.supports({ ...mixed, layouts: { inputs: ['nchw', 'nchw', 'nchw', 'nchw'], outputs: ['nhwc'] } })).toBe(false);
  });
  it('heuristic: the largest GEMM tile that gives enough workgroups', () => {
    const big = conv({ pads: [1, 1, 1, 1] }, [256, 256, 3, 3], [1, 256, 56, 56]);
    expect(CONV_WINOGRAD_4X4.heuristic!(big)).toEqual({ tile: 64 });
    const small = conv({ pads: [1, 1, 1, 1] }, [8, 4, 3, 3], [1, 4, 6, 6]);
    expect(CONV_WINOGRAD_2X2.heuristic!(small)).toEqual({ tile: 16 });
    expect(winogradShape(big, 4)).toMatchObject({ tilesH: 14, tilesW: 14, p: 196, points: 36 });
  });
  it('the weight transform is G g Gᵀ: a filter with one tap at the centre transforms to G[:,1] G[:,1]ᵀ', () => {
    const g = new Float32Array(9);
    g[4] = 1;
    const u = packConstant({ dtype: 'f32', shape: [1, 1, 3, 3], data: g }, { pack: 'winograd-2x2' });
    expect(u.shape).toEqual([16, 1, 1]);
    const col = [0, 0.5, -0.5, 0];
    expect(Array.from(u.data as Float32Array)).toEqual(col.flatMap((a) => col.map((b) => a * b)).map((v) => v + 0)); // +0: no -0
  });
});

describe('Winograd in an engine: packed weights uploaded once, serialize -> deserialize', () => {
  it('two forced Winograd convs run like the reference, bitwise-equal after a round trip', async () => {
    await gpu();
    const net = network('wino', { seed: 3 });
    const x = net.input('x', [2, 5, 11, 9]);
    net.output('y', x.conv2d(7, { kernel: 3, pad: 1 }).conv2d(6, { kernel: 3 }));
    const engine = build(net.build(), { force: { Conv: 'conv.winograd_4x4' } });
    expect(engine.layers.map((l) => l.tactic)).toEqual(['conv.winograd_4x4', 'conv.winograd_4x4']);
    const feeds = { x: randomF32([2, 5, 11, 9], 9) };
    const ctx = await engine.createContext({ backend: 'webgpu' });
    const out = await ctx.run(feeds);
    expect(relL2(out['y']!, runReference(engine.graph, feeds)['y']!)).toBeLessThan(1e-4);
    const again = await ctx.run(feeds);
    expect(Buffer.from(again['y']!.data.buffer).equals(Buffer.from(out['y']!.data.buffer))).toBe(true);
    ctx.release();
    const back = Engine.deserialize(engine.serialize());
    const b = await (await back.createContext({ backend: 'webgpu' })).run(feeds);
    expect(Buffer.from(b['y']!.data.buffer).equals(Buffer.from(out['y']!.data.buffer))).toBe(true);
  });
});
