// conv.int8_nhwc (src/tactics/families/int8-conv.ts, kernels/conv/int8-nhwc.wgsl) against the
// Int8Conv reference, which knows only logical NCHW tensors: runLayer stores x and the residual
// channel-last and reads y back from channel-last, as the layer's layouts say. Every parameter
// point, and split-K (the i32 partial sums added by kernels/conv/int8-split-k-reduce.wgsl) at
// several splits; both output kinds, residuals, zero points, strides, dilations, padding.
import { describe, expect, it } from 'vitest';
import type { Layout } from '../../src/ir/layout.js';
import { layerInfo, type LayerInfo } from '../../src/ir/layer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReference, runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { int8NhwcTiles } from '../../src/tactics/families/int8-conv.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { useGpu } from '../helpers/gpu.js';
import { expectClose, expectQuantizedEqual, int8ConvData, int8ConvGraph, type Int8ConvCase, type Int8ConvData } from '../helpers/int8-conv-case.js';

const gpu = useGpu();
const tactic = tacticById('conv.int8_nhwc')!;

/** The conv layer of `g` with x (and the residual) and y stored in layout `l`. */
function laidOut(layer: LayerInfo, l: Layout): LayerInfo {
  return { ...layer, layouts: { inputs: layer.node.inputs.map((_, i) => (i === 0 || i === 6 ? l : 'nchw')), outputs: [l] } };
}

const CASES: Int8ConvCase[] = [
  { name: '3x3 pad 1, C 16 -> 20, batch 2, bias, Relu, i8 out', x: [2, 16, 9, 11], w: [20, 16, 3, 3], bias: true, relu: true, yScale: 0.04, attrs: { pads: [1, 1, 1, 1] } },
  { name: 'stride 2, asymmetric pads, C 12 -> 8, zero points x 37 and y -15, i8 out', x: [2, 12, 13, 12], w: [8, 12, 3, 3], yScale: 0.05, xZp: 37, yZp: -15, attrs: { strides: [2, 2], pads: [1, 0, 2, 1] } },
  { name: 'dilation 2, 3x2 kernel, C 8 -> 12, bias, residual, Relu, f32 out', x: [1, 8, 12, 10], w: [12, 8, 3, 2], bias: true, residual: true, relu: true, attrs: { dilations: [2, 2], pads: [2, 1, 2, 1] } },
  { name: '1x1, C 64 -> 132 (several channel tiles, K over slices), bias, f32 out', x: [1, 64, 7, 9], w: [132, 64, 1, 1], bias: true },
  { name: '1x1 stride 2, C 16 -> 24, residual, Relu, i8 out', x: [3, 16, 11, 9], w: [24, 16, 1, 1], residual: true, relu: true, yScale: 0.04, attrs: { strides: [2, 2] } },
  { name: 'a ResNet stem: 7x7 stride 2, C 3 -> 8 (one packed word per pixel, a zero byte), x zero point 5, i8 out', x: [2, 3, 15, 14], w: [8, 3, 7, 7], bias: true, relu: true, yScale: 0.01, xZp: 5, attrs: { strides: [2, 2], pads: [3, 3, 3, 3] } },
  { name: 'C 13 -> 8 (the last word of a pixel 1 channel), 3x3, i8 out', x: [1, 13, 6, 7], w: [8, 13, 3, 3], yScale: 0.05, attrs: { pads: [1, 1, 1, 1] } },
];

/** `got` against the reference's `want`: f32 close, i8 equal but at ties (at most 1 per case). */
function expectMatches(c: Int8ConvCase, d: Int8ConvData, got: Tensor, want: Tensor, what: string): void {
  if (!d.yScale) return expectClose(got, want, 1e-6, what);
  const yFloat = runReference(int8ConvGraph(c, d, { f32Out: true }), { x: d.x })['y']!;
  expect(expectQuantizedEqual(got, want, yFloat, c.yScale!, what)).toBeLessThanOrEqual(1);
}

describe('conv.int8_nhwc matches the Int8Conv reference, every parameter point', () => {
  it('every point is a valid tiling', () => {
    for (const p of tactic.space) expect(() => int8NhwcTiles(p)).not.toThrow();
    expect(() => int8NhwcTiles({ bp: 128, bm: 64, bk: 8, tp: 8, tv: 1 })).toThrow(/evenly/); // 128 vec4 of W over 256 threads
  });
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const d = int8ConvData(c, 100 * k + 7);
      const g = int8ConvGraph(c, d);
      const layer = laidOut(layerInfo(g, g.nodes[0]!), 'nhwc');
      expect(candidates(layer).map((t) => t.id)).toContain('conv.int8_nhwc');
      const inputs = [d.x, d.w, d.bias, d.xScale, d.wScale, d.yScale, d.residual];
      const want = runReferenceLayer(layer, inputs)[0]!;
      for (const p of tactic.space) {
        const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
        expectMatches(c, d, got!, want, `${JSON.stringify(p)}: ${c.name}`);
      }
    });
  });
});

describe('split-K: i32 partial sums, added up by a second dispatch', () => {
  const c: Int8ConvCase = { name: 'a batch-1 ResNet layer4-like 3x3 conv, C 128 -> 64 on 4 x 4', x: [1, 128, 4, 4], w: [64, 128, 3, 3], bias: true, residual: true, relu: true, attrs: { pads: [1, 1, 1, 1] } };
  for (const yScale of [undefined, 0.05]) {
    it(`${c.name}, ${yScale ? 'i8' : 'f32'} out: splits 2, 3 and 16 (288 K words)`, async () => {
      const cc = { ...c, yScale };
      const d = int8ConvData(cc, 31);
      const g = int8ConvGraph(cc, d);
      const layer = laidOut(layerInfo(g, g.nodes[0]!), 'nhwc');
      const inputs = [d.x, d.w, d.bias, d.xScale, d.wScale, d.yScale, d.residual];
      const want = runReferenceLayer(layer, inputs)[0]!;
      expect(tactic.heuristic!(layer)['split'], 'the heuristic splits K of a layer this small').toBeGreaterThan(1);
      expect(tactic.plan(layer, { ...tactic.space[0]!, split: 3 }).map((p) => p.kernel)).toEqual(['conv/int8-nhwc.wgsl', 'conv/int8-split-k-reduce.wgsl']);
      for (const split of [2, 3, 16]) {
        for (const p of [tactic.space[0]!, tactic.space[tactic.space.length - 1]!]) {
          const [got] = await runLayer(await gpu(), layer, tactic, inputs, { ...p, split });
          expectMatches(cc, d, got!, want, `split ${split} ${JSON.stringify(p)}`);
        }
      }
    });
  }
});

it('takes channel-last x, y and residual only, groups 1, channels out a multiple of 4 (in: any, packed)', () => {
  const ok = (c: Int8ConvCase, l: Layout) => {
    const g = int8ConvGraph(c, int8ConvData(c, 1));
    return tactic.supports(laidOut(layerInfo(g, g.nodes[0]!), l));
  };
  expect(ok(CASES[0]!, 'nhwc')).toBe(true);
  expect(ok(CASES[0]!, 'nchw')).toBe(false);
  expect(ok({ name: '', x: [1, 13, 5, 5], w: [8, 13, 3, 3] }, 'nhwc')).toBe(true);
  expect(ok({ name: '', x: [1, 16, 5, 5], w: [10, 16, 3, 3] }, 'nhwc')).toBe(false);
  expect(ok({ name: '', x: [1, 16, 5, 5], w: [8, 8, 3, 3], attrs: { group: 2 } }, 'nhwc')).toBe(false);
});
