import { fromPhysical, permute, physicalShape, toPhysical } from '../ir/layout.js';
import type { Tensor } from '../ir/tensor.js';
import type { LayerInfo, Tactic, TacticParams } from '../tactics/types.js';
import { fromGpuWords, gpuBytes, toGpuWords } from './buffers.js';
import type { Gpu } from './device.js';
import { bindDispatch, encodeDispatch, metaBuffer, pipelineFor, scratchBytes } from './pipelines.js';

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
  const device = gpu.device;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const made: GPUBuffer[] = [];
  const make = (bytes: number) => {
    const b = device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage });
    made.push(b);
    return b;
  };
  // Inputs and outputs are logical tensors; their buffers hold them in the layer's layouts.
  const upload = (t: Tensor) => {
    const b = make(gpuBytes(t));
    device.queue.writeBuffer(b, 0, toGpuWords(t));
    return b;
  };
  const inBufs = inputs.map((t, i) => (t ? upload(toPhysical(t, layer.layouts.inputs[i] ?? 'nchw')) : undefined));
  const outBufs = layer.outputs.map((t) => (t ? make(gpuBytes(t)) : undefined));
  const plans = tactic.plan(layer, params ?? tactic.space[0] ?? {});
  const scratchSize = scratchBytes(plans);
  const scratch = scratchSize > 0 ? make(scratchSize) : undefined;
  const encoder = device.createCommandEncoder();
  for (const plan of plans) {
    const pipeline = await pipelineFor(gpu, plan);
    const meta = metaBuffer(gpu, plan);
    made.push(meta);
    const storage = plan.bindings.map((b) => {
      if ('scratch' in b) return scratch!;
      const packed = 'input' in b && b.perm && inputs[b.input] ? upload(permute(inputs[b.input]!, b.perm)) : undefined;
      const buf = packed ?? ('input' in b ? inBufs[b.input] : outBufs[b.output]);
      if (!buf) throw new Error(`tactic ${tactic.id} binds an absent tensor ${JSON.stringify(b)}`);
      return buf;
    });
    const pass = encoder.beginComputePass();
    encodeDispatch(pass, bindDispatch(gpu, plan, pipeline, meta, storage));
    pass.end();
  }
  const reads = outBufs.map((b) => {
    if (!b) return undefined;
    const r = device.createBuffer({ size: b.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    made.push(r);
    encoder.copyBufferToBuffer(b, 0, r, 0, b.size);
    return r;
  });
  device.queue.submit([encoder.finish()]);
  const out: (Tensor | undefined)[] = [];
  for (let i = 0; i < reads.length; i++) {
    const r = reads[i];
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
  for (const b of made) b.destroy();
  return out;
}
