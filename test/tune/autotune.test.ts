// The autotuner on the real adapter (lavapipe in CI): every candidate timed and the fastest kept,
// identical layers timed once, the timing cache (determinism, strict mode, merge, bad files),
// forced layers left alone; the tuned engine's outputs checked against the reference.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTuned } from '../../src/engine/engine.js';
import { TimingCacheError } from '../../src/errors.js';
import { network } from '../../src/frontend/fluent/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { tensor } from '../../src/ir/tensor.js';
import { runReference } from '../../src/reference/index.js';
import type { AutotuneProgress } from '../../src/tune/autotune.js';
import { TimingCache } from '../../src/tune/cache.js';
import { relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { feedsFor } from '../passes/helpers.js';
import { registerTactic, unregisterTactic, type Tactic } from '../../src/tactics/index.js';
import { QUANTIZE } from '../../src/tactics/families/quantize.js';
import { UNARY_CODES, UNARY_F32 } from '../../src/tactics/families/unary.js';
import { prepareLayer, runPrepared, sampleOf, sampleRanges } from '../../src/runtime/layer.js';
import { randomF32 } from '../helpers/data.js';
import { opLayer } from '../helpers/op-layer.js';

const gpu = useGpu();
const FAST = { iterations: 2, warmup: 1, repeat: 2 };

/** A stem conv, two residual blocks of identical shape (different weights), a dense head. */
function twoBlocks(seed = 5): Graph {
  const net = network('two-blocks', { seed });
  let x = net.input('x', [1, 8, 8, 8]).conv2d(16, { kernel: 3, pad: 1, name: 'stem' }).relu();
  for (const b of ['b1', 'b2']) x = x.conv2d(16, { kernel: 3, pad: 1, name: `${b}_conv` }).add(x).relu({ name: `${b}_relu` });
  net.output('y', x.globalAvgPool().flatten().dense(10, { name: 'head' }));
  return net.build();
}

/** A different network: a 1x1 conv and a wider head. */
function other(): Graph {
  const net = network('other', { seed: 9 });
  net.output('y', net.input('x', [1, 4, 6, 6]).conv2d(8, { kernel: 1, name: 'pw' }).relu().globalAvgPool().flatten().dense(3, { name: 'fc' }));
  return net.build();
}

describe('autotune', () => {
  it('times every candidate of a layer and keeps the fastest; the tuned engine is correct', async () => {
    const g = twoBlocks();
    const { engine, tuning } = await buildTuned(g, { tune: { gpu: await gpu(), ...FAST } });
    const conv = tuning.records.get('b1_conv')!;
    expect(new Set(conv.candidates.map((c) => c.tactic)).size).toBeGreaterThanOrEqual(2);
    expect(conv.candidates.length).toBeGreaterThanOrEqual(5);
    for (const [name, r] of tuning.records) {
      const ran = r.candidates.filter((c) => c.meanMs !== undefined && !c.dropped);
      const best = Math.min(...ran.map((c) => c.meanMs!));
      const win = r.candidates.find((c) => c.tactic === r.tactic && JSON.stringify(c.params) === JSON.stringify(r.params))!;
      expect(win.meanMs, name).toBe(best);
      const layer = engine.layers.find((l) => l.name === name)!;
      expect([layer.tactic, layer.params]).toEqual([r.tactic, r.params]);
    }
    // Views run no kernel: chosen without timing, never traded for a copy.
    const views = engine.layers.filter((l) => ['Flatten', 'Reshape'].includes(l.op));
    expect(views.length).toBeGreaterThan(0);
    for (const l of views) expect([l.tactic, tuning.records.has(l.name)]).toEqual(['view.reshape', false]);
    expect(engine.adapter).toEqual((await gpu()).adapter);
    const feeds = feedsFor(g);
    const ctx = await engine.createContext({ backend: 'webgpu' });
    const got = await ctx.run(feeds);
    ctx.release();
    expect(relL2(got['y']!, runReference(g, feeds)['y']!)).toBeLessThan(1e-5);
  });

  it('times identical layers once, and leaves forced layers untimed', async () => {
    const events: AutotuneProgress[] = [];
    const { tuning, engine } = await buildTuned(twoBlocks(), { force: { head: 'gemm.tiled' }, tune: { gpu: await gpu(), ...FAST, onProgress: (p) => events.push(p) } });
    const source = (layer: string) => events.find((e) => e.layer === layer)!.source;
    expect([source('b1_conv'), source('b2_conv')]).toEqual(['timed', 'cache']);
    expect(tuning.records.get('b1_conv')).toBe(tuning.records.get('b2_conv'));
    expect(source('head')).toBe('forced');
    expect(engine.layers.find((l) => l.name === 'head')!.tactic).toBe('gemm.tiled');
    expect(events.map((e) => e.done)).toEqual(events.map((_, i) => i + 1));
  });

  it('the same graph and the same cache give a bitwise-identical engine, untimed, also in strict mode', async () => {
    const first = await buildTuned(twoBlocks(), { tune: { gpu: await gpu(), ...FAST } });
    const path = join(mkdtempSync(join(tmpdir(), 'wgrt-tc-')), 'cache.json');
    first.tuning.cache.save(path);
    const again = await buildTuned(twoBlocks(), { tune: { gpu: await gpu(), ...FAST, cache: TimingCache.load(path), strict: true } });
    expect(again.tuning.timed).toBe(0);
    expect(Buffer.from(again.engine.serialize()).equals(Buffer.from(first.engine.serialize()))).toBe(true);
    // Saving what was loaded writes the same file.
    const copy = `${path}.copy`;
    again.tuning.cache.save(copy);
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(path, 'utf8'));
  });

  it('strict mode: a miss is a TimingCacheError naming the layer', async () => {
    const run = buildTuned(twoBlocks(), { tune: { gpu: await gpu(), cache: new TimingCache(), strict: true } });
    await expect(run).rejects.toThrow(TimingCacheError);
    await expect(run).rejects.toThrow(/no record for layer 'stem'.*strict/);
  });

  it('merge: the union of two caches serves both networks; on a shared key the first cache wins', async () => {
    const a = (await buildTuned(twoBlocks(), { tune: { gpu: await gpu(), ...FAST } })).tuning.cache;
    const b = (await buildTuned(other(), { tune: { gpu: await gpu(), ...FAST } })).tuning.cache;
    const merged = a.merge(b);
    expect(merged.size).toBe(new Set([...a.entries(), ...b.entries()].map((r) => r.adapter + r.signature)).size);
    for (const g of [twoBlocks(), other()]) {
      const r = await buildTuned(g, { tune: { gpu: await gpu(), cache: merged, strict: true } });
      expect(r.tuning.timed).toBe(0);
    }
    const rec = a.entries()[0]!;
    const rival = new TimingCache();
    rival.set({ ...rec, tactic: 'some.other', params: {} });
    expect(a.merge(rival).get(rec.adapter, rec.signature)).toEqual(rec);
    expect(rival.merge(a).get(rec.adapter, rec.signature)!.tactic).toBe('some.other');
  });

  it('checks every candidate before timing it: a wrong tactic is rejected, against the reference or, for a large layer, the default tactic', async () => {
    // A deliberately broken Relu tactic: the unary kernel computing Sigmoid.
    const wrong: Tactic = { ...UNARY_F32, id: 'test.wrong_relu', ops: ['Relu'], space: [{ wg: 256 }], plan: (l, p) => UNARY_F32.plan(l, p).map((k) => ({ ...k, constants: { ...k.constants, OP: UNARY_CODES['Sigmoid']! } })) };
    registerTactic(wrong);
    try {
      // A small output, compared whole, and a large one (360,000 elements), compared on a sample.
      for (const shape of [[2, 3, 5], [1, 4, 300, 300]]) {
        const net = network('relu', { seed: 3 });
        net.output('y', net.input('x', shape).relu({ name: 'act' }));
        for (const [referenceMaxFlops, against] of [[undefined, 'the reference'], [0, 'pointwise.unary {"wg":256}']] as const) {
          const { engine, tuning } = await buildTuned(net.build(), { optimizationLevel: 0, tune: { gpu: await gpu(), ...FAST, referenceMaxFlops } });
          const r = tuning.records.get('act')!;
          expect(r.checkedAgainst).toBe(against);
          const bad = r.candidates.find((c) => c.tactic === 'test.wrong_relu')!;
          expect(bad.meanMs).toBeUndefined();
          expect(bad.error).toMatch(new RegExp(`^wrong result \\(checked against ${against.replace(/[{}]/g, '.')}\\): output 0 has relative L2 error`));
          expect(engine.layers.find((l) => l.name === 'act')!.tactic).toBe('pointwise.unary');
        }
      }
    } finally {
      unregisterTactic(wrong.id);
    }
  });

  it('a channel-last layer with a large output passes its sampled check against the reference with every tactic', async () => {
    const net = network('wide', { seed: 6 });
    net.output('y', net.input('x', [1, 16, 80, 80]).conv2d(16, { kernel: 3, pad: 1, name: 'c1' }).relu().conv2d(48, { kernel: 3, pad: 1, name: 'c2' }).relu().conv2d(8, { kernel: 1, name: 'c3' }));
    const { engine, tuning } = await buildTuned(net.build(), { tune: { gpu: await gpu(), ...FAST } });
    const c2 = engine.graph.nodes.find((n) => n.name === 'c2')!;
    expect(engine.graph.type(c2.outputs[0]!).shape).toEqual([1, 48, 80, 80]); // 307,200 elements (88 MFLOP): sampled, against the reference
    expect(c2.attrs['memory_layout']).toBe('nhwc');
    const r = tuning.records.get('c2')!;
    expect(r.checkedAgainst).toBe('the reference');
    expect(r.candidates.filter((c) => c.error?.startsWith('wrong result'))).toEqual([]);
    expect(r.candidates.filter((c) => c.meanMs !== undefined).length).toBeGreaterThan(5);
  });

  it('a tactic that writes nothing is rejected though the candidates share their output buffer', async () => {
    const lazy: Tactic = { ...UNARY_F32, id: 'test.lazy_relu', ops: ['Relu'], space: [{ wg: 256 }], plan: (l, p) => UNARY_F32.plan(l, p).map((k) => ({ ...k, dispatch: [0, 1, 1] as const })) };
    registerTactic(lazy);
    try {
      for (const shape of [[2, 3, 5], [1, 4, 300, 300]]) {
        const net = network('relu', { seed: 3 });
        net.output('y', net.input('x', shape).relu({ name: 'act' }));
        const { tuning } = await buildTuned(net.build(), { optimizationLevel: 0, tune: { gpu: await gpu(), ...FAST } });
        const bad = tuning.records.get('act')!.candidates.find((c) => c.tactic === 'test.lazy_relu')!;
        expect(bad.error, JSON.stringify(shape)).toMatch(/^wrong result/);
      }
    } finally {
      unregisterTactic(lazy.id);
    }
  });

  it('a sampled read of a large output is sampleOf its whole physical buffer, whatever its dtype', async () => {
    const x = randomF32([1, 4, 300, 300], 5, -1, 1);
    const cases = [
      { ...opLayer('Relu', [x]), tactic: UNARY_F32, dtype: 'f32' },
      { ...opLayer('QuantizeLinear', [x, tensor('f32', [], [0.01]), tensor('i8', [], [3])]), tactic: QUANTIZE, dtype: 'i8' },
    ];
    for (const { layer, inputs, tactic, dtype } of cases) {
      const p = await prepareLayer(await gpu(), layer, tactic, inputs);
      try {
        const [whole] = await runPrepared(await gpu(), layer, p);
        const [sample] = await runPrepared(await gpu(), layer, p, true);
        const ranges = sampleRanges(360_000)!;
        expect(ranges[0]![0]).toBe(0);
        expect(ranges.at(-1)![0] + ranges.at(-1)![1]).toBe(360_000);
        expect(sample!.dtype).toBe(dtype);
        expect(new Set(Array.from(sample!.data as Float32Array)).size, 'varied values').toBeGreaterThan(100);
        expect(Array.from(sample!.data as Float32Array)).toEqual(Array.from(sampleOf(whole!, ranges).data as Float32Array));
      } finally {
        p.release();
      }
    }
    expect(sampleRanges(1000)).toBeUndefined();
  });

  it('a bad cache file is a TimingCacheError that names the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wgrt-tc-'));
    const cases: [string, RegExp][] = [
      ['{ not json', /is not JSON/],
      ['{"format":"something-else","version":1,"records":[]}', /not a wgrt timing cache/],
      ['{"format":"wgrt-timing-cache","version":99,"records":[]}', /version 99/],
      ['{"format":"wgrt-timing-cache","version":1,"records":[{"adapter":"a","signature":"s","tactic":"t","params":{"x":"big"},"candidates":[]}]}', /record 0 is malformed/],
    ];
    for (const [i, [text, why]] of cases.entries()) {
      const path = join(dir, `bad${i}.json`);
      writeFileSync(path, text);
      expect(() => TimingCache.load(path)).toThrow(TimingCacheError);
      expect(() => TimingCache.load(path)).toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*${why.source}`));
    }
    expect(() => TimingCache.load(join(dir, 'missing.json'))).toThrow(/cannot be read/);
  });
});
