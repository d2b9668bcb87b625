// Timing several engines fairly on one GPU. The H100's clocks change while a command runs
// (whole-run GPU time of one engine was seen to step between 1.8 and 7.2 ms within a minute), so
// engines are never timed one after the other: all of them warm up together for WARMUP_MS, then
// every iteration runs each once, in alternating order. Speed-ups are medians of per-iteration
// ratios. GPU time: timestamps around the run's one compute pass; wall time: ctx.run() on a
// context without timestamps (upload, encoding, submit and readback included).
import { percentile } from '../../src/runtime/bench.js';
import type { Engine } from '../../src/engine/engine.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { DeviceOptions } from '../../src/runtime/device.js';

export const WARMUP_MS = 3000;

export interface Timed {
  readonly wall: number[];
  readonly gpu: number[];
  /** Outputs of the first run. */
  readonly out: Record<string, Tensor>;
}

export async function timeInterleaved(engines: readonly Engine[], feeds: Record<string, Tensor>, iterations: number, device: DeviceOptions = {}): Promise<Timed[]> {
  const ctx = await Promise.all(engines.map(async (e) => ({
    plain: await e.createContext({ ...device, backend: 'webgpu' }),
    timed: await e.createContext({ ...device, backend: 'webgpu', profile: 'total' }),
  })));
  const out = await Promise.all(ctx.map((c) => c.plain.run(feeds)));
  for (const t = performance.now(); performance.now() - t < WARMUP_MS;) {
    for (const c of ctx) await c.timed.run(feeds);
  }
  const res = ctx.map((_, i) => ({ wall: [] as number[], gpu: [] as number[], out: out[i]! }));
  for (let i = 0; i < iterations; i++) {
    const order = ctx.map((_, k) => k);
    for (const k of i % 2 ? order.reverse() : order) {
      const t = performance.now();
      await ctx[k]!.plain.run(feeds);
      res[k]!.wall.push(performance.now() - t);
      await ctx[k]!.timed.run(feeds);
      const ms = ctx[k]!.timed.lastGpuMs();
      if (ms === undefined) throw new Error('no GPU time: this adapter lacks timestamp-query');
      res[k]!.gpu.push(ms);
    }
  }
  for (const c of ctx) {
    c.plain.release();
    c.timed.release();
  }
  return res;
}

export const median = (v: readonly number[]): number => percentile([...v].sort((a, b) => a - b), 50);
/** Median over iterations of a[i] / b[i]. */
export const ratio = (a: readonly number[], b: readonly number[]): number => median(a.map((x, i) => x / b[i]!));
