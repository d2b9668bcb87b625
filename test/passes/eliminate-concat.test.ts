// Concat elimination: producers write into their slices; the memory plan places them there;
// outputs match on the reference and on WebGPU; ineligible concats stay copies.
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';
import { inferTypes } from '../../src/ir/infer.js';
import { verify } from '../../src/ir/verify.js';
import { eliminateConcat } from '../../src/passes/eliminate-concat.js';
import { runReference } from '../../src/reference/index.js';
import { relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { exportOnnx } from '../../src/frontend/onnx/index.js';
import { runOrt } from '../conformance/ort.js';
import { expectSameOutputs, feedsFor, runPass } from './helpers.js';

useGpu();

/** A SqueezeNet-style fire module: squeeze 1x1, expand 1x1 and 3x3, concat on channels. */
function fire(channels: [number, number], hw: number) {
  const net = network('fire', { seed: 4 });
  const x = net.input('x', [1, 8, hw, hw]);
  const s = x.conv2d(4, { kernel: 1, name: 'squeeze' }).relu({ name: 'squeeze_relu' });
  const e1 = s.conv2d(channels[0], { kernel: 1, name: 'expand1' }).relu({ name: 'e1_relu' });
  const e3 = s.conv2d(channels[1], { kernel: 3, pad: 1, name: 'expand3' }).relu({ name: 'e3_relu' });
  net.output('y', e1.concat(e3, 1, { name: 'cat' }).maxPool({ kernel: 2, name: 'pool' }));
  return net.build();
}

describe('eliminate-concat', () => {
  it('turns a fire-module concat into a view whose inputs live inside its output', async () => {
    const before = fire([16, 16], 8); // 16*8*8*4 = 4096 bytes: aligned
    const { graph, rewrites } = runPass(eliminateConcat, before);
    expect(graph.nodes.find((n) => n.name === 'cat')!.op).toBe('ConcatView');
    expect(rewrites).toEqual([{ rule: 'concat-view', replaced: ['cat'], produced: ['cat'] }]);
    expectSameOutputs(before, graph);

    const engine = build(before);
    const cat = engine.layers.find((l) => l.name === 'cat')!;
    expect(cat.tactic).toBe('view.concat');
    const [a, b] = cat.inputs as [string, string];
    const m = engine.memory;
    expect(m.assign[a]).toBe(m.assign[cat.outputs[0]!]);
    expect(m.assign[b]).toBe(m.assign[cat.outputs[0]!]);
    expect(m.offsets[a] ?? 0).toBe(0);
    expect(m.offsets[b]).toBe(4096);

    const feeds = feedsFor(before);
    const want = runReference(verify(inferTypes(before)), feeds)['y']!;
    const ctx = await engine.createContext({ backend: 'webgpu' });
    const got = (await ctx.run(feeds))['y']!;
    ctx.release();
    expect(relL2(got, want)).toBeLessThan(1e-5);
    // Exported, the view is a plain Concat that onnxruntime runs.
    const ort = (await runOrt(exportOnnx(graph), feeds))['y']!;
    expect(relL2(ort, want)).toBeLessThan(1e-5);
  });

  it('keeps a copy where a slice would start at a misaligned offset', () => {
    const before = fire([3, 5], 5); // 3*5*5*4 = 300 bytes: not a multiple of 256
    expect(runPass(eliminateConcat, before).graph.nodes.find((n) => n.name === 'cat')!.op).toBe('Concat');
  });

  it('keeps a copy when an input is a graph input or the batch is not 1', () => {
    const net = network('inputs', { seed: 1 });
    const x = net.input('x', [1, 64, 2, 2]);
    net.output('y', x.concat(x.relu(), 1, { name: 'cat' }));
    expect(runPass(eliminateConcat, net.build()).graph.nodes.find((n) => n.name === 'cat')!.op).toBe('Concat');
    const net2 = network('batch', { seed: 1 });
    const x2 = net2.input('x', [2, 64, 2, 2]);
    net2.output('y', x2.relu().concat(x2.sigmoid(), 1, { name: 'cat' }));
    expect(runPass(eliminateConcat, net2.build()).graph.nodes.find((n) => n.name === 'cat')!.op).toBe('Concat');
  });

  it('nests: a concat of a concat shares one buffer, at the right offsets, on WebGPU', async () => {
    const net = network('nest', { seed: 2 });
    const x = net.input('x', [1, 64, 2, 2]);
    const inner = x.relu({ name: 'a' }).concat(x.sigmoid({ name: 'b' }), 1, { name: 'inner' });
    net.output('y', inner.concat(x.tanh({ name: 'c' }), 1, { name: 'outer' }).mul(2));
    const before = net.build();
    const engine = build(before);
    expect(engine.layers.filter((l) => l.tactic === 'view.concat').map((l) => l.name)).toEqual(['inner', 'outer']);
    const feeds = feedsFor(before);
    const ctx = await engine.createContext({ backend: 'webgpu' });
    const got = (await ctx.run(feeds))['y']!;
    ctx.release();
    expect(relL2(got, runReference(verify(inferTypes(before)), feeds)['y']!)).toBeLessThan(1e-6);
  });
});
