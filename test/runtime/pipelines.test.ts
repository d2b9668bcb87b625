// Pipeline compilation: requests made at once (as the autotuner makes them) each get their own
// error scope, so a broken kernel fails alone and the others compile; equal requests share one.
import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../src/errors.js';
import { pipelineFor } from '../../src/runtime/pipelines.js';
import { registerKernelSource, unregisterKernelSource } from '../../src/tactics/sources.js';
import type { KernelPlan } from '../../src/tactics/types.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();
const plan = (kernel: string, constants: Record<string, number>): KernelPlan => ({ kernel, constants, meta: [], dispatch: [1, 1, 1], bindings: [] });

describe('pipelineFor', () => {
  it('compiles concurrent requests independently: only the broken kernel fails, and names itself', async () => {
    const bad = 'plugin:test/broken.wgsl';
    registerKernelSource(bad, '@compute @workgroup_size(1) fn main() { let x: u32 = undefined_thing; }');
    try {
      const g = await gpu();
      const plans = [plan('pointwise/unary.wgsl', { WG: 64, OP: 3 }), plan(bad, {}), plan('pointwise/unary.wgsl', { WG: 64, OP: 5 }), plan('pointwise/unary.wgsl', { WG: 32, OP: 3 })];
      const r = await Promise.allSettled(plans.map((p) => pipelineFor(g, p)));
      expect(r.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const why = (r[1] as PromiseRejectedResult).reason as Error;
      expect(why).toBeInstanceOf(DeviceError);
      expect(why.message).toMatch(/WGSL compilation failed for plugin:test\/broken.wgsl[\s\S]*undefined_thing/);
      // The same request again: the same pipeline object, not a second compilation.
      const [a, b] = await Promise.all([pipelineFor(g, plans[0]!), pipelineFor(g, plans[0]!)]);
      expect(a).toBe(b);
      expect(a).toBe((r[0] as PromiseFulfilledResult<GPUComputePipeline>).value);
    } finally {
      unregisterKernelSource(bad);
    }
  });
});
