// choose-layout: convolution and window-pool outputs go channel-last where producer and readers
// agree and a vec4 convolution gains; graph outputs, inputs of ops without a channel-last kernel
// and tensors nothing gains from stay row-major; outputs match on the reference and on WebGPU.
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { describeEngine } from '../../src/engine/describe.js';
import { network } from '../../src/frontend/fluent/index.js';
import { layoutOf } from '../../src/ir/layout.js';
import { optimize } from '../../src/passes/index.js';
import { useGpu } from '../helpers/gpu.js';
import { expectGpuMatches } from './helpers.js';

const gpu = useGpu();

/** stem conv -> residual block (conv a, conv b + stem, relu) -> `tail` -> head. */
function block(tail: 'gap' | 'maxpool' | 'maxpool-conv' | 'lrn') {
  const net = network('block', { seed: 7 });
  const x = net.input('x', [1, 8, 10, 10]);
  const stem = x.conv2d(16, { kernel: 3, pad: 1, name: 'stem' }).relu({ name: 'stem_relu' });
  const a = stem.conv2d(16, { kernel: 3, pad: 1, name: 'a' }).relu({ name: 'a_relu' });
  const b = a.conv2d(16, { kernel: 3, pad: 1, name: 'b' }).add(stem, { name: 'res' }).relu({ name: 'b_relu' });
  const tails = {
    gap: () => b,
    maxpool: () => b.maxPool({ kernel: 2, name: 'pool' }),
    'maxpool-conv': () => b.maxPool({ kernel: 2, name: 'pool' }).conv2d(16, { kernel: 3, pad: 1, name: 'c' }),
    lrn: () => b.lrn({ size: 3, name: 'lrn' }),
  };
  const pooled = tails[tail]().globalAvgPool({ name: 'gap' });
  net.output('y', pooled.flatten(1, { name: 'flat' }).dense(5, { name: 'head' }));
  return net.build();
}

describe('choose-layout', () => {
  it('a residual block read by a global pool: every conv output channel-last, no reformat', async () => {
    const before = block('gap');
    const { graph, trace } = optimize(before);
    const t = trace.find((e) => e.pass === 'choose-layout')!;
    expect(t.rewrites.map((r) => r.replaced[0])).toEqual(['stem', 'a', 'b']);
    for (const conv of ['stem', 'a', 'b']) expect(layoutOf(graph, graph.nodes.find((n) => n.name === conv)!.outputs[0]!)).toBe('nhwc');
    const engine = build(before);
    const tactics = Object.fromEntries(engine.layers.map((l) => [l.name, l.tactic]));
    // The stem reads the row-major graph input: the strided kernel; the others the vec4 one.
    expect(tactics).toMatchObject({ stem: 'conv.implicit_gemm', a: 'conv.implicit_gemm_nhwc', b: 'conv.implicit_gemm_nhwc', gap: 'pool.global' });
    expect(describeEngine(engine).reformats).toBe(0);
    expect(optimize(before, { disable: ['choose-layout'] }).graph.nodes.some((n) => n.attrs['memory_layout'])).toBe(false);
    await expectGpuMatches(before, gpu);
  });

  it('a MaxPool reads channel-last; its output stays row-major when no conv reads it', async () => {
    const before = block('maxpool');
    const { graph, trace } = optimize(before);
    expect(trace.find((e) => e.pass === 'choose-layout')!.rewrites.map((r) => r.replaced[0])).toEqual(['stem', 'a', 'b']);
    expect(layoutOf(graph, graph.nodes.find((n) => n.name === 'pool')!.outputs[0]!)).toBe('nchw');
    expect(build(before).layers.find((l) => l.name === 'pool')!.tactic).toBe('pool.window');
    await expectGpuMatches(before, gpu);
  });

  it('a MaxPool between convolutions writes channel-last, so the next conv runs the vec4 kernel', async () => {
    const before = block('maxpool-conv');
    const { graph } = optimize(before);
    expect(layoutOf(graph, graph.nodes.find((n) => n.name === 'pool')!.outputs[0]!)).toBe('nhwc');
    const engine = build(before);
    expect(engine.layers.find((l) => l.name === 'c')!.tactic).toBe('conv.implicit_gemm_nhwc');
    expect(describeEngine(engine).reformats).toBe(0);
    await expectGpuMatches(before, gpu);
  });

  it('a reader without a channel-last kernel (LRN) keeps the residual chain row-major', async () => {
    const before = block('lrn');
    const { graph, trace } = optimize(before);
    // b feeds the LRN; its residual (stem) must match b; a then gains nothing on its own.
    expect(trace.find((e) => e.pass === 'choose-layout')!.rewrites).toEqual([]);
    expect(graph.nodes.some((n) => n.attrs['memory_layout'])).toBe(false);
    await expectGpuMatches(before, gpu);
  });

  it('graph outputs stay row-major', () => {
    const net = network('out', { seed: 3 });
    const x = net.input('x', [1, 8, 6, 6]);
    const c1 = x.conv2d(8, { kernel: 1, name: 'c1' });
    net.output('y', c1.conv2d(8, { kernel: 3, pad: 1, name: 'c2' }));
    const { graph } = optimize(net.build());
    expect(layoutOf(graph, 'y')).toBe('nchw');
  });
});
