import { DeviceError } from '../errors.js';
import type { KernelPlan } from '../tactics/types.js';
import { META_WORDS } from '../tactics/meta.js';
import type { Gpu } from './device.js';
import { kernelCacheKey, kernelLabel, kernelSource } from '../tactics/sources.js';

const caches = new WeakMap<GPUDevice, Map<string, Promise<GPUComputePipeline>>>();

/**
 * The compute pipeline for a plan's kernel, hooks and constants, compiled once per device.
 * Several may compile at once (the autotuner asks for all of a layer's candidates together): each
 * error scope is pushed and popped with no await between, so concurrent requests never share one.
 */
export function pipelineFor(gpu: Gpu, plan: KernelPlan): Promise<GPUComputePipeline> {
  let cache = caches.get(gpu.device);
  if (!cache) caches.set(gpu.device, (cache = new Map()));
  const key = JSON.stringify([kernelCacheKey(plan.kernel), plan.hooks ?? '', Object.entries(plan.constants).sort()]);
  let p = cache.get(key);
  if (!p) {
    p = compile(gpu, plan);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function compile(gpu: Gpu, plan: KernelPlan): Promise<GPUComputePipeline> {
  const device = gpu.device;
  const code = plan.hooks ? `${kernelSource(plan.kernel)}\n${plan.hooks}` : kernelSource(plan.kernel);
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ code, label: plan.kernel });
  const moduleError = device.popErrorScope();
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    await moduleError;
    const lines = errors.map((m) => `  ${kernelLabel(plan.kernel)}:${m.lineNum}:${m.linePos}: ${m.message}`).join('\n');
    throw new DeviceError(`WGSL compilation failed for ${kernelLabel(plan.kernel)} (line numbers include the prelude, the included files and the generated hooks):\n${lines}`);
  }
  device.pushErrorScope('validation');
  const pipeline = device.createComputePipelineAsync({
    label: plan.kernel,
    layout: 'auto',
    compute: { module, entryPoint: 'main', constants: { ...plan.constants } },
  });
  const pipelineError = device.popErrorScope();
  let p: GPUComputePipeline;
  try {
    p = await pipeline;
  } catch (e) {
    await pipelineError;
    throw new DeviceError(`pipeline creation failed for ${kernelLabel(plan.kernel)} with ${JSON.stringify(plan.constants)}: ${(e as Error).message}`);
  }
  const err = (await moduleError) ?? (await pipelineError);
  if (err) throw new DeviceError(`pipeline creation failed for ${kernelLabel(plan.kernel)}: ${err.message}`);
  return p;
}

/** A uniform buffer holding a plan's metadata words. */
/** Bytes of scratch the dispatches need (Binding.scratch): the largest request, 0 for none. */
export function scratchBytes(plans: readonly KernelPlan[]): number {
  return Math.max(0, ...plans.flatMap((p) => p.bindings.map((b) => ('scratch' in b ? Math.ceil(b.scratch / 4) * 4 : 0))));
}

export function metaBuffer(gpu: Gpu, plan: KernelPlan): GPUBuffer {
  const words = new Uint32Array(META_WORDS);
  words.set(plan.meta);
  const b = gpu.device.createBuffer({ size: words.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: `${plan.kernel} meta` });
  gpu.device.queue.writeBuffer(b, 0, words);
  return b;
}

/** A prepared dispatch: pipeline plus bind group, ready to encode. */
export interface PreparedDispatch {
  readonly plan: KernelPlan;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
}

export function bindDispatch(
  gpu: Gpu,
  plan: KernelPlan,
  pipeline: GPUComputePipeline,
  meta: GPUBuffer,
  storage: readonly (GPUBuffer | GPUBufferBinding)[],
): PreparedDispatch {
  const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: meta } }];
  storage.forEach((b, i) => entries.push({ binding: i + 1, resource: 'buffer' in b ? b : { buffer: b } }));
  const bindGroup = gpu.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries, label: plan.kernel });
  return { plan, pipeline, bindGroup };
}

export function encodeDispatch(pass: GPUComputePassEncoder, d: PreparedDispatch): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  pass.dispatchWorkgroups(...d.plan.dispatch);
}
