import { allocate } from '../ir/dtype.js';
import { physicalType, toPhysical } from '../ir/layout.js';
import { packConstant, packKey } from '../tactics/pack.js';
import { sizeOf, tensor, type Tensor, type TensorType } from '../ir/tensor.js';
import type { LayerInfo, Tactic, TacticParams } from '../tactics/types.js';
import { fromGpuWords, fromLayoutWords, gpuBytes, toGpuWords } from './buffers.js';
import type { Gpu } from './device.js';
import { bindDispatch, encodeDispatch, metaBuffer, pipelineFor, scratchBytes, type PreparedDispatch } from './pipelines.js';

/** One layer with one tactic, its buffers filled and its dispatches bound, ready to encode any number of times. */
export interface PreparedLayer {
  /** Encodes the layer's dispatches into `pass`. */
  encode(pass: GPUComputePassEncoder): void;
  /** The output buffers, in the layer's output layouts (undefined where an output is absent). */
  readonly outputs: readonly (GPUBuffer | undefined)[];
  release(): void;
}

/**
 * A layer's input and output buffers, uploaded once and shared by several prepared tactics (the
 * autotuner's candidates: a batch-32 activation is not converted and uploaded once per
 * candidate), with the packed constants made so far.
 */
export interface LayerBuffers {
  readonly inputs: readonly (GPUBuffer | undefined)[];
  readonly outputs: readonly (GPUBuffer | undefined)[];
  /** Packed constants by input index and packing (src/tactics/pack.ts), released with the rest. */
  readonly packed: Map<string, GPUBuffer>;
  release(): void;
}

function makeBuffer(gpu: Gpu, bytes: number, made: GPUBuffer[]): GPUBuffer {
  const b = gpu.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  made.push(b);
  return b;
}

function uploadTensor(gpu: Gpu, t: Tensor, made: GPUBuffer[]): GPUBuffer {
  const b = makeBuffer(gpu, gpuBytes(t), made);
  gpu.device.queue.writeBuffer(b, 0, toGpuWords(t));
  return b;
}

/** Uploads `inputs` (logical tensors, stored in the layer's layouts) and makes the output buffers. */
export function layerBuffers(gpu: Gpu, layer: LayerInfo, inputs: readonly (Tensor | undefined)[]): LayerBuffers {
  const made: GPUBuffer[] = [];
  const packed = new Map<string, GPUBuffer>();
  const release = () => [...made, ...packed.values()].forEach((b) => b.destroy());
  try {
    return {
      inputs: inputs.map((t, i) => (t ? uploadTensor(gpu, toPhysical(t, layer.layouts.inputs[i] ?? 'nchw'), made) : undefined)),
      outputs: layer.outputs.map((t) => (t ? makeBuffer(gpu, gpuBytes(t), made) : undefined)),
      packed,
      release,
    };
  } catch (e) {
    release();
    throw e;
  }
}

/**
 * Prepares `tactic` on a layer: its buffers (`shared`, else uploaded from `inputs` for this
 * tactic alone; constants packed as the tactic's bindings say), scratch, and bound dispatches.
 */
export async function prepareLayer(
  gpu: Gpu,
  layer: LayerInfo,
  tactic: Tactic,
  inputs: readonly (Tensor | undefined)[],
  params?: TacticParams,
  shared?: LayerBuffers,
): Promise<PreparedLayer> {
  const made: GPUBuffer[] = [];
  const own = shared ? undefined : layerBuffers(gpu, layer, inputs);
  const bufs = shared ?? own!;
  const release = () => {
    made.forEach((b) => b.destroy());
    own?.release();
  };
  try {
    const plans = tactic.plan(layer, params ?? tactic.space[0] ?? {});
    const scratchSize = scratchBytes(plans);
    const scratch = scratchSize > 0 ? makeBuffer(gpu, scratchSize, made) : undefined;
    const packed = (i: number, key: string, pack: () => Tensor) => {
      let b = bufs.packed.get(`${i} ${key}`);
      if (!b) bufs.packed.set(`${i} ${key}`, (b = uploadTensor(gpu, pack(), []))); // released with the LayerBuffers
      return b;
    };
    const dispatches: PreparedDispatch[] = [];
    for (const plan of plans) {
      const pipeline = await pipelineFor(gpu, plan);
      const meta = metaBuffer(gpu, plan);
      made.push(meta);
      const storage = plan.bindings.map((b) => {
        if ('scratch' in b) return scratch!;
        const key = 'input' in b ? packKey(b) : undefined;
        const buf = 'input' in b ? (key && inputs[b.input] ? packed(b.input, key, () => packConstant(inputs[b.input]!, b)) : bufs.inputs[b.input]) : bufs.outputs[b.output];
        if (!buf) throw new Error(`tactic ${tactic.id} binds an absent tensor ${JSON.stringify(b)}`);
        return buf;
      });
      dispatches.push(bindDispatch(gpu, plan, pipeline, meta, storage));
    }
    return { encode: (pass) => dispatches.forEach((d) => encodeDispatch(pass, d)), outputs: bufs.outputs, release };
  } catch (e) {
    release();
    throw e;
  }
}

/** Evenly spread chunks of a physical buffer of `n` elements that a sampled read takes. */
export const SAMPLE_CHUNKS = 64;
export const SAMPLE_CHUNK = 4096;

/** Output i of a layer as its buffer holds it (src/ir/layout.ts: an 8-bit channel-last one packed). */
export const physicalOutput = (layer: LayerInfo, i: number): TensorType => physicalType(layer.outputs[i]!, layer.layouts.outputs[i] ?? 'nchw');

/** The [offset, count] element ranges sampled from `n` elements, or undefined when `n` is small enough to read whole. */
export function sampleRanges(n: number): [number, number][] | undefined {
  if (n <= SAMPLE_CHUNKS * SAMPLE_CHUNK) return undefined;
  return Array.from({ length: SAMPLE_CHUNKS }, (_, i) => [Math.floor((i * (n - SAMPLE_CHUNK)) / (SAMPLE_CHUNKS - 1)), SAMPLE_CHUNK]);
}

/** The sampled elements of a physical tensor, as a 1-D tensor of its dtype (what a sampled read returns). */
export function sampleOf(t: Tensor, ranges: readonly [number, number][]): Tensor {
  const out = allocate(t.dtype, ranges.length * SAMPLE_CHUNK) as Float32Array;
  ranges.forEach(([o, c], i) => out.set((t.data as Float32Array).subarray(o, o + c), i * SAMPLE_CHUNK));
  return tensor(t.dtype, [out.length], out);
}

/**
 * Runs a prepared layer once and reads its outputs back as logical tensors (undefined where an
 * output is absent). With `check` (the autotuner's check of a candidate): a large output comes
 * back as sampleOf its physical buffer (sampleRanges), without moving and converting a whole
 * batch-32 activation per candidate (a 32-bit word per element on the GPU, or per 4 packed ones); and
 * what is read is first filled with all-ones words (NaN, -1), so that a kernel that skips elements of a buffer shared with other candidates cannot pass
 * on their results.
 */
export async function runPrepared(gpu: Gpu, layer: LayerInfo, prepared: PreparedLayer, check = false): Promise<(Tensor | undefined)[]> {
  const device = gpu.device;
  const reads: GPUBuffer[] = [];
  try {
    if (check) {
      prepared.outputs.forEach((b, i) => {
        if (!b) return;
        const ranges = sampleRanges(sizeOf(physicalOutput(layer, i).shape));
        for (const [o, c] of ranges ?? [[0, b.size / 4]]) device.queue.writeBuffer(b, 4 * o, new Uint32Array(c).fill(0xffffffff));
      });
    }
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    prepared.encode(pass);
    pass.end();
    const staged = prepared.outputs.map((b, i) => {
      if (!b) return undefined;
      const ranges = check ? sampleRanges(sizeOf(physicalOutput(layer, i).shape)) : undefined;
      const r = device.createBuffer({ size: ranges ? 4 * SAMPLE_CHUNKS * SAMPLE_CHUNK : b.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      reads.push(r);
      if (ranges) ranges.forEach(([o, c], k) => encoder.copyBufferToBuffer(b, 4 * o, r, 4 * k * SAMPLE_CHUNK, 4 * c));
      else encoder.copyBufferToBuffer(b, 0, r, 0, b.size);
      return { r, ranges };
    });
    device.queue.submit([encoder.finish()]);
    const out: (Tensor | undefined)[] = [];
    for (const [i, s] of staged.entries()) {
      if (!s) {
        out.push(undefined);
        continue;
      }
      await s.r.mapAsync(GPUMapMode.READ);
      const type = layer.outputs[i]!;
      const l = layer.layouts.outputs[i] ?? 'nchw';
      const words = s.r.getMappedRange().slice(0);
      out.push(s.ranges ? fromGpuWords({ dtype: physicalOutput(layer, i).dtype, shape: [SAMPLE_CHUNKS * SAMPLE_CHUNK] }, words) : fromLayoutWords(type, l, words));
      s.r.unmap();
    }
    return out;
  } finally {
    reads.forEach((b) => b.destroy());
  }
}

/**
 * Runs one layer on the GPU with one tactic and returns its outputs (undefined where an optional
 * output is absent): the unit every kernel test uses (the engine's ExecutionContext does the same
 * for a whole network, with planned memory).
 */
export async function runLayer(
  gpu: Gpu,
  layer: LayerInfo,
  tactic: Tactic,
  inputs: readonly (Tensor | undefined)[],
  params?: TacticParams,
): Promise<(Tensor | undefined)[]> {
  const prepared = await prepareLayer(gpu, layer, tactic, inputs, params);
  try {
    return await runPrepared(gpu, layer, prepared);
  } finally {
    prepared.release();
  }
}
