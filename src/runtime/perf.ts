/**
 * trtexec-style performance runs (`wgrt bench`). Execution contexts of one engine run their
 * inferences back to back, all at once (several in flight share the queue): first for a warm-up
 * time, then until both a minimum duration and a minimum number of runs are reached. Each timed
 * run keeps what can be measured of it:
 *
 * - latency: host wall time of ExecutionContext.run, from the call to the outputs in host memory;
 * - the host-side phases of the run (RunPhases, src/runtime/context.ts): writing the inputs to the
 *   queue, encoding + submit (enqueue), waiting for the submitted work, reading the outputs back;
 * - GPU compute time: timestamp queries at the start and end of the run's one compute pass, when
 *   the adapter has timestamp-query (the context is created with profile: 'total').
 *
 * WebGPU cannot stamp copies, so the device-side copies of inputs and outputs are inside the wait,
 * not in the H2D/D2H phases: those are the host's share of the transfers. On a discrete GPU the
 * DMA itself is in "wait minus compute"; on a software adapter (lavapipe) memory is host memory.
 */
import { percentile, stats, type Stats } from './bench.js';
import type { ExecutionContext, LayerTime, RunPhases } from './context.js';
import type { Tensor } from '../ir/tensor.js';

export interface PerfOptions {
  /** Untimed runs for this long first, ms (default 200; 0: none). */
  readonly warmupMs?: number;
  /** Timed runs last at least this long, ms (default 3000). */
  readonly durationMs?: number;
  /** And there are at least this many timed runs (default 10). */
  readonly iterations?: number;
}

/** One timed run. */
export interface RunTimes {
  /** Which context ran it (0 to in-flight - 1). */
  readonly context: number;
  /** When it started, ms after the timed runs began. */
  readonly startMs: number;
  /** Host wall time of ExecutionContext.run, ms. */
  readonly latencyMs: number;
  readonly phases?: RunPhases;
  /** GPU compute time (timestamp queries), ms. */
  readonly gpuMs?: number;
}

export interface PerfRun {
  readonly runs: readonly RunTimes[];
  /** Wall time of the timed runs, ms: the first one's start to the last one's end. */
  readonly wallMs: number;
}

/** Runs each context back to back, all at once: warm-up, then timed runs (see the file comment). */
export async function runPerf(contexts: readonly ExecutionContext[], feeds: Readonly<Record<string, Tensor>>, opts: PerfOptions = {}): Promise<PerfRun> {
  const [warmupMs, durationMs, iterations] = [opts.warmupMs ?? 200, opts.durationMs ?? 3000, opts.iterations ?? 10];
  const loop = (enough: () => boolean, done?: (c: number, start: number, ctx: ExecutionContext) => void) =>
    Promise.all(contexts.map(async (ctx, c) => {
      while (!enough()) {
        const start = performance.now();
        await ctx.run(feeds);
        done?.(c, start, ctx);
      }
    }));
  const w0 = performance.now();
  if (warmupMs > 0) await loop(() => performance.now() - w0 >= warmupMs);
  const runs: RunTimes[] = [];
  const t0 = performance.now();
  await loop(() => runs.length >= iterations && performance.now() - t0 >= durationMs, (context, start, ctx) => {
    const latencyMs = performance.now() - start;
    const [phases, gpuMs] = [ctx.lastPhases(), ctx.lastGpuMs()];
    runs.push({ context, startMs: start - t0, latencyMs, ...(phases ? { phases } : {}), ...(gpuMs !== undefined ? { gpuMs } : {}) });
  });
  return { runs, wallMs: performance.now() - t0 };
}

/** Stats with the tail percentiles, the standard deviation and the coefficient of variation. */
export interface Spread extends Stats {
  readonly p95: number;
  readonly p99: number;
  /** Population standard deviation. */
  readonly stdev: number;
  /** stdev / mean (0 when the mean is 0). */
  readonly cv: number;
}

export function spread(values: readonly number[]): Spread {
  const s = stats(values);
  const sorted = [...values].sort((a, b) => a - b);
  const stdev = Math.sqrt(values.reduce((acc, x) => acc + (x - s.mean) ** 2, 0) / values.length);
  return { ...s, p95: percentile(sorted, 95), p99: percentile(sorted, 99), stdev, cv: s.mean > 0 ? stdev / s.mean : 0 };
}

export interface PerfSummary {
  readonly iterations: number;
  readonly wallMs: number;
  /** Inferences per second: timed runs / wall time. */
  readonly qps: number;
  readonly latency: Spread;
  /** Host-side phases (RunPhases), when the contexts report them. */
  readonly h2d?: Spread;
  readonly enqueue?: Spread;
  readonly wait?: Spread;
  readonly d2h?: Spread;
  /** GPU compute time, when every run has it. */
  readonly gpu?: Spread;
  readonly warnings: readonly string[];
}

/** A coefficient of variation above this makes a time "unstable". */
export const UNSTABLE_CV = 0.1;

export function summarizePerf(run: PerfRun): PerfSummary {
  const { runs, wallMs } = run;
  const all = <T>(pick: (r: RunTimes) => T | undefined): T[] | undefined => {
    const v = runs.map(pick).filter((x): x is T => x !== undefined);
    return v.length === runs.length && v.length > 0 ? v : undefined;
  };
  const phase = (k: keyof RunPhases) => {
    const v = all((r) => r.phases?.[k]);
    return v ? spread(v) : undefined;
  };
  const gpuMs = all((r) => r.gpuMs);
  const parts = { latency: spread(runs.map((r) => r.latencyMs)), h2d: phase('writeMs'), enqueue: phase('enqueueMs'), wait: phase('waitMs'), d2h: phase('readMs'), gpu: gpuMs ? spread(gpuMs) : undefined };
  const defined = Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)) as Pick<PerfSummary, 'latency' | 'h2d' | 'enqueue' | 'wait' | 'd2h' | 'gpu'>;
  return { iterations: runs.length, wallMs, qps: runs.length / (wallMs / 1000), ...defined, warnings: perfWarnings(defined) };
}

/**
 * trtexec's warnings: a latency or GPU compute time that varies by more than 10 % of its mean
 * (coefficient of variation), and transfers (H2D + D2H means) that take longer than the GPU compute.
 */
export function perfWarnings(s: Pick<PerfSummary, 'latency' | 'gpu' | 'h2d' | 'd2h'>): string[] {
  const out: string[] = [];
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  for (const [what, v] of [['latency', s.latency], ['GPU compute time', s.gpu]] as const) {
    if (v && v.cv > UNSTABLE_CV) {
      out.push(`${what} is unstable: coefficient of variation ${pct(v.cv)} (> ${pct(UNSTABLE_CV)}); other work on the machine or clock changes may be at play: run longer (--duration) on an idle machine`);
    }
  }
  if (s.h2d && s.d2h && s.gpu && s.h2d.mean + s.d2h.mean > s.gpu.mean) {
    out.push(`transfers dominate: H2D + D2H (${(s.h2d.mean + s.d2h.mean).toFixed(3)} ms) take longer than the GPU compute (${s.gpu.mean.toFixed(3)} ms) per run; throughput is bound by moving data, not by the network: give each run more work (--batch)`);
  }
  return out;
}

/**
 * Per-layer GPU time, the median of each layer over `runs` runs of a context created with
 * profile: 'layers' (one timed pass per layer), after one untimed run; and the median span of
 * those runs (the first layer's start to the last one's end, gaps between passes included).
 */
export async function medianProfile(ctx: ExecutionContext, feeds: Readonly<Record<string, Tensor>>, runs: number): Promise<{ layers: LayerTime[]; spanMs: number } | undefined> {
  await ctx.run(feeds);
  const profiles: LayerTime[][] = [];
  const spans: number[] = [];
  for (let i = 0; i < runs; i++) {
    await ctx.run(feeds);
    const [p, span] = [ctx.lastProfile(), ctx.lastGpuMs()];
    if (!p || span === undefined) return undefined;
    profiles.push(p);
    spans.push(span);
  }
  const median = (v: number[]) => percentile(v.sort((a, b) => a - b), 50);
  const layers = profiles[0]!.map((l, i) => ({ ...l, ms: median(profiles.map((p) => p[i]!.ms)) }));
  return { layers, spanMs: median(spans) };
}
