// The statistics and warnings of a performance run (src/runtime/perf.ts) against values worked
// out by hand, and the host-side phases a WebGPU context reports (sanity only: no timing claims).
import { describe, expect, it } from 'vitest';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { build } from '../../src/engine/engine.js';
import { randomInput } from '../../src/ir/random.js';
import { perfWarnings, runPerf, spread, summarizePerf, type RunTimes } from '../../src/runtime/perf.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();

describe('spread', () => {
  it('min, mean, nearest-rank percentiles, population stdev and coefficient of variation', () => {
    // sorted 2 4 4 4 5 5 7 9: mean 40/8 = 5; squared deviations 9 1 1 1 0 0 4 16 sum 32, /8 = 4, stdev 2.
    // Nearest rank of 8 values: p50 -> ceil(4) = 4th = 4; p90 -> ceil(7.2) = 8th = 9; p95, p99 -> 8th = 9.
    expect(spread([5, 9, 4, 2, 7, 4, 5, 4])).toEqual({ min: 2, mean: 5, median: 4, p90: 9, max: 9, p95: 9, p99: 9, stdev: 2, cv: 0.4 });
    // 20 values 1..20: p95 -> ceil(19) = 19th = 19, p99 -> ceil(19.8) = 20th = 20.
    const s = spread(Array.from({ length: 20 }, (_, i) => i + 1));
    expect([s.p90, s.p95, s.p99]).toEqual([18, 19, 20]);
    expect(spread([0, 0]).cv).toBe(0);
  });
});

describe('perfWarnings', () => {
  it('warns above 10 % coefficient of variation, not at it, and when H2D + D2H exceed the GPU compute', () => {
    const steady = spread([9, 11]); // mean 10, stdev 1: cv exactly 10 %
    expect(perfWarnings({ latency: steady, gpu: steady })).toEqual([]);
    const gpu = spread([1.6, 2.4]); // mean 2, stdev 0.4: cv 20 %
    const w = perfWarnings({ latency: steady, gpu, h2d: spread([1, 1]), d2h: spread([1.5, 1.5]) });
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/^GPU compute time is unstable: coefficient of variation 20\.0 % \(> 10\.0 %\)/);
    expect(w[1]).toMatch(/^transfers dominate: H2D \+ D2H \(2\.500 ms\) take longer than the GPU compute \(2\.000 ms\)/);
    expect(perfWarnings({ latency: spread([1, 3]) })[0]).toMatch(/^latency is unstable: coefficient of variation 50\.0 %/);
  });
});

describe('summarizePerf', () => {
  const phases = (writeMs: number, enqueueMs: number, waitMs: number, readMs: number) => ({ writeMs, enqueueMs, waitMs, readMs });
  it('qps is runs per wall second; a time is summarized only when every run has it', () => {
    const runs: RunTimes[] = [
      { context: 0, startMs: 0, latencyMs: 10, phases: phases(1, 2, 6, 1), gpuMs: 5 },
      { context: 1, startMs: 1, latencyMs: 14, phases: phases(3, 2, 8, 1) },
    ];
    const s = summarizePerf({ runs, wallMs: 20 });
    expect(s.qps).toBe(100); // 2 runs in 0.02 s
    expect([s.latency.mean, s.h2d?.mean, s.enqueue?.mean, s.wait?.mean, s.d2h?.mean]).toEqual([12, 2, 2, 7, 1]);
    expect(s.gpu).toBeUndefined(); // the second run has no GPU time
    expect(s.warnings).toEqual([expect.stringMatching(/^latency is unstable: coefficient of variation 16\.7 %/)]); // stdev 2 / mean 12
  });
});

describe('runPerf on WebGPU', () => {
  it('runs at least the asked iterations on every context, with positive phases inside each latency', async () => {
    const engine = build(demoNetwork());
    const g = engine.graph;
    const feeds = { image: randomInput(g.inputs[0]!.type, 1) };
    const contexts = [await engine.createContext({ backend: 'webgpu', profile: 'total' }), await engine.createContext({ backend: 'webgpu', profile: 'total' })];
    try {
      const run = await runPerf(contexts, feeds, { warmupMs: 0, durationMs: 0, iterations: 4 });
      expect(run.runs.length).toBeGreaterThanOrEqual(4);
      expect(new Set(run.runs.map((r) => r.context))).toEqual(new Set([0, 1]));
      for (const r of run.runs) {
        const p = r.phases!;
        for (const v of [p.writeMs, p.enqueueMs, p.waitMs, p.readMs, r.latencyMs]) expect(Number.isFinite(v) && v >= 0).toBe(true);
        expect(p.writeMs + p.enqueueMs + p.waitMs + p.readMs).toBeLessThanOrEqual(r.latencyMs);
        expect(r.startMs + r.latencyMs).toBeLessThanOrEqual(run.wallMs);
        if (contexts[0]!.gpu!.features.has('timestamp-query')) expect(r.gpuMs).toBeGreaterThan(0);
      }
    } finally {
      for (const c of contexts) c.release();
    }
  });
});
