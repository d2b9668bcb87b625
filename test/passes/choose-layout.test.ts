// choose-layout: convolution, window-pool and Q/DQ outputs go channel-last where producer and
// readers agree and a vec4 convolution (fp32 or int8) gains; graph outputs, inputs of ops without a channel-last kernel
// and tensors nothing gains from stay row-major; outputs match on the reference and on WebGPU.
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { describeEngine } from '../../src/engine/describe.js';
import { formatEngine } from '../../src/cli/inspect.js';
import { network } from '../../src/frontend/fluent/index.js';
import { layoutOf } from '../../src/ir/layout.js';
import { optimize } from '../../src/passes/index.js';
import { randomInput } from '../../src/ir/random.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { insertQdq } from '../../src/quant/qdq.js';
import { runReference } from '../../src/reference/index.js';
import { compareOutputs } from '../../src/runtime/compare.js';
import { relL2 } from '../helpers/data.js';
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

  it('INT8: from the quantized input on, every Int8Conv and QuantizeLinear is channel-last (conv.int8_nhwc, i8 packed), no reformat', async () => {
    // stem -> relu -> maxpool -> residual block (a, b + pool) -> global pool -> head, as ResNet's.
    const net = network('int8', { seed: 5 });
    const x = net.input('x', [2, 3, 12, 12]);
    const pool = x.conv2d(16, { kernel: 3, pad: 1, name: 'stem' }).relu().maxPool({ kernel: 2, name: 'pool' });
    const a = pool.conv2d(8, { kernel: 3, pad: 1, name: 'a' }).relu();
    const b = a.conv2d(16, { kernel: 1, name: 'b' }).add(pool).relu({ name: 'b_relu' });
    const c = b.conv2d(16, { kernel: 3, pad: 1, name: 'c' }).add(b).relu();
    net.output('y', c.globalAvgPool().flatten(1).dense(5, { name: 'head' }));
    const g = net.build();
    const feeds = (k: number) => ({ x: randomInput({ dtype: 'f32', shape: [2, 3, 12, 12] }, k) });
    const table = await calibrate(g, [feeds(1), feeds(2)], { method: 'minmax' });
    const q = insertQdq(g, { amax: (n) => table.amax(n) });
    const engine = build(q);
    const tactic = (name: string) => engine.layers.find((l) => l.name === name)!.tactic;
    // The input's QuantizeLinear reads it row-major and writes channel-last, packed (3 channels:
    // one word a pixel), so that the stem runs on conv.int8_nhwc too.
    expect([tactic('stem'), tactic('a'), tactic('b'), tactic('c')]).toEqual(['conv.int8_nhwc', 'conv.int8_nhwc', 'conv.int8_nhwc', 'conv.int8_nhwc']);
    const d = describeEngine(engine);
    expect(d.layers.find((l) => l.name === 'pool')!.layout).toBe('nhwc');
    expect(d.layers.find((l) => l.name === 'stem')!.layout).toBe('nhwc');
    // i8 channel-last outputs are packed 4 channels to a word, and inspect says how many there are;
    // the f32 ones (the stem's, b's: read by residual adds) are not.
    const eg = engine.graph;
    for (const l of d.layers) expect(l.packed, l.name).toBe(l.layout === 'nhwc' && eg.type(engine.layers.find((x) => x.name === l.name)!.outputs[0]!).dtype === 'i8');
    expect(d.layers.filter((l) => l.packed).length).toBeGreaterThanOrEqual(4);
    expect(d.layers.find((l) => l.name === 'b')).toMatchObject({ layout: 'nhwc', packed: false });
    expect(formatEngine(d)).toMatch(new RegExp(`nhwc; ${d.layers.filter((l) => l.packed).length} of them int8, packed 4 channels to a word`));
    expect(d.reformats).toBe(0);
    // b's f32 output (c's residual) is quantized for c: that QuantizeLinear is channel-last too.
    const quantize = d.layers.filter((l) => l.op === 'QuantizeLinear');
    expect(quantize.filter((l) => l.layout === 'nhwc').length).toBeGreaterThanOrEqual(1);
    await gpu();
    // The packed i8 activations read back (observe) as the reference executor computes them on
    // the engine's graph, to a rounding tie (one step).
    const packed = engine.layers.flatMap((l) => l.outputs).filter((t) => eg.type(t).dtype === 'i8' && layoutOf(eg, t) === 'nhwc');
    expect(packed.length).toBeGreaterThanOrEqual(4);
    const ctx = await engine.createContext({ backend: 'webgpu', observe: packed });
    const run = await ctx.run(feeds(3));
    ctx.release();
    const inner = runReference(eg, feeds(3), { keep: 'all' });
    for (const t of packed) expect(compareOutputs({ [t]: run[t]! }, { [t]: inner[t]! }, { atol: 1, rtol: 0 }).pass, t).toBe(true);
    const got = run['y']!;
    expect(relL2(got, runReference(q, feeds(3))['y']!)).toBeLessThan(1e-5);
    const rowMajor = await build(q, { disablePasses: ['choose-layout'] }).createContext({ backend: 'webgpu' });
    expect(relL2(got, (await rowMajor.run(feeds(3)))['y']!)).toBeLessThan(1e-5);
    rowMajor.release();
  });
});
