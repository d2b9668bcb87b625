// Pointwise fusion: Before and Expected graphs, where chains stop, the same outputs on the
// reference (bit for bit) and on WebGPU, engines that save and load, ONNX export in onnxruntime.
import { describe, expect, it } from 'vitest';
import { build, Engine } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';
import { exportOnnx } from '../../src/frontend/onnx/index.js';
import { Graph, node, type Attrs } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { verify } from '../../src/ir/verify.js';
import { optimize, PIPELINE } from '../../src/passes/index.js';
import { fusePointwise } from '../../src/passes/fuse-pointwise.js';
import { runReference } from '../../src/reference/index.js';
import { runOrt } from '../conformance/ort.js';
import { relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { feedsFor, runPass, structure } from './helpers.js';

useGpu();

const f32 = (name: string, shape: number[]) => ({ name, type: { dtype: 'f32' as const, shape } });
const n = (name: string, op: string, inputs: string[], output: string, attrs: Attrs = {}) => node({ name, op, inputs, outputs: [output], attrs });
const scalar = (v: number): Tensor => tensor('f32', [], [v]);

/** The outputs of `after` equal those of `before` bit for bit on the reference, and within 1e-5 on WebGPU. */
async function expectSameOutputs(before: Graph, after: Graph): Promise<void> {
  const feeds = feedsFor(before, 3);
  const want = runReference(verify(inferTypes(before)), feeds);
  const ref = runReference(after, feeds);
  for (const o of before.outputs) expect(Array.from(toFloat64(ref[o]!)), o).toEqual(Array.from(toFloat64(want[o]!)));
  const engine = build(after, { optimizationLevel: 0 });
  const ctx = await engine.createContext({ backend: 'webgpu' });
  const got = await ctx.run(feeds);
  ctx.release();
  for (const o of before.outputs) expect(relL2(got[o]!, want[o]!), `webgpu ${o}`).toBeLessThan(1e-5);
}

/** x * 0.5 + 0.25 -> Sigmoid -> * x -> - 0.1 -> + b (broadcast) -> LeakyRelu -> Clip(0, 6). */
function swishLike(): Graph {
  return new Graph({
    name: 'swish-like',
    inputs: [f32('x', [2, 3, 5]), f32('b', [3, 1])],
    outputs: ['y'],
    nodes: [
      n('scale', 'Mul', ['x', 'half'], 'a'),
      n('shift', 'Add', ['a', 'quarter'], 'c'),
      n('gate', 'Sigmoid', ['c'], 'd'),
      n('swish', 'Mul', ['d', 'x'], 'e'),
      n('sub', 'Sub', ['e', 'tenth'], 'f'),
      n('bias', 'Add', ['f', 'b'], 'g'),
      n('leaky', 'LeakyRelu', ['g'], 'h', { alpha: 0.1 }),
      n('clip', 'Clip', ['h', 'zero', 'six'], 'y'),
    ],
    initializers: new Map([['half', scalar(0.5)], ['quarter', scalar(0.25)], ['tenth', scalar(0.1)], ['zero', scalar(0)], ['six', scalar(6)]]),
  });
}

describe('fuse-pointwise', () => {
  it('fuses a chain into one PointwiseChain: program, inputs, origin, literals inlined', async () => {
    const before = swishLike();
    const { graph, rewrites } = runPass(fusePointwise, before);
    expect(structure(graph)).toEqual([
      { op: 'PointwiseChain', inputs: ['x', 'b'], outputs: ['y'], origin: ['scale', 'shift', 'gate', 'swish', 'sub', 'bias', 'leaky', 'clip'] },
    ]);
    expect(graph.nodes[0]!.name).toBe('clip');
    expect(graph.nodes[0]!.attrs['program']).toEqual([
      't1 = Mul(in0, 0.5)',
      't2 = Add(t1, 0.25)',
      't3 = Sigmoid(t2)',
      't4 = Mul(t3, in0)',
      't5 = Sub(t4, 0.10000000149011612)',
      't6 = Add(t5, in1)',
      't7 = LeakyRelu(t6; alpha=0.1)',
      't8 = Clip(t7; min=0, max=6)',
    ]);
    expect(graph.initializers.size).toBe(0); // every constant was a literal
    expect(rewrites).toEqual([{ rule: 'pointwise-chain', replaced: ['scale', 'shift', 'gate', 'swish', 'sub', 'bias', 'leaky', 'clip'], produced: ['clip'] }]);
    await expectSameOutputs(before, graph);
  });

  it('fuses a tree: both operands of an Add made by chains, input 0 the one with the output shape', async () => {
    const before = new Graph({
      name: 'tree',
      inputs: [f32('row', [4]), f32('x', [3, 4]), f32('z', [3, 4])],
      outputs: ['y'],
      nodes: [
        n('r', 'Add', ['x', 'row'], 'a'),
        n('relu', 'Relu', ['a'], 'b'),
        n('s', 'Sigmoid', ['z'], 'c'),
        n('sum', 'Add', ['b', 'c'], 'd'),
        n('tanh', 'Tanh', ['d'], 'y'),
      ],
    });
    const { graph } = runPass(fusePointwise, before);
    expect(structure(graph)).toEqual([{ op: 'PointwiseChain', inputs: ['x', 'row', 'z'], outputs: ['y'], origin: ['r', 'relu', 's', 'sum', 'tanh'] }]);
    expect(graph.nodes[0]!.attrs['program']).toEqual(['t1 = Add(in0, in1)', 't2 = Relu(t1)', 't3 = Sigmoid(in2)', 't4 = Add(t2, t3)', 't5 = Tanh(t4)']);
    await expectSameOutputs(before, graph);
  });

  it('stops at a tensor with two readers, a graph output, a shape change, a non-f32 op, a non-elementwise op', async () => {
    const before = new Graph({
      name: 'stops',
      inputs: [f32('x', [2, 3]), f32('big', [4, 2, 3])],
      outputs: ['y', 'out1', 'z', 'w'],
      nodes: [
        // two readers: 'a' is read by 'b1' and 'c1'
        n('a1', 'Relu', ['x'], 'a'),
        n('b1', 'Exp', ['a'], 'b'),
        n('c1', 'Neg', ['a'], 'c'),
        n('d1', 'Add', ['b', 'c'], 'd'),
        // a graph output in the middle: out1
        n('e1', 'Sigmoid', ['d'], 'out1'),
        n('f1', 'Abs', ['out1'], 'f'),
        // a shape change: [2, 3] + [4, 2, 3] is [4, 2, 3]
        n('g1', 'Add', ['f', 'big'], 'g'),
        n('h1', 'Tanh', ['g'], 'y'),
        // non-f32 in the middle: Cast to i32 and back
        n('i1', 'Relu', ['x'], 'i'),
        n('j1', 'Cast', ['i'], 'j', { to: 'i32' }),
        n('k1', 'Cast', ['j'], 'k', { to: 'f32' }),
        n('l1', 'Softmax', ['k'], 'l', { axis: -1 }),
        n('m1', 'Relu', ['l'], 'z'),
        // a lone node stays
        n('w1', 'Exp', ['x'], 'w'),
      ],
    });
    const { graph } = runPass(fusePointwise, before);
    expect(graph.nodes.map((x) => `${x.name}:${x.op}`)).toEqual([
      'a1:Relu', 'e1:PointwiseChain', 'f1:Abs', 'h1:PointwiseChain', 'i1:Relu', 'j1:Cast', 'k1:Cast', 'l1:Softmax', 'm1:Relu', 'w1:Exp',
    ]);
    // Below the shared 'a', a diamond that ends at the graph output out1.
    expect(structure(graph)[1]).toEqual({ op: 'PointwiseChain', inputs: ['a'], outputs: ['out1'], origin: ['b1', 'c1', 'd1', 'e1'] });
    expect(graph.nodes[1]!.attrs['program']).toEqual(['t1 = Exp(in0)', 't2 = Neg(in0)', 't3 = Add(t1, t2)', 't4 = Sigmoid(t3)']);
    // The growing Add and the Tanh after it fuse without f: input 0 is big, which has the output's shape.
    expect(structure(graph)[3]).toEqual({ op: 'PointwiseChain', inputs: ['big', 'f'], outputs: ['y'], origin: ['g1', 'h1'] });
    expect(graph.nodes.find((x) => x.name === 'h1')!.attrs['program']).toEqual(['t1 = Add(in1, in0)', 't2 = Tanh(t1)']);
    await expectSameOutputs(before, graph);
  });

  it('keeps a chain within 7 inputs: a sum of 10 tensors becomes two chains', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `x${i}`);
    const nodes = names.slice(1).map((x, i) => n(`add${i}`, 'Add', [i === 0 ? 'x0' : `s${i - 1}`, x], i === 8 ? 'y' : `s${i}`));
    const before = new Graph({ name: 'sum', inputs: names.map((x) => f32(x, [5, 3])), outputs: ['y'], nodes });
    const { graph } = runPass(fusePointwise, before);
    expect(graph.nodes.map((x) => [x.op, x.inputs.length])).toEqual([['PointwiseChain', 4], ['PointwiseChain', 7]]);
    await expectSameOutputs(before, graph);
  });

  it('Clip bounds: constants fuse (-inf and inf as no bound); NaN, an inf that clips, or a graph input does not', () => {
    const clip = (bounds: string[], consts: [string, Tensor][]) => {
      const g = new Graph({
        name: 'clip', inputs: [f32('x', [4]), f32('given', [])], outputs: ['y'],
        nodes: [n('r', 'Relu', ['x'], 'a'), n('c', 'Clip', ['a', ...bounds], 'y')],
        initializers: new Map(consts),
      });
      return runPass(fusePointwise, g).graph.nodes.map((x) => (x.op === 'PointwiseChain' ? (x.attrs['program'] as string[])[1] : x.op));
    };
    expect(clip([], [])).toEqual(['t2 = Clip(t1)']);
    expect(clip(['', 'hi'], [['hi', scalar(2)]])).toEqual(['t2 = Clip(t1; max=2)']);
    expect(clip(['lo', 'hi'], [['lo', scalar(-Infinity)], ['hi', scalar(Infinity)]])).toEqual(['t2 = Clip(t1)']);
    expect(clip(['lo'], [['lo', tensor('f32', [1], [0.5])]])).toEqual(['t2 = Clip(t1; min=0.5)']);
    expect(clip(['lo'], [['lo', scalar(NaN)]])).toEqual(['Relu', 'Clip']);
    expect(clip(['lo'], [['lo', scalar(Infinity)]])).toEqual(['Relu', 'Clip']);
    expect(clip(['given'], [])).toEqual(['Relu', 'Clip']);
  });

  it('runs after fuse-epilogue: Conv + bias + Relu go to the conv, the pointwise tail to a chain', async () => {
    const names = PIPELINE.map((s) => s.pass.name);
    expect(names.indexOf('fuse-pointwise')).toBeGreaterThan(names.indexOf('fuse-epilogue'));
    expect(names.indexOf('fuse-pointwise')).toBeLessThan(names.indexOf('eliminate-concat'));
    const net = network('cbr', { seed: 2 });
    const x = net.input('x', [1, 3, 7, 7]);
    const c = x.conv2d(4, { kernel: 3, pad: 1, name: 'conv' }).relu({ name: 'relu' });
    const b = net.input('b', [1, 4, 1, 1]);
    net.output('y', c.mul(0.5, { name: 'half' }).add(b, { name: 'shift' }).tanh({ name: 'tanh' }));
    const before = net.build();
    const { graph, trace } = optimize(verify(inferTypes(before)));
    expect(graph.nodes.map((m) => m.op)).toEqual(['FusedConv', 'PointwiseChain']);
    expect(graph.nodes.find((m) => m.op === 'PointwiseChain')!.origin).toEqual(['half', 'shift', 'tanh']);
    expect(trace.find((t) => t.pass === 'fuse-pointwise')!.rewrites).toHaveLength(1);
    await expectSameOutputs(before, graph);
  });

  it('builds engines with one pointwise.chain layer that save and load (the hook is made again from the graph)', async () => {
    const before = swishLike();
    const engine = build(before);
    expect(engine.layers.map((l) => [l.op, l.tactic])).toEqual([['PointwiseChain', 'pointwise.chain']]);
    expect(engine.sourceNodes).toBe(8);
    expect(Object.keys(engine.kernels)).toEqual(['pointwise/chain.wgsl']);
    const loaded = Engine.deserialize(engine.serialize());
    expect(loaded.graph.nodes[0]!.attrs['program']).toEqual(engine.graph.nodes[0]!.attrs['program']);
    const feeds = feedsFor(before, 5);
    const want = runReference(verify(inferTypes(before)), feeds)['y']!;
    const ctx = await loaded.createContext({ backend: 'webgpu' });
    const got = (await ctx.run(feeds))['y']!;
    ctx.release();
    expect(relL2(got, want)).toBeLessThan(1e-5);
  });

  it('exports to ONNX as the standard ops, which onnxruntime runs to the same outputs', async () => {
    const before = swishLike();
    const { graph } = runPass(fusePointwise, before);
    const feeds = feedsFor(before, 7);
    const want = runReference(verify(inferTypes(before)), feeds)['y']!;
    const ort = (await runOrt(exportOnnx(graph), feeds))['y']!;
    expect(relL2(ort, want)).toBeLessThan(1e-6);
  });
});
