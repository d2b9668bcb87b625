// Choosing fp16 (src/tune/choose.ts: precision, layerPrecision, features) and the build report
// (EngineLayer.precision, Engine.precisionFallbacks, describeEngine), on a small CNN: conv, relu,
// pool, conv, dense. The kernels themselves are checked against the reference in
// test/tactics/fp16.test.ts; here, which layers run them, and that an fp16 engine agrees with the
// fp32 one on the class of random inputs.
import { describe, expect, it } from 'vitest';
import { describeEngine } from '../../src/engine/describe.js';
import { build, buildTuned, Engine } from '../../src/engine/engine.js';
import { DeviceError, UnsupportedError } from '../../src/errors.js';
import { network } from '../../src/frontend/fluent/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReference } from '../../src/reference/index.js';
import { tacticById } from '../../src/tactics/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();
const F16 = ['shader-f16'];
const FAST = { iterations: 2, warmup: 1, repeat: 2 };

/** A small CNN: two convs with relu and a pool between, a dense head of 10 classes. */
function cnn(seed = 3): Graph {
  const net = network('small-cnn', { seed });
  const x = net.input('x', [2, 3, 16, 16])
    .conv2d(16, { kernel: 3, pad: 1, name: 'conv1' }).relu()
    .maxPool({ kernel: 2, stride: 2 })
    .conv2d(32, { kernel: 3, pad: 1, name: 'conv2' }).relu()
    .globalAvgPool().flatten()
    .dense(10, { name: 'fc' });
  net.output('y', x);
  return net.build();
}

const isFp16 = (tactic: string): boolean => tacticById(tactic)?.precision === 'fp16';
const fp16Layers = (e: Engine): string[] => e.layers.filter((l) => isFp16(l.tactic)).map((l) => l.name);

function argmax(t: Tensor, rows: number): number[] {
  const v = toFloat64(t);
  const n = v.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let j = 1; j < n; j++) if (v[r * n + j]! > v[r * n + best]!) best = j;
    return best;
  });
}

describe('precision: which layers run fp16 tactics', () => {
  it('fp32 (the default) never uses an fp16 tactic, even with shader-f16 given', () => {
    for (const e of [build(cnn()), build(cnn(), { precision: 'fp32', features: F16 })]) {
      expect(fp16Layers(e)).toEqual([]);
      expect(e.precisionFallbacks).toEqual([]);
      expect(e.layers.every((l) => l.precision.requested === 'fp32' && l.precision.runs === 'fp32')).toBe(true);
    }
  });

  it('fp16 with shader-f16: the convs and the dense layer run fp16; the rest says why not', () => {
    const e = build(cnn(), { precision: 'fp16', features: F16 });
    const heavy = e.layers.filter((l) => ['Conv', 'FusedConv', 'Gemm', 'MatMul', 'FusedGemm', 'FusedMatMul'].includes(l.op));
    expect(heavy.length).toBe(3);
    expect(fp16Layers(e)).toEqual(heavy.map((l) => l.name));
    expect(heavy.every((l) => l.precision.runs === 'fp16' && l.precision.fallback === undefined)).toBe(true);
    const d = describeEngine(e);
    expect(d.layers.filter((l) => l.precision === 'fp16').map((l) => l.name)).toEqual(heavy.map((l) => l.name));
    // Pools have no fp16 tactic: they fall back, and the report names the op.
    const pool = e.layers.find((l) => l.op === 'MaxPool')!;
    expect(e.precisionFallbacks.map((f) => f.message)).toContain(`layer '${pool.name}': fp16 requested, no fp16 tactic for op MaxPool: runs fp32`);
    expect(d.precisionFallbacks).toEqual(e.precisionFallbacks.map((f) => f.message));
    // Views (Flatten) have no precision to fall back from.
    expect(e.precisionFallbacks.map((f) => f.op)).not.toContain('Flatten');
  });

  it('fp16 without shader-f16 in the features, or with none given, falls back to fp32 and says so', () => {
    for (const [features, why] of [[['timestamp-query'], 'the adapter lacks shader-f16'], [undefined, 'the build was not told the device features']] as const) {
      const e = build(cnn(), { precision: 'fp16', ...(features ? { features } : {}) });
      expect(fp16Layers(e)).toEqual([]);
      const conv1 = e.precisionFallbacks.find((f) => f.layer.startsWith('conv1'))!;
      expect(conv1.requested).toBe('fp16');
      expect(conv1.message).toMatch(new RegExp(`^layer 'conv1[^']*': fp16 requested, ${why}.*: runs fp32$`));
    }
  });

  it('layerPrecision: names and patterns over the default; a key matching no layer is an error', () => {
    const names = build(cnn()).layers.map((l) => l.name);
    const conv1 = names.find((n) => n.startsWith('conv1'))!;
    const e = build(cnn(), { precision: 'fp16', layerPrecision: { [conv1]: 'fp32', 'f?': 'fp32' }, features: F16 });
    expect(fp16Layers(e)).toEqual([names.find((n) => n.startsWith('conv2'))]);
    expect(e.layers.find((l) => l.name === conv1)!.precision).toEqual({ requested: 'fp32', runs: 'fp32' });
    const only = build(cnn(), { layerPrecision: { 'conv*': 'fp16' }, features: F16 });
    expect(fp16Layers(only).every((n) => n.startsWith('conv'))).toBe(true);
    expect(fp16Layers(only).length).toBe(2);
    expect(() => build(cnn(), { layerPrecision: { 'conv9*': 'fp16' } })).toThrow(UnsupportedError);
    expect(() => build(cnn(), { layerPrecision: { 'conv9*': 'fp16' } })).toThrow(/layerPrecision key 'conv9\*' matches no layer/);
  });

  it("'best' untimed is fp16 wherever an fp16 tactic can run", () => {
    const e = build(cnn(), { precision: 'best', features: F16 });
    expect(fp16Layers(e)).toEqual(build(cnn(), { precision: 'fp16', features: F16 }).layers.filter((l) => isFp16(l.tactic)).map((l) => l.name));
  });

  it('force pins a tactic whatever the precision, and the report says why an fp16 layer runs fp32', () => {
    const conv1 = build(cnn()).layers.find((l) => l.name.startsWith('conv1'))!;
    const e = build(cnn(), { precision: 'fp16', features: F16, force: { [conv1.name]: 'conv.implicit_gemm' } });
    expect(e.layers.find((l) => l.name === conv1.name)!.tactic).toBe('conv.implicit_gemm');
    expect(e.precisionFallbacks.find((f) => f.layer === conv1.name)!.reason).toMatch(/^forced to tactic 'conv\.implicit_gemm'/);
    // And an fp16 tactic in an fp32 build.
    const pinned = build(cnn(), { force: { [conv1.name]: 'conv.implicit_gemm_f16' } });
    expect(pinned.layers.find((l) => l.name === conv1.name)!.precision).toEqual({ requested: 'fp32', runs: 'fp16' });
  });
});

describe('fp16 engines on the GPU', () => {
  it('an fp16 engine of a small CNN agrees with the fp32 engine on argmax for random inputs', async () => {
    const g = cnn();
    const fp32 = build(g);
    const fp16 = build(g, { precision: 'fp16', features: (await gpu()).features });
    expect(fp16Layers(fp16).length).toBe(3);
    const [c32, c16] = [await fp32.createContext({ backend: 'webgpu' }), await fp16.createContext({ backend: 'webgpu' })];
    try {
      for (let seed = 1; seed <= 4; seed++) {
        const x = randomF32([2, 3, 16, 16], seed);
        const [a, b] = [(await c32.run({ x }))['y']!, (await c16.run({ x }))['y']!];
        expect(argmax(b, 2)).toEqual(argmax(a, 2));
        // And close: about f16's rounding, compounded over three layers (see test/tactics/fp16.test.ts).
        expect(relL2(b, runReference(g, { x })['y']!)).toBeLessThan(5e-3);
      }
    } finally {
      c32.release();
      c16.release();
    }
  });

  it('an fp16 engine file keeps its tactics and report; it needs shader-f16 to run', async () => {
    const e = build(cnn(), { precision: 'fp16', features: F16 });
    const back = Engine.deserialize(e.serialize());
    expect(back.layers).toEqual(e.layers);
    expect(back.precisionFallbacks).toEqual(e.precisionFallbacks);
    // An fp32 engine's file is as before: no precision records.
    expect(new TextDecoder().decode(build(cnn()).serialize())).not.toContain('"precision"');
    // Where the adapter lacks shader-f16 (the H100 through Vulkan), createContext refuses with a DeviceError naming the layer.
    const g = await gpu();
    if (!g.features.has('shader-f16')) await expect(back.createContext({ backend: 'webgpu' })).rejects.toThrow(DeviceError);
    else expect(g.features.has('shader-f16')).toBe(true); // lavapipe: it runs (above)
  });

  it("'best' through buildTuned times fp32 and fp16 tactics together and keeps the fastest", async () => {
    const g = cnn();
    const { engine, tuning } = await buildTuned(g, { precision: 'best', tune: { gpu: await gpu(), ...FAST } });
    const conv2 = [...tuning.records.entries()].find(([name]) => name.startsWith('conv2'))![1];
    const tactics = new Set(conv2.candidates.map((c) => c.tactic));
    expect([...tactics].some(isFp16)).toBe(true);
    expect([...tactics].some((t) => !isFp16(t))).toBe(true);
    expect(conv2.signature).toMatch(/precision=best$/);
    for (const [name, r] of tuning.records) {
      const ran = r.candidates.filter((c) => c.meanMs !== undefined && !c.dropped);
      expect(r.candidates.find((c) => c.tactic === r.tactic && JSON.stringify(c.params) === JSON.stringify(r.params))!.meanMs, name).toBe(Math.min(...ran.map((c) => c.meanMs!)));
      expect(engine.layers.find((l) => l.name === name)!.precision.requested).toBe('best');
    }
    // A 'best' layer that timed faster in fp32 did not fall back: only layers without fp16 tactics are listed.
    expect(engine.precisionFallbacks.every((f) => /no fp16 tactic/.test(f.reason))).toBe(true);
    const ctx = await engine.createContext({ backend: 'webgpu' });
    try {
      const x = randomF32([2, 3, 16, 16], 7);
      expect(relL2((await ctx.run({ x }))['y']!, runReference(g, { x })['y']!)).toBeLessThan(5e-3);
    } finally {
      ctx.release();
    }
  });

  it('fp16 through buildTuned times only fp16 tactics where the GPU has shader-f16', async () => {
    const { engine, tuning } = await buildTuned(cnn(), { precision: 'fp16', tune: { gpu: await gpu(), ...FAST } });
    const conv2 = [...tuning.records.entries()].find(([name]) => name.startsWith('conv2'))![1];
    expect(conv2.candidates.every((c) => isFp16(c.tactic))).toBe(true);
    expect(fp16Layers(engine).length).toBe(3);
  });
});
