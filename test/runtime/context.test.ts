import { describe, expect, it } from 'vitest';
import { build, Engine } from '../../src/engine/engine.js';
import { DeviceError, InputError } from '../../src/errors.js';
import { network } from '../../src/frontend/fluent/index.js';
import { runReference } from '../../src/reference/index.js';
import { readInputs } from '../../src/cli/inputs.js';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();

/** A ResNet-style DAG: residual adds, a concat of two branches, two outputs. */
function resnetish() {
  const net = network('resnetish', { seed: 11 });
  const x = net.input('x', [2, 3, 19, 17]);
  const stem = x.conv2d(8, { kernel: 3, pad: 1 }).batchNorm({ init: 'random' }).relu();
  const r1 = stem.conv2d(8, { kernel: 3, pad: 1 }).batchNorm({ init: 'random' }).relu().conv2d(8, { kernel: 3, pad: 1 }).add(stem).relu();
  const left = r1.conv2d(6, { kernel: 1 }).relu();
  const right = r1.conv2d(5, { kernel: 3, pad: 1, stride: 1 }).sigmoid();
  const cat = net.concat([left, right], 1);
  const down = cat.conv2d(16, { kernel: 3, stride: 2, pad: 1 }).batchNorm({ init: 'random' }).relu();
  const r2 = down.conv2d(16, { kernel: 3, pad: 1 }).relu().add(down);
  net.output('features', r2.maxPool({ kernel: 2, stride: 2 }));
  net.output('logits', r2.globalAvgPool().flatten().dense(7).softmax());
  return net.build();
}

describe('ExecutionContext on WebGPU', () => {
  it('runs a ResNet-style DAG (residuals, concat, two outputs) like the reference', async () => {
    await gpu();
    const g = resnetish();
    const engine = build(g);
    const ctx = await engine.createContext({ backend: 'webgpu' });
    expect(ctx.backend).toBe('webgpu');
    const feeds = { x: randomF32([2, 3, 19, 17], 5) };
    const out = await ctx.run(feeds);
    const ref = runReference(engine.graph, feeds);
    expect(Object.keys(out).sort()).toEqual(['features', 'logits']);
    for (const k of ['features', 'logits']) expect(relL2(out[k]!, ref[k]!), k).toBeLessThan(1e-5);
    ctx.release();
  });

  it('gives bitwise-identical outputs after serialize -> deserialize', async () => {
    await gpu();
    const engine = build(resnetish());
    const back = Engine.deserialize(engine.serialize());
    const feeds = { x: randomF32([2, 3, 19, 17], 8) };
    const a = await (await engine.createContext({ backend: 'webgpu' })).run(feeds);
    const b = await (await back.createContext({ backend: 'webgpu' })).run(feeds);
    for (const k of Object.keys(a)) expect(Buffer.from(b[k]!.data.buffer).equals(Buffer.from(a[k]!.data.buffer)), k).toBe(true);
  });

  it('runs on a device without robustness (robustness: false) to bitwise the same outputs', async () => {
    await gpu();
    const engine = build(resnetish());
    const feeds = { x: randomF32([2, 3, 19, 17], 8) };
    const plain = await engine.createContext({ backend: 'webgpu' });
    const fast = await engine.createContext({ backend: 'webgpu', robustness: false });
    const [a, b] = [await plain.run(feeds), await fast.run(feeds)];
    for (const k of Object.keys(a)) expect(Buffer.from(b[k]!.data.buffer).equals(Buffer.from(a[k]!.data.buffer)), k).toBe(true);
    plain.release();
    fast.release();
  });

  it('runs several contexts of one engine concurrently, each with its own result', async () => {
    await gpu();
    const engine = build(demoNetwork());
    const ctxs = await Promise.all([0, 1, 2].map(() => engine.createContext({ backend: 'webgpu' })));
    const feeds = [0, 1, 2, 3, 4, 5].map((i) => readInputs(engine.graph, [], 100 + i));
    const outs = await Promise.all(feeds.map((f, i) => ctxs[i % 3]!.run(f)));
    feeds.forEach((f, i) => {
      const ref = runReference(engine.graph, f);
      expect(relL2(outs[i]!['probabilities']!, ref['probabilities']!)).toBeLessThan(1e-5);
    });
    for (const c of ctxs) c.release();
  });

  it('profiles per-layer GPU time with timestamp queries', async () => {
    const g = await gpu();
    const engine = build(demoNetwork());
    const ctx = await engine.createContext({ backend: 'webgpu', profile: true });
    await ctx.run(readInputs(engine.graph, [], 1));
    const prof = ctx.lastProfile();
    if (g.features.has('timestamp-query')) {
      expect(prof?.map((p) => p.layer)).toEqual(engine.layers.map((l) => l.name));
      expect(prof!.every((p) => p.ms >= 0)).toBe(true);
      // First layer's start to last layer's end: at least the sum of the layers' own times.
      const sum = prof!.reduce((s, p) => s + p.ms, 0);
      expect(ctx.lastGpuMs()).toBeGreaterThanOrEqual(sum);
    }
    ctx.release();
  });

  it('times the whole run from the first to the last layer that dispatches, when views come first or last', async () => {
    const g = await gpu();
    if (!g.features.has('timestamp-query')) return;
    const net = network('views-at-the-ends', { seed: 1 });
    net.output('y', net.input('x', [2, 3, 8, 8]).flatten().reshape([2, 3, 8, 8]).conv2d(4, { kernel: 3, pad: 1 }).relu().flatten());
    const engine = build(net.build(), { optimizationLevel: 0 }); // level 0 keeps the leading views
    expect(engine.layers[0]!.tactic).toBe('view.reshape'); // the case: nothing is stamped for the first and last layers
    expect(engine.layers[engine.layers.length - 1]!.tactic).toBe('view.reshape');
    const ctx = await engine.createContext({ backend: 'webgpu', profile: true });
    await ctx.run({ x: randomF32([2, 3, 8, 8], 2) });
    const prof = ctx.lastProfile()!;
    for (const [i, l] of engine.layers.entries()) if (l.tactic === 'view.reshape') expect(prof[i]!.ms).toBe(0);
    const conv = prof.find((p) => p.op !== 'Reshape' && p.op !== 'Flatten')!;
    expect(conv.ms).toBeGreaterThan(0);
    expect(ctx.lastGpuMs()).toBeGreaterThanOrEqual(conv.ms);
    expect(ctx.lastGpuMs()).toBeLessThan(60_000);
    ctx.release();
  });

  it("times the whole run in one pass with profile: 'total', outputs unchanged", async () => {
    const g = await gpu();
    const engine = build(demoNetwork());
    const ctx = await engine.createContext({ backend: 'webgpu', profile: 'total' });
    const feeds = readInputs(engine.graph, [], 1);
    const out = await ctx.run(feeds);
    expect(relL2(out['probabilities']!, runReference(engine.graph, feeds)['probabilities']!)).toBeLessThan(1e-5);
    expect(ctx.lastProfile()).toBeUndefined();
    if (g.features.has('timestamp-query')) expect(ctx.lastGpuMs()).toBeGreaterThan(0);
    else expect(ctx.lastGpuMs()).toBeUndefined();
    ctx.release();
  });

  it('repeat: runs the engine back to back in one submission, the outputs of one run, GPU time per repetition', async () => {
    const g = await gpu();
    const engine = build(demoNetwork());
    const feeds = readInputs(engine.graph, [], 1);
    const once = await engine.createContext({ backend: 'webgpu' });
    const want = await once.run(feeds);
    once.release();
    const ctx = await engine.createContext({ backend: 'webgpu', profile: 'total', repeat: 8 });
    const got = await ctx.run(feeds);
    expect(Array.from(got['probabilities']!.data as Float32Array)).toEqual(Array.from(want['probabilities']!.data as Float32Array));
    if (g.features.has('timestamp-query')) expect(ctx.lastGpuMs()).toBeGreaterThan(0);
    ctx.release();
    for (const opts of [{ repeat: 0 }, { repeat: 2.5 }, { repeat: 2, profile: true }, { repeat: 2, observe: [engine.layers[0]!.outputs[0]!] }]) {
      await expect(engine.createContext({ backend: 'webgpu', ...opts }), JSON.stringify(opts)).rejects.toThrow(DeviceError);
    }
  });

  it('rejects missing, extra and mis-shaped inputs with InputError naming the input', async () => {
    await gpu();
    const engine = build(demoNetwork());
    const ctx = await engine.createContext({ backend: 'webgpu' });
    await expect(ctx.run({})).rejects.toThrow(/input 'image'.*missing/);
    await expect(ctx.run({ image: randomF32([1, 3, 32, 31], 1) })).rejects.toThrow(InputError);
    await expect(ctx.run({ image: randomF32([1, 3, 32, 32], 1), other: randomF32([1], 1) })).rejects.toThrow(/'other' is not an input/);
    ctx.release();
  });
});

describe('reference backend', () => {
  it('runs the same engine on the CPU reference executor', async () => {
    const engine = build(demoNetwork());
    const ctx = await engine.createContext({ backend: 'reference' });
    expect(ctx.backend).toBe('reference');
    const feeds = readInputs(engine.graph, [], 3);
    const out = await ctx.run(feeds);
    const sum = Array.from(out['probabilities']!.data as Float32Array).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
  });
});
