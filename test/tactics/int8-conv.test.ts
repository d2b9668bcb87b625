// conv.int8_implicit_gemm and conv.int8_direct (src/tactics/families/int8-conv.ts) against the
// Int8Conv reference, itself checked against DequantizeLinear -> Conv -> Relu -> QuantizeLinear in
// test/reference/int8-conv.test.ts. The int32 sums are exact on both sides, so f32 outputs agree to
// the rounding of the f32 epilogue (1e-6 of the output's scale) and i8 outputs are equal (but where
// y / y_scale is within 1e-5 of a .5 tie). Each tactic runs in an engine, pinned by name; the tiled
// one also at every parameter point; the direct one with weights and scales fed rather than constant
// (the tiled one takes a constant weight only: it is packed at upload).
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import type { Attrs } from '../../src/ir/graph.js';
import { layerInfo } from '../../src/ir/layer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReference, runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { int8Tiles, mmaTiles } from '../../src/tactics/families/int8-conv.js';
import { candidates, tacticById, type TacticParams } from '../../src/tactics/index.js';
import { requireGpu } from '../../src/runtime/device.js';
import { useGpu } from '../helpers/gpu.js';
import { expectClose, expectQuantizedEqual, INT8_CONV_CASES, int8ConvData, int8ConvGraph, type Int8ConvCase, type Int8ConvData } from '../helpers/int8-conv-case.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const TACTICS = ['conv.int8_implicit_gemm', 'conv.int8_direct'] as const;

/** `got` against the reference's `want` for case `c`: f32 close, i8 equal but at ties (at most 1 per case). */
function expectMatches(c: Int8ConvCase, d: Int8ConvData, got: Tensor, want: Tensor, what: string): void {
  if (!d.yScale) return expectClose(got, want, 1e-6, what);
  const yFloat = runReference(int8ConvGraph(c, d, { f32Out: true }), { x: d.x })['y']!;
  expect(expectQuantizedEqual(got, want, yFloat, c.yScale!, what)).toBeLessThanOrEqual(1);
}

it('the adapter has packed_4x8_integer_dot_product (dot4I8Packed)', async () => {
  expect((await gpu()).instance.wgslLanguageFeatures.has('packed_4x8_integer_dot_product')).toBe(true);
});

it('an Int8Conv layer runs as conv.int8_implicit_gemm unless pinned', () => {
  const c = INT8_CONV_CASES[0]!;
  expect(build(int8ConvGraph(c, int8ConvData(c, 1))).layers[0]!.tactic).toBe('conv.int8_implicit_gemm');
});

describe.each(TACTICS)('%s in an engine matches the Int8Conv reference', (id) => {
  INT8_CONV_CASES.forEach((c, k) => {
    it(c.name, async () => {
      const d = int8ConvData(c, 100 * k + 1);
      const g = int8ConvGraph(c, d);
      const engine = build(g, { force: { qconv: id } });
      expect(engine.layers[0]!.tactic).toBe(id);
      const ctx = await engine.createContext({ backend: 'webgpu' });
      try {
        const { y } = await ctx.run({ x: d.x });
        expectMatches(c, d, y!, runReference(g, { x: d.x })['y']!, `${id}: ${c.name}`);
      } finally {
        ctx.release();
      }
    });
  });
});

/** Runs case `c` as one layer with `tactic` at `points`; with `fed`, every input is a graph input (nothing constant). */
async function runPoints(c: Int8ConvCase, k: number, id: string, points: readonly TacticParams[], fed = false): Promise<void> {
  const d = int8ConvData(c, 100 * k + 1);
  const inputs = [d.x, d.w, d.bias, d.xScale, d.wScale, d.yScale, d.residual];
  const g = int8ConvGraph(c, d);
  const layer = fed ? nodeLayer('Int8Conv', inputs, { attrs: g.nodes[0]!.attrs, name: 'qconv' }) : layerInfo(g, g.nodes[0]!);
  const want = runReferenceLayer(layer, inputs)[0]!;
  for (const p of points) {
    const [got] = await runLayer(await gpu(), layer, tacticById(id)!, inputs, p);
    expectMatches(c, d, got!, want, `${id} ${JSON.stringify(p)}${fed ? ' fed' : ''}: ${c.name}`);
  }
}

describe('conv.int8_implicit_gemm at every parameter point', () => {
  const tactic = tacticById('conv.int8_implicit_gemm')!;
  const space = tactic.space;
  it('the heuristic: 64 x 64 tiles for large layers, smaller ones to fill the GPU, rows fitted to the channels per group', () => {
    const pick = (x: number[], w: number[], attrs: Attrs = {}) => {
      const c = { name: '', x, w, attrs: { pads: [1, 1, 1, 1], ...attrs } };
      const g = int8ConvGraph(c, int8ConvData(c, 1));
      const p = tactic.heuristic!(layerInfo(g, g.nodes[0]!));
      return [p['bm'], p['bn']];
    };
    expect(pick([32, 256, 14, 14], [256, 256, 3, 3])).toEqual([64, 64]);
    expect(pick([1, 256, 14, 14], [256, 256, 3, 3])).toEqual([32, 16]); // 104 workgroups
    expect(pick([1, 32, 56, 56], [32, 1, 3, 3], { group: 32 })).toEqual([16, 64]);
  });
  it('every point is a valid tiling', () => {
    for (const p of space) expect(() => int8Tiles(p)).not.toThrow();
    expect(() => int8Tiles({ bm: 64, bn: 64, bk: 8, tm: 16, tn: 4 })).toThrow(/tm, tn <= 8/);
  });
  // Several row and column tiles, K spanning slices, groups, a 1-D case, residuals.
  for (const k of [0, 4, 8, 10, 11, 12, 13, 14]) {
    const c = INT8_CONV_CASES[k]!;
    it(c.name, async () => runPoints(c, k, 'conv.int8_implicit_gemm', space));
  }
});

describe('weights and scales fed, not constant (nothing is packed at upload)', () => {
  for (const k of [2, 5]) {
    const c = INT8_CONV_CASES[k]!;
    it(`conv.int8_direct at every point: ${c.name}`, async () => runPoints(c, k, 'conv.int8_direct', tacticById('conv.int8_direct')!.space, true));
  }
  it('the implicit-GEMM tactics take a constant weight only (packed at upload), the direct one any', () => {
    const c = INT8_CONV_CASES[2]!;
    const d = int8ConvData(c, 1);
    const g = int8ConvGraph(c, d);
    const fed = nodeLayer('Int8Conv', [d.x, d.w, d.bias, d.xScale, d.wScale, d.yScale, d.residual], { attrs: g.nodes[0]!.attrs, name: 'qconv' });
    expect(candidates(fed).map((t) => t.id)).toEqual(['conv.int8_direct']);
    expect(candidates(layerInfo(g, g.nodes[0]!)).map((t) => t.id)).toContain('conv.int8_implicit_gemm');
  });
});

describe('conv.int8_mma (subgroup matrices)', () => {
  const tactic = tacticById('conv.int8_mma')!;
  it('every point is a valid tiling within 16 KiB of workgroup memory and 8 subgroups', () => {
    for (const p of tactic.space) expect(() => mmaTiles(p)).not.toThrow();
    expect(() => mmaTiles({ bm: 128, bn: 128, sm: 2, sn: 2, kw: 8 })).toThrow(/at most 8 subgroups/); // 16 subgroups
    expect(() => mmaTiles({ bm: 128, bn: 128, sm: 4, sn: 4, kw: 24 })).toThrow(/kw of 8/);
  });
  it('needs the subgroup-matrix feature, so an untimed build never picks it', () => {
    expect(tactic.features).toContain('chromium-experimental-subgroup-matrix');
    const c = INT8_CONV_CASES[0]!;
    expect(build(int8ConvGraph(c, int8ConvData(c, 1))).layers[0]!.tactic).not.toBe('conv.int8_mma');
  });
  // Runs only on an adapter with subgroup matrices (the H100 through Dawn with allow_unsafe_apis);
  // lavapipe has none, so there this is skipped and test/bench/int8-gemm.ts checks it on the H100.
  for (const k of [0, 2, 7, 9, 10, 11, 12, 13, 14]) { // groups 1, which the kernel takes
    const c = INT8_CONV_CASES[k]!;
    it(`at every point, where the adapter has subgroup matrices: ${c.name}`, async (ctx) => {
      const g = await requireGpu({ unsafeApis: true });
      if (!tactic.features!.every((f) => g.features.has(f))) return ctx.skip();
      const d = int8ConvData(c, 100 * k + 1);
      const graph = int8ConvGraph(c, d);
      const layer = layerInfo(graph, graph.nodes[0]!);
      const inputs = [d.x, d.w, d.bias, d.xScale, d.wScale, d.yScale, d.residual];
      const want = runReferenceLayer(layer, inputs)[0]!;
      for (const p of tactic.space) {
        const [got] = await runLayer(g, layer, tactic, inputs, p);
        expectMatches(c, d, got!, want, `conv.int8_mma ${JSON.stringify(p)}: ${c.name}`);
      }
    });
  }
});
