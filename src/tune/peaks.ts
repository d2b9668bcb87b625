/**
 * The adapter's measured peaks, the roof of the roofline: the f32 multiply-add rate
 * (kernels/peak/fma.wgsl) and the memory bandwidth of a plain copy (kernels/peak/copy.wgsl),
 * timed the way the autotuner times candidates (./timing.ts). A layer's attainable rate is
 * min(peak FLOP/s, intensity x peak bandwidth); src/engine/roofline.ts places layers against it.
 */
import type { Gpu } from '../runtime/device.js';
import type { PreparedLayer } from '../runtime/layer.js';
import { bindDispatch, encodeDispatch, metaBuffer, pipelineFor } from '../runtime/pipelines.js';
import { grid, Meta } from '../tactics/meta.js';
import type { KernelPlan } from '../tactics/types.js';
import { timeCandidates, type TimingOptions } from './timing.js';

export interface AdapterPeaks {
  /** f32 FLOP/s (a multiply-add counts two). */
  readonly flops: number;
  /** Bytes/s read plus written. */
  readonly bytesPerSecond: number;
  readonly method: 'timestamp' | 'wall';
}

export interface PeakOptions extends TimingOptions {
  /** Threads of the FMA kernel (default 2^20: every SM of a large GPU busy). */
  readonly fmaThreads?: number;
  /** Rounds of 64 FLOPs per thread (default 512). */
  readonly fmaRounds?: number;
  /** Bytes copied (default 64 MiB: far beyond any cache). */
  readonly copyBytes?: number;
}

const WG = 256;
/** The FMA kernel's constants: with them every chain tends to 2 (see the kernel). */
export const FMA_A = 0.5;
export const FMA_B = 1;
export const FMA_FLOPS_PER_ROUND = 64;

export function fmaPlan(threads: number, rounds: number): KernelPlan {
  return {
    kernel: 'peak/fma.wgsl',
    constants: { WG },
    meta: new Meta().u32(rounds).f32(FMA_A, FMA_B).done(),
    dispatch: grid(Math.ceil(threads / WG)),
    bindings: [{ output: 0 }],
  };
}

function copyPlan(bytes: number): KernelPlan {
  const words = Math.ceil(bytes / 16);
  return { kernel: 'peak/copy.wgsl', constants: { WG }, meta: new Meta().u32(words).done(), dispatch: grid(Math.ceil(words / WG)), bindings: [{ input: 0 }, { output: 0 }] };
}

/** One plan with its buffers (storage binding i gets `buffers[i]`) as a PreparedLayer the timer takes. */
export async function preparePlan(gpu: Gpu, plan: KernelPlan, buffers: readonly GPUBuffer[]): Promise<PreparedLayer> {
  const meta = metaBuffer(gpu, plan);
  const d = bindDispatch(gpu, plan, await pipelineFor(gpu, plan), meta, buffers);
  return { encode: (pass) => encodeDispatch(pass, d), outputs: [buffers[buffers.length - 1]], release: () => [meta, ...buffers].forEach((b) => b.destroy()) };
}

/** Measures the adapter's f32 FMA rate and copy bandwidth. */
export async function measurePeaks(gpu: Gpu, opts: PeakOptions = {}): Promise<AdapterPeaks> {
  const threads = Math.ceil((opts.fmaThreads ?? 1 << 20) / WG) * WG;
  const rounds = opts.fmaRounds ?? 512;
  const bytes = Math.min(opts.copyBytes ?? 64 << 20, gpu.device.limits.maxStorageBufferBindingSize);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const buffer = (size: number) => gpu.device.createBuffer({ size: Math.ceil(size / 16) * 16, usage });
  const fma = await preparePlan(gpu, fmaPlan(threads, rounds), [buffer(16 * threads)]);
  const copy = await preparePlan(gpu, copyPlan(bytes), [buffer(bytes), buffer(bytes)]);
  try {
    const [f, c] = await timeCandidates(gpu, [fma, copy], { iterations: 5, warmup: 2, repeat: 5, ...opts, dropFactor: Infinity });
    return { flops: (threads * rounds * FMA_FLOPS_PER_ROUND) / (f!.meanMs * 1e-3), bytesPerSecond: (2 * Math.ceil(bytes / 16) * 16) / (c!.meanMs * 1e-3), method: f!.method };
  } finally {
    fma.release();
    copy.release();
  }
}
