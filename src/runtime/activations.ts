/**
 * Tensors computed on WebGPU for the INT8 tools (src/quant): activations for calibration (the
 * graph built at level 0, no fusion, so every tensor of the source graph exists, with the asked
 * tensors as extra outputs, run batch by batch), and whole graphs for the sensitivity analysis.
 */
import { build } from '../engine/engine.js';
import type { Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { createContext, type ContextOptions } from './context.js';

export interface ActivationContext {
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  release(): void;
}

/** A calibration runner (src/quant/calibrate.ts `runner`) that computes on the GPU. */
export function webgpuActivations(opts: ContextOptions = {}): (g: Graph, tensors: readonly string[]) => Promise<ActivationContext> {
  return async (g, tensors) => {
    const inputs = new Set(g.inputs.map((i) => i.name));
    const outputs = [...new Set([...g.outputs, ...tensors.filter((t) => !inputs.has(t))])];
    const ctx = await createContext(build(g.with({ outputs }), { optimizationLevel: 0 }), { backend: 'webgpu', ...opts });
    return {
      run: async (feeds) => ({ ...feeds, ...(await ctx.run(feeds)) }),
      release: () => ctx.release(),
    };
  };
}

/** A sensitivity runner (src/quant/sensitivity.ts `run`): builds `g` with the asked outputs and runs it once. */
export function webgpuRunner(opts: ContextOptions = {}): (g: Graph, feeds: Readonly<Record<string, Tensor>>, outputs: readonly string[]) => Promise<Record<string, Tensor>> {
  return async (g, feeds, outputs) => {
    const ctx = await createContext(build(g.with({ outputs: [...new Set([...g.outputs, ...outputs])] })), { backend: 'webgpu', ...opts });
    try {
      return await ctx.run(feeds);
    } finally {
      ctx.release();
    }
  };
}
