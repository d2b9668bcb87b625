/**
 * Timing one candidate (a tactic at one parameter point) on the adapter: warm-up runs, then timed
 * runs, each in a compute pass of its own. With timestamp-query every pass has its start and end
 * stamped and all of them go in one submission; without it each run is submitted alone and timed
 * on the wall clock up to onSubmittedWorkDone (kernel time plus the submission's overhead).
 */
import type { Gpu } from '../runtime/device.js';
import type { PreparedLayer } from '../runtime/layer.js';

export interface TimingOptions {
  /** Timed runs averaged per candidate (default 8). */
  readonly iterations?: number;
  /** Untimed runs before them (default 2). */
  readonly warmup?: number;
  /** A candidate whose first timed run is this many times the best mean so far is dropped (default 3). */
  readonly dropFactor?: number;
}

export interface Timing {
  /** Mean and standard deviation of the timed runs, ms (the first run only when dropped). */
  readonly meanMs: number;
  readonly stdMs: number;
  readonly runs: number;
  /** Over dropFactor times the best candidate after one run: not timed further. */
  readonly dropped: boolean;
  readonly method: 'timestamp' | 'wall';
}

export const DEFAULT_ITERATIONS = 8;

/** `n` runs of `layer`, each its own pass; returns each run's time in ms. */
async function runs(gpu: Gpu, layer: PreparedLayer, n: number, stamp: boolean): Promise<number[]> {
  const { device } = gpu;
  if (!stamp) {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      layer.encode(pass);
      pass.end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      out.push(performance.now() - t0);
    }
    return out;
  }
  const set = device.createQuerySet({ type: 'timestamp', count: 2 * n });
  const resolve = device.createBuffer({ size: 16 * n, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: 16 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder();
    for (let i = 0; i < n; i++) {
      const pass = encoder.beginComputePass({ timestampWrites: { querySet: set, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      layer.encode(pass);
      pass.end();
    }
    encoder.resolveQuerySet(set, 0, 2 * n, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, read, 0, 16 * n);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    return Array.from({ length: n }, (_, i) => Math.max(0, Number(t[2 * i + 1]! - t[2 * i]!) / 1e6));
  } finally {
    set.destroy();
    resolve.destroy();
    read.destroy();
  }
}

/** Times `layer` (see the file comment); `bestMs` is the best mean among the candidates timed before it. */
export async function timeLayer(gpu: Gpu, layer: PreparedLayer, opts: TimingOptions = {}, bestMs = Infinity): Promise<Timing> {
  const stamp = gpu.features.has('timestamp-query');
  const method = stamp ? 'timestamp' : 'wall';
  const iterations = Math.max(1, opts.iterations ?? DEFAULT_ITERATIONS);
  await runs(gpu, layer, Math.max(0, opts.warmup ?? 2), false);
  const first = await runs(gpu, layer, 1, stamp);
  if (first[0]! > (opts.dropFactor ?? 3) * bestMs) return { meanMs: first[0]!, stdMs: 0, runs: 1, dropped: true, method };
  const all = [...first, ...(iterations > 1 ? await runs(gpu, layer, iterations - 1, stamp) : [])];
  const mean = all.reduce((s, x) => s + x, 0) / all.length;
  const std = Math.sqrt(all.reduce((s, x) => s + (x - mean) ** 2, 0) / all.length);
  return { meanMs: mean, stdMs: std, runs: all.length, dropped: false, method };
}
