// ContextOptions.observe: intermediate tensors read back from the GPU, against the reference executor's values of them.
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../src/cli/inputs.js';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { build } from '../../src/engine/engine.js';
import { DeviceError } from '../../src/errors.js';
import { layoutOf } from '../../src/ir/layout.js';
import { runReference } from '../../src/reference/index.js';
import { compareOutputs } from '../../src/runtime/compare.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();

const g = demoNetwork();
const engine = build(g);

describe('ExecutionContext observe', () => {
  it('returns every observed layer output beside the outputs, as the reference computes it, though the memory plan reuses buffers', async () => {
    const feeds = readInputs(g, [], 1);
    const expected = runReference(g, feeds, { keep: 'all' });
    const observe = engine.layers.flatMap((l) => l.outputs).filter((t) => !g.outputs.includes(t) && expected[t]);
    expect(observe.length).toBeGreaterThan(5);
    expect(engine.memory.slots.length).toBeLessThan(observe.length); // buffers are shared: an observed tensor is overwritten later in the run
    expect(observe.some((t) => engine.graph.type(t).shape.length === 4 && layoutOf(engine.graph, t) === 'nhwc')).toBe(true);
    const ctx = await engine.createContext({ backend: 'webgpu', observe });
    try {
      const got = await ctx.run(feeds);
      expect(Object.keys(got).sort()).toEqual([...g.outputs, ...observe].sort());
      for (const t of observe) expect(compareOutputs({ [t]: got[t]! }, { [t]: expected[t]! }, { atol: 1e-4, rtol: 1e-4 }).pass, t).toBe(true);
      // Run again: the same values (the copies do not disturb a second run).
      const again = await ctx.run(feeds);
      for (const t of observe) expect(Array.from(again[t]!.data as Float32Array)).toEqual(Array.from(got[t]!.data as Float32Array));
    } finally {
      ctx.release();
    }
    const ref = await engine.createContext({ backend: 'reference', observe: observe.slice(0, 2) });
    expect(Object.keys(await ref.run(feeds)).sort()).toEqual([...g.outputs, ...observe.slice(0, 2)].sort());
  });

  it('refuses observe with profile, and a tensor no layer writes', async () => {
    const t = engine.layers[1]!.outputs[0]!;
    await expect(engine.createContext({ backend: 'webgpu', observe: [t], profile: true })).rejects.toThrow(DeviceError);
    await expect(engine.createContext({ backend: 'webgpu', observe: ['nope'] })).rejects.toThrow(/observe: 'nope' is no layer's output/);
  });
});
