/**
 * Timing the candidates of a layer (tactics at parameter points) on the adapter: warm-up, then timed
 * samples. A sample is one compute pass running the layer several times back to back (enough for
 * about `sampleMs`, at most `repeat`), divided by that count: a pass of its own per run would
 * mostly measure the pass (on the H100 through Dawn, a timestamped pass per run read about
 * 0.07 ms, several times a small layer's kernel). With timestamp-query
 * every pass has its start and end stamped and all samples go in one submission; without it each
 * sample is submitted alone and timed on the wall clock up to onSubmittedWorkDone.
 */
import type { Gpu } from '../runtime/device.js';
import type { PreparedLayer } from '../runtime/layer.js';

export interface TimingOptions {
  /** Timed samples averaged per candidate (default 8). */
  readonly iterations?: number;
  /** Untimed runs before them (default 2). */
  readonly warmup?: number;
  /** A candidate whose first sample is this many times the best mean so far is dropped (default 3). */
  readonly dropFactor?: number;
  /** Most runs of the layer per sample, back to back in one pass (default 10). */
  readonly repeat?: number;
  /**
   * A sample aims at this much GPU time (default 1 ms): a candidate whose first run takes t ms is
   * sampled with ceil(sampleMs / t) runs, at most `repeat`. Long layers (batch 32) then run once
   * per sample instead of ten times, short ones still amortize the pass.
   */
  readonly sampleMs?: number;
}

export interface Timing {
  /** Mean and standard deviation of the samples, ms per run (the first sample only when dropped). */
  readonly meanMs: number;
  readonly stdMs: number;
  readonly runs: number;
  /** Over dropFactor times the best candidate after one sample: not timed further. */
  readonly dropped: boolean;
  readonly method: 'timestamp' | 'wall';
}

export const DEFAULT_ITERATIONS = 8;
export const DEFAULT_REPEAT = 10;
export const DEFAULT_SAMPLE_MS = 1;

/** `n` samples of `repeat` runs of `layer` (one pass each); returns each sample's time per run in ms. */
async function runs(gpu: Gpu, layer: PreparedLayer, n: number, repeat: number, stamp: boolean): Promise<number[]> {
  const { device } = gpu;
  const encodeRuns = (pass: GPUComputePassEncoder) => {
    for (let r = 0; r < repeat; r++) layer.encode(pass);
  };
  if (!stamp) {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      encodeRuns(pass);
      pass.end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      out.push((performance.now() - t0) / repeat);
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
      encodeRuns(pass);
      pass.end();
    }
    encoder.resolveQuerySet(set, 0, 2 * n, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, read, 0, 16 * n);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    return Array.from({ length: n }, (_, i) => Math.max(0, Number(t[2 * i + 1]! - t[2 * i]!) / 1e6 / repeat));
  } finally {
    set.destroy();
    resolve.destroy();
    read.destroy();
  }
}

/**
 * Times several candidates of one layer (see the file comment) round-robin: warm-up for all, then
 * sample i of every candidate before sample i + 1 of any, so a change of the GPU's clocks during
 * tuning (seen on the H100) hits all of them alike. After the first round, candidates over
 * `dropFactor` times the best are not sampled further.
 */
export async function timeCandidates(gpu: Gpu, layers: readonly PreparedLayer[], opts: TimingOptions = {}): Promise<Timing[]> {
  const stamp = gpu.features.has('timestamp-query');
  const method = stamp ? 'timestamp' : 'wall';
  const iterations = Math.max(1, opts.iterations ?? DEFAULT_ITERATIONS);
  const repeat = Math.max(1, opts.repeat ?? DEFAULT_REPEAT);
  const reps: number[] = [];
  for (const l of layers) {
    const [first] = await runs(gpu, l, 1, 1, stamp); // one run sizes the samples
    reps.push(Math.max(1, Math.min(repeat, Math.ceil((opts.sampleMs ?? DEFAULT_SAMPLE_MS) / Math.max(first!, 1e-4)))));
    await runs(gpu, l, Math.max(0, opts.warmup ?? 2), reps[reps.length - 1]!, false);
  }
  const samples: number[][] = layers.map(() => []);
  const dropped = layers.map(() => false);
  for (let i = 0; i < iterations; i++) {
    for (const [k, l] of layers.entries()) if (!dropped[k]) samples[k]!.push(...(await runs(gpu, l, 1, reps[k]!, stamp)));
    if (i === 0) {
      const best = Math.min(...samples.map((s) => s[0]!));
      samples.forEach((s, k) => (dropped[k] = s[0]! > (opts.dropFactor ?? 3) * best));
    }
  }
  return samples.map((all, k) => {
    const mean = all.reduce((s, x) => s + x, 0) / all.length;
    const std = Math.sqrt(all.reduce((s, x) => s + (x - mean) ** 2, 0) / all.length);
    return { meanMs: mean, stdMs: std, runs: all.length, dropped: dropped[k]!, method };
  });
}
