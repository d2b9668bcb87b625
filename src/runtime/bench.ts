/**
 * Timing an execution context: warm-up runs, then timed runs, wall time per run (submit to
 * outputs read back) and, where the adapter has timestamp queries and the context was created
 * with `profile`, the GPU time of each run.
 */
import type { Tensor } from '../ir/tensor.js';
import type { Backend, ExecutionContext } from './context.js';

export interface BenchOptions {
  /** Timed runs (default 20). */
  readonly iterations?: number;
  /** Untimed runs first (default 3): pipelines, buffers and clocks warm up. */
  readonly warmup?: number;
}

export interface Stats {
  readonly min: number;
  readonly mean: number;
  readonly median: number;
  readonly p90: number;
  readonly max: number;
}

export interface BenchReport {
  readonly kind: 'bench';
  readonly backend: Backend;
  readonly iterations: number;
  /** Wall time per run, ms: feeds written, one submit, outputs read back. */
  readonly wallMs: Stats;
  /** GPU time per run, ms (timestamp queries), when the context measures it. */
  readonly gpuMs?: Stats;
  /** The timed runs' times, ms, in run order: what a latency histogram is drawn from. */
  readonly samples?: { readonly wallMs: readonly number[]; readonly gpuMs?: readonly number[] };
}

/** The value at percentile p (0-100) of ascending values (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function stats(values: readonly number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  return { min: v[0]!, mean: v.reduce((s, x) => s + x, 0) / v.length, median: percentile(v, 50), p90: percentile(v, 90), max: v[v.length - 1]! };
}

/** Runs `ctx` on `feeds` `warmup` times, then `iterations` times timed. */
export async function benchmark(ctx: ExecutionContext, feeds: Readonly<Record<string, Tensor>>, opts: BenchOptions = {}): Promise<BenchReport> {
  const iterations = Math.max(1, opts.iterations ?? 20);
  for (let i = 0; i < (opts.warmup ?? 3); i++) await ctx.run(feeds);
  const wall: number[] = [];
  const gpu: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await ctx.run(feeds);
    wall.push(performance.now() - t);
    const g = ctx.lastGpuMs();
    if (g !== undefined) gpu.push(g);
  }
  const withGpu = gpu.length === iterations;
  return {
    kind: 'bench', backend: ctx.backend, iterations, wallMs: stats(wall), ...(withGpu ? { gpuMs: stats(gpu) } : {}),
    samples: { wallMs: wall, ...(withGpu ? { gpuMs: gpu } : {}) },
  };
}
