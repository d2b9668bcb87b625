// Horizontal fusion: sibling convs of one input merge into one conv and a SplitView; outputs
// match on the reference and on WebGPU; convs that differ stay apart.
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';
import { inferTypes } from '../../src/ir/infer.js';
import { verify } from '../../src/ir/verify.js';
import { fuseHorizontal } from '../../src/passes/fuse-horizontal.js';
import { runReference } from '../../src/reference/index.js';
import { relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { expectSameOutputs, feedsFor, runPass } from './helpers.js';

useGpu();

/** Inception-style branches: three 1x1 convs on one input (one with another stride), each used alone. */
function branches() {
  const net = network('branches', { seed: 5 });
  const x = net.input('x', [1, 6, 8, 8]);
  const a = x.conv2d(8, { kernel: 1, name: 'a' });
  const b = x.conv2d(16, { kernel: 1, name: 'b' });
  const c = x.conv2d(4, { kernel: 1, stride: 2, name: 'strided' });
  const d = x.conv2d(8, { kernel: 3, pad: 1, name: 'wide' });
  net.output('ya', a.relu());
  net.output('yb', b.sigmoid());
  net.output('yc', c);
  net.output('yd', d.add(a));
  return net.build();
}

describe('fuse-horizontal', () => {
  it('merges same-window siblings into one conv sliced by a SplitView', () => {
    const before = branches();
    const { graph, rewrites } = runPass(fuseHorizontal, before);
    expect(rewrites).toEqual([{ rule: 'merge-siblings', replaced: ['a', 'b'], produced: ['a_merged', 'a_merged_split'] }]);
    const merged = graph.nodes.find((n) => n.name === 'a_merged')!;
    expect(merged.op).toBe('Conv');
    expect(merged.origin).toEqual(['a', 'b']);
    expect(graph.type(merged.outputs[0]!).shape).toEqual([1, 24, 8, 8]);
    const split = graph.nodes.find((n) => n.op === 'SplitView')!;
    expect(split.inputs[0]).toBe(merged.outputs[0]);
    expect(split.outputs).toEqual([before.nodes.find((n) => n.name === 'a')!.outputs[0], before.nodes.find((n) => n.name === 'b')!.outputs[0]]);
    expect(graph.nodes.map((n) => n.name)).toEqual(expect.arrayContaining(['strided', 'wide']));
    expectSameOutputs(before, graph);
  });

  it('runs on WebGPU through the full pipeline: fused siblings, slices as views at their offsets', async () => {
    // Q/K/V-style: three 1x1 projections with the same epilogue, each read by its own consumer.
    const net = network('qkv', { seed: 6 });
    const x = net.input('x', [1, 6, 8, 8]);
    const [q, k, v] = [8, 8, 16].map((c, i) => x.conv2d(c, { kernel: 1, name: `proj${i}` }).batchNorm({ init: 'random' }).relu());
    net.output('qk', q!.mul(k!));
    net.output('v', v!.globalAvgPool());
    const before = net.build();
    const engine = build(before);
    const split = engine.layers.find((l) => l.op === 'SplitView')!;
    expect(split.tactic).toBe('view.split');
    const [a, b] = split.outputs as [string, string];
    expect(engine.memory.assign[a]).toBe(engine.memory.assign[split.inputs[0]!]);
    expect(split.outputs).toHaveLength(3);
    expect(engine.memory.offsets[b]).toBe(8 * 8 * 8 * 4);
    expect(engine.layers.find((l) => l.outputs[0] === split.inputs[0])!.op).toBe('FusedConv');
    const feeds = feedsFor(before);
    const want = runReference(verify(inferTypes(before)), feeds);
    const ctx = await engine.createContext({ backend: 'webgpu' });
    const got = await ctx.run(feeds);
    ctx.release();
    for (const o of before.outputs) expect(relL2(got[o]!, want[o]!), o).toBeLessThan(1e-5);
  });

  it('leaves siblings apart when a slice would start misaligned or the batch is not 1', () => {
    const net = network('odd', { seed: 1 });
    const x = net.input('x', [1, 3, 5, 5]);
    net.output('p', x.conv2d(3, { kernel: 1 })); // 3*5*5*4 = 300 bytes
    net.output('q', x.conv2d(2, { kernel: 1 }));
    expect(runPass(fuseHorizontal, net.build()).rewrites).toEqual([]);
    const net2 = network('batch', { seed: 1 });
    const x2 = net2.input('x', [2, 3, 8, 8]);
    net2.output('p', x2.conv2d(4, { kernel: 1 }));
    net2.output('q', x2.conv2d(4, { kernel: 1 }));
    expect(runPass(fuseHorizontal, net2.build()).rewrites).toEqual([]);
  });
});
