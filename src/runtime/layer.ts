import { fromPhysical, physicalShape, toPhysical } from '../ir/layout.js';
import { packConstant, packKey } from '../tactics/pack.js';
import type { Tensor } from '../ir/tensor.js';
import type { LayerInfo, Tactic, TacticParams } from '../tactics/types.js';
import { fromGpuWords, gpuBytes, toGpuWords } from './buffers.js';
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
 * Uploads `inputs` (logical tensors, stored in the layer's layouts; constants packed as the
 * tactic's bindings say), makes the output and scratch buffers, and binds the tactic's dispatches.
 */
export async function prepareLayer(
  gpu: Gpu,
  layer: LayerInfo,
  tactic: Tactic,
  inputs: readonly (Tensor | undefined)[],
  params?: TacticParams,
): Promise<PreparedLayer> {
  const device = gpu.device;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const made: GPUBuffer[] = [];
  const release = () => made.forEach((b) => b.destroy());
  const make = (bytes: number) => {
    const b = device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage });
    made.push(b);
    return b;
  };
  const upload = (t: Tensor) => {
    const b = make(gpuBytes(t));
    device.queue.writeBuffer(b, 0, toGpuWords(t));
    return b;
  };
  try {
    const inBufs = inputs.map((t, i) => (t ? upload(toPhysical(t, layer.layouts.inputs[i] ?? 'nchw')) : undefined));
    const outBufs = layer.outputs.map((t) => (t ? make(gpuBytes(t)) : undefined));
    const plans = tactic.plan(layer, params ?? tactic.space[0] ?? {});
    const scratchSize = scratchBytes(plans);
    const scratch = scratchSize > 0 ? make(scratchSize) : undefined;
    const dispatches: PreparedDispatch[] = [];
    for (const plan of plans) {
      const pipeline = await pipelineFor(gpu, plan);
      const meta = metaBuffer(gpu, plan);
      made.push(meta);
      const storage = plan.bindings.map((b) => {
        if ('scratch' in b) return scratch!;
        const packed = 'input' in b && packKey(b) && inputs[b.input] ? upload(packConstant(inputs[b.input]!, b)) : undefined;
        const buf = packed ?? ('input' in b ? inBufs[b.input] : outBufs[b.output]);
        if (!buf) throw new Error(`tactic ${tactic.id} binds an absent tensor ${JSON.stringify(b)}`);
        return buf;
      });
      dispatches.push(bindDispatch(gpu, plan, pipeline, meta, storage));
    }
    return { encode: (pass) => dispatches.forEach((d) => encodeDispatch(pass, d)), outputs: outBufs, release };
  } catch (e) {
    release();
    throw e;
  }
}

/** Runs a prepared layer once and reads its outputs back as logical tensors (undefined where an output is absent). */
export async function runPrepared(gpu: Gpu, layer: LayerInfo, prepared: PreparedLayer): Promise<(Tensor | undefined)[]> {
  const device = gpu.device;
  const reads: GPUBuffer[] = [];
  try {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    prepared.encode(pass);
    pass.end();
    const staged = prepared.outputs.map((b) => {
      if (!b) return undefined;
      const r = device.createBuffer({ size: b.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      reads.push(r);
      encoder.copyBufferToBuffer(b, 0, r, 0, b.size);
      return r;
    });
    device.queue.submit([encoder.finish()]);
    const out: (Tensor | undefined)[] = [];
    for (const [i, r] of staged.entries()) {
      if (!r) {
        out.push(undefined);
        continue;
      }
      await r.mapAsync(GPUMapMode.READ);
      const type = layer.outputs[i]!;
      const l = layer.layouts.outputs[i] ?? 'nchw';
      out.push(fromPhysical(fromGpuWords({ dtype: type.dtype, shape: physicalShape(type.shape, l) }, r.getMappedRange().slice(0)), l));
      r.unmap();
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
