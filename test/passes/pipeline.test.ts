// The whole optimizer on random DAGs: the same outputs at every optimization level, on the
// reference executor and on WebGPU; verify() holds after every pass; the trace explains it.
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { inferTypes } from '../../src/ir/infer.js';
import { verify } from '../../src/ir/verify.js';
import { formatTrace, MAX_LEVEL, optimize, PIPELINE } from '../../src/passes/index.js';
import { runReference } from '../../src/reference/index.js';
import { relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { feedsFor } from './helpers.js';
import { randomDag } from './random-dags.js';

useGpu();
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe('optimizer pipeline', () => {
  it.each(SEEDS)('random DAG %i: same outputs at every level, on the reference and on WebGPU', async (seed) => {
    const g = verify(inferTypes(randomDag(seed)));
    const feeds = feedsFor(g, seed);
    const want = runReference(g, feeds);
    for (let level = 0; level <= MAX_LEVEL; level++) {
      const { graph } = optimize(g, { level });
      const ref = runReference(graph, feeds);
      for (const o of g.outputs) expect(relL2(ref[o]!, want[o]!), `level ${level} reference ${o}`).toBeLessThan(1e-5);
      const ctx = await build(g, { optimizationLevel: level }).createContext({ backend: 'webgpu' });
      const gpu = await ctx.run(feeds);
      ctx.release();
      for (const o of g.outputs) expect(relL2(gpu[o]!, want[o]!), `level ${level} webgpu ${o}`).toBeLessThan(1e-4);
    }
  });

  it('level 0 runs no pass and keeps one node per source node', () => {
    const g = verify(inferTypes(randomDag(3)));
    const { graph, trace } = optimize(g, { level: 0 });
    expect(trace).toEqual([]);
    expect(graph.nodes.length).toBe(g.nodes.length);
  });

  it('the trace names every pass that ran, with its rewrites; disabled passes do not run', () => {
    const g = verify(inferTypes(randomDag(5)));
    const { trace } = optimize(g, { disable: ['dead-code'] });
    expect(trace.map((t) => t.pass)).toEqual(PIPELINE.filter((s) => s.pass.name !== 'dead-code').map((s) => s.pass.name));
    const log = formatTrace(trace);
    for (const t of trace) expect(log).toContain(`[${t.pass}]`);
    expect(() => optimize(g, { disable: ['no-such-pass'] })).toThrow(/there is no pass 'no-such-pass'/);
    expect(() => optimize(g, { level: 99 })).toThrow(/optimization level 99 does not exist/);
  });
});
