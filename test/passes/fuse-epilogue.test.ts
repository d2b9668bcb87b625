// Epilogue fusion: Before and Expected graphs compared structurally (ops, inputs, attributes,
// origin), outputs unchanged on the reference and on WebGPU, and the cases that must not fuse.
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';
import { exportOnnx } from '../../src/frontend/onnx/index.js';
import { onnx } from '../../src/frontend/onnx/proto.js';
import type { Graph } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { tensor, toFloat64, type Shape } from '../../src/ir/tensor.js';
import { verify } from '../../src/ir/verify.js';
import { fuseConvBn } from '../../src/passes/fuse-conv-bn.js';
import { fuseEpilogue } from '../../src/passes/fuse-epilogue.js';
import { runReference } from '../../src/reference/index.js';
import { relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { runOrt } from '../conformance/ort.js';
import { expectSameOutputs, feedsFor, runPass } from './helpers.js';

useGpu();

/** Each node as data: what the Expected graphs are written in. */
function described(g: Graph) {
  return g.nodes.map((n) => ({ name: n.name, op: n.op, inputs: n.inputs, outputs: n.outputs, attrs: n.attrs, origin: n.origin }));
}

/** Same outputs on the reference (tol 1e-6) and, built at level 0 (no other pass), on WebGPU (rel L2 1e-5). */
async function expectSameEverywhere(before: Graph, after: Graph): Promise<void> {
  expectSameOutputs(before, after);
  const feeds = feedsFor(before);
  const want = runReference(verify(inferTypes(before)), feeds);
  const ctx = await build(after, { optimizationLevel: 0 }).createContext({ backend: 'webgpu' });
  const got = await ctx.run(feeds);
  ctx.release();
  for (const o of before.outputs) expect(relL2(got[o]!, want[o]!), `webgpu ${o}`).toBeLessThan(1e-5);
}

const full = (shape: Shape, v: number) => tensor('f32', shape, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(v));

const CONV3 = { kernel_shape: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1 };

describe('fuse-epilogue: Conv', () => {
  it('a ResNet basic block (BN folded) becomes two FusedConvs: Conv+Relu, Conv+Add+Relu', async () => {
    const net = network('block', { seed: 1 });
    const x = net.input('x', [1, 5, 7, 6]);
    const c1 = x.conv2d(5, { kernel: 3, pad: 1, name: 'conv1', bias: [0.1, -0.2, 0.3, -0.4, 0.5] }).relu({ name: 'relu1' });
    net.output('y', c1.conv2d(5, { kernel: 3, pad: 1, name: 'conv2' }).add(x, { name: 'add' }).relu({ name: 'relu2' }));
    const before = net.build();
    const { graph, rewrites } = runPass(fuseEpilogue, before);
    expect(described(graph)).toEqual([
      { name: 'conv1', op: 'FusedConv', inputs: ['x', 'conv1.weight', 'conv1.bias'], outputs: ['relu1'], attrs: { ...CONV3, activation: 'Relu', activation_params: [] }, origin: ['conv1', 'relu1'] },
      { name: 'conv2', op: 'FusedConv', inputs: ['relu1', 'conv2.weight', 'conv2.bias', 'x'], outputs: ['y'], attrs: { ...CONV3, activation: 'Relu', activation_params: [] }, origin: ['conv2', 'add', 'relu2'] },
    ]);
    expect(rewrites.map((r) => r.rule)).toEqual(['fuse-activation', 'fuse-residual', 'fuse-activation']);
    expect(rewrites[1]).toEqual({ rule: 'fuse-residual', replaced: ['conv2', 'add'], produced: ['conv2'] });
    await expectSameEverywhere(before, graph);
  });

  it('Conv (no bias) + per-channel constant + residual on the left + Clip(0, 6): one FusedConv, the constant its bias', async () => {
    const net = network('cbr', { seed: 2 });
    const x = net.input('x', [2, 3, 9, 7]);
    const r = net.input('r', [2, 4, 5, 4]);
    const shift = net.constant(tensor('f32', [4, 1, 1], [0.5, -1, 2, 0.25]), { name: 'shift_c' });
    const y = x.conv2d(4, { kernel: 3, stride: 2, pad: 1, bias: false, name: 'conv' }).add(shift, { name: 'shift' });
    net.output('y', r.add(y, { name: 'res' }).clip(0, 6, { name: 'relu6' }));
    const before = net.build();
    const { graph, rewrites } = runPass(fuseEpilogue, before);
    expect(described(graph)).toEqual([{
      name: 'conv', op: 'FusedConv', inputs: ['x', 'conv.weight', 'conv_bias', 'r'], outputs: ['y'],
      attrs: { kernel_shape: [3, 3], strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1], group: 1, activation: 'Clip', activation_params: [0, 6] },
      origin: ['conv', 'shift', 'res', 'relu6'],
    }]);
    expect(rewrites.map((w) => w.rule)).toEqual(['fold-bias', 'fuse-residual', 'fuse-activation']);
    expect(Array.from(toFloat64(graph.initializers.get('conv_bias')!))).toEqual([0.5, -1, 2, 0.25]);
    expect([...graph.initializers.keys()].sort()).toEqual(['conv.weight', 'conv_bias']);
    await expectSameEverywhere(before, graph);
  });

  it('the bias folds into an existing one; the constant may be [C, 1, 1], [1, C, 1, 1] or a scalar', async () => {
    for (const shape of [[4, 1, 1], [1, 4, 1, 1], [1], []]) {
      const net = network('bias', { seed: 3 });
      const x = net.input('x', [1, 3, 6, 5]);
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => 0.5 - i);
      const y = x.conv2d(4, { kernel: 3, name: 'conv', bias: [1, 2, 3, 4] }).add(tensor('f32', shape, values), { name: 'shift' }).sigmoid({ name: 'sig' });
      net.output('y', y);
      const before = net.build();
      const { graph } = runPass(fuseEpilogue, before);
      expect(described(graph)).toEqual([
        { name: 'conv', op: 'FusedConv', inputs: ['x', 'conv.weight', 'conv_bias'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], group: 1, activation: 'Sigmoid', activation_params: [] }, origin: ['conv', 'shift', 'sig'] },
      ]);
      const bias = Array.from(toFloat64(graph.initializers.get('conv_bias')!));
      expect(bias).toEqual([1, 2, 3, 4].map((b, i) => b + (n === 1 ? values[0]! : values[i]!)));
      expect(graph.initializers.has('conv.bias')).toBe(false);
      expectSameOutputs(before, graph);
    }
  });

  it('a full-shape constant is a residual; a constant of another shape is not a bias', () => {
    const net = network('consts', { seed: 4 });
    const x = net.input('x', [1, 2, 4, 4]);
    const a = x.conv2d(3, { kernel: 1, name: 'a' }).add(net.constant(full([1, 3, 4, 4], 0.5), { name: 'full' }), { name: 'add_full' });
    const b = x.conv2d(3, { kernel: 1, name: 'b' }).add(net.constant(full([4], 0.5), { name: 'row' }), { name: 'add_row' });
    net.output('ya', a);
    net.output('yb', b);
    const before = net.build();
    const { graph } = runPass(fuseEpilogue, before);
    expect(graph.nodes.map((n) => [n.name, n.op])).toEqual([['a', 'FusedConv'], ['b', 'Conv'], ['add_row', 'Add']]);
    expect(graph.nodes[0]!.inputs[3]).toBe('full');
    expectSameOutputs(before, graph);
  });

  it('every activation fuses, with its parameters', async () => {
    const net = network('acts', { seed: 5 });
    const x = net.input('x', [1, 3, 5, 5]);
    const conv = (name: string) => x.conv2d(2, { kernel: 3, pad: 1, name });
    const outs = {
      relu: conv('c_relu').relu(),
      leaky: conv('c_leaky').leakyRelu(0.2),
      clip: conv('c_clip').clip(-0.5, 0.5),
      clipLow: conv('c_clip_low').clip(0),
      sigmoid: conv('c_sigmoid').sigmoid(),
      tanh: conv('c_tanh').tanh(),
      hardSigmoid: conv('c_hsig').hardSigmoid({ alpha: 0.3, beta: 0.4 }),
      hardSwish: conv('c_hswish').hardSwish(),
      gelu: conv('c_gelu').gelu(),
      elu: conv('c_elu').elu(0.7),
      selu: conv('c_selu').selu(),
      softplus: conv('c_softplus').softplus(),
      softsign: conv('c_softsign').softsign(),
      mish: conv('c_mish').mish(),
    };
    for (const [k, t] of Object.entries(outs)) net.output(k, t);
    const before = net.build();
    const { graph } = runPass(fuseEpilogue, before);
    expect(graph.nodes.every((n) => n.op === 'FusedConv')).toBe(true);
    const params = Object.fromEntries(graph.nodes.map((n) => [n.attrs['activation'], n.attrs['activation_params']]));
    expect(params).toMatchObject({ LeakyRelu: [0.2], HardSigmoid: [0.3, 0.4], Elu: [0.7], Selu: [1.67326319217681884765625, 1.05070102214813232421875] });
    expect(graph.nodes.find((n) => n.name === 'c_clip_low')!.attrs['activation_params']).toEqual([0, 3.4028234663852886e38]);
    await expectSameEverywhere(before, graph);
  });
});

describe('fuse-epilogue: Gemm and MatMul', () => {
  it('dense + Relu; Gemm without C + a bias Add; Gemm with C, beta and alpha + a bias Add', async () => {
    const net = network('gemms', { seed: 6 });
    const x = net.input('x', [3, 7]);
    const d = x.dense(5, { name: 'fc' }).relu({ name: 'relu' });
    const w = net.constant(full([7, 5], 0.25), { name: 'w' });
    const g1 = x.gemm(w, { name: 'g1' }).add([1, 2, 3, 4, 5], { name: 'b1' }).tanh({ name: 't1' });
    const g2 = x.gemm(w, { name: 'g2', c: tensor('f32', [3, 1], [1, 2, 3]), alpha: 0.5, beta: 2 }).add([1, 2, 3, 4, 5], { name: 'b2' });
    net.output('yd', d);
    net.output('y1', g1);
    net.output('y2', g2);
    const before = net.build();
    const { graph } = runPass(fuseEpilogue, before);
    const [fc, n1, n2] = described(graph);
    expect(fc).toEqual({ name: 'fc', op: 'FusedGemm', inputs: ['x', 'fc.weight', 'fc.bias'], outputs: ['yd'], attrs: { transB: 1, activation: 'Relu', activation_params: [] }, origin: ['fc', 'relu'] });
    expect(n1).toEqual({ name: 'g1', op: 'FusedGemm', inputs: ['x', 'w', 'b1.b'], outputs: ['y1'], attrs: { beta: 1, activation: 'Tanh', activation_params: [] }, origin: ['g1', 'b1', 't1'] });
    expect(n2).toMatchObject({ name: 'g2', op: 'Gemm', inputs: ['x', 'w', 'g2_bias'], outputs: ['y2'], attrs: { alpha: 0.5, beta: 1 }, origin: ['g2', 'b2'] });
    expect(graph.initializers.get('g2_bias')!.shape).toEqual([3, 5]);
    await expectSameEverywhere(before, graph);
  });

  it('a transformer MLP: batched MatMul + bias + Gelu, MatMul + bias + residual: two FusedMatMuls', async () => {
    const net = network('mlp', { seed: 7 });
    const x = net.input('x', [2, 5, 8]);
    const h = x.dense(12, { name: 'up' }).gelu({ name: 'gelu' });
    net.output('y', h.dense(8, { name: 'down' }).add(x, { name: 'res' }));
    const before = net.build();
    const { graph } = runPass(fuseEpilogue, before);
    expect(described(graph)).toEqual([
      { name: 'up.matmul', op: 'FusedMatMul', inputs: ['x', 'up.weight', 'up.bias'], outputs: ['gelu'], attrs: { activation: 'Gelu', activation_params: [] }, origin: ['up', 'gelu'] },
      { name: 'down.matmul', op: 'FusedMatMul', inputs: ['gelu', 'down.weight', 'down.bias', 'x'], outputs: ['y'], attrs: {}, origin: ['down', 'res'] },
    ]);
    await expectSameEverywhere(before, graph);
  });

  it('leaves 1-D MatMul operands and a bias that varies over batches alone', () => {
    const net = network('mm', { seed: 8 });
    const v = net.input('v', [6]);
    const a = net.input('a', [2, 3, 6]);
    net.output('p', v.matmul(net.constant(full([6, 4], 0.5), { name: 'm' }), { name: 'vm' }).relu({ name: 'r1' }));
    net.output('q', a.matmul(net.constant(full([6, 4], 0.5), { name: 'm2' }), { name: 'am' }).add(net.constant(full([2, 1, 4], 1), { name: 'bb' }), { name: 'bb_add' }));
    const { graph } = runPass(fuseEpilogue, net.build());
    expect(graph.nodes.map((n) => n.op)).toEqual(['MatMul', 'Relu', 'MatMul', 'Add']);
  });
});

describe('fuse-epilogue: what must not fuse', () => {
  it('a base read twice, a base that is a graph output, an Add after the activation, tanh-Gelu, a computed Clip bound', () => {
    const net = network('no', { seed: 9 });
    const x = net.input('x', [1, 2, 4, 4]);
    const lo = net.input('lo', []);
    const shared = x.conv2d(2, { kernel: 1, name: 'shared' });
    net.output('s1', shared.relu({ name: 's_relu' }));
    net.output('s2', shared.sigmoid({ name: 's_sig' }));
    const out = x.conv2d(2, { kernel: 1, name: 'out' });
    net.output('o1', out);
    net.output('o2', out.relu({ name: 'o_relu' }));
    net.output('late', x.conv2d(2, { kernel: 1, name: 'after' }).relu({ name: 'a_relu' }).add(x, { name: 'a_add' }));
    net.output('gelu', x.conv2d(2, { kernel: 1, name: 'g' }).gelu({ approximate: 'tanh', name: 'g_tanh' }));
    net.output('clip', x.conv2d(2, { kernel: 1, name: 'k' }).max(lo, { name: 'k_max' }));
    const { graph } = runPass(fuseEpilogue, net.build());
    expect(graph.nodes.map((n) => `${n.name}:${n.op}`)).toEqual([
      'shared:Conv', 's_relu:Relu', 's_sig:Sigmoid', 'out:Conv', 'o_relu:Relu',
      'after:FusedConv', 'a_add:Add', 'g:Conv', 'g_tanh:Gelu', 'k:Conv', 'k_max:Max',
    ]);
  });

  it('a residual that broadcasts is not a residual', () => {
    const net = network('bc', { seed: 10 });
    const x = net.input('x', [1, 2, 4, 4]);
    const s = net.input('s', [1, 2, 1, 1]);
    net.output('y', x.conv2d(2, { kernel: 1, name: 'c' }).add(s, { name: 'add' }));
    expect(runPass(fuseEpilogue, net.build()).graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Add']);
  });
});

describe('fuse-epilogue on WebGPU: the residual is the conv input (one buffer bound twice, read-only)', () => {
  it('x + conv1x1(x), then Relu', async () => {
    const net = network('alias', { seed: 11 });
    const x = net.input('x', [1, 6, 5, 3]);
    net.output('y', x.conv2d(6, { kernel: 1, name: 'c' }).add(x, { name: 'add' }).relu({ name: 'relu' }));
    const before = net.build();
    const { graph } = runPass(fuseEpilogue, before);
    expect(described(graph)[0]!.inputs).toEqual(['x', 'c.weight', 'c.bias', 'x']);
    expect(build(graph, { optimizationLevel: 0 }).layers.map((l) => l.tactic)).toEqual(['conv.fused']);
    await expectSameEverywhere(before, graph);
  });
});

describe('fuse-epilogue: ONNX export writes the standard nodes back', () => {
  it('a fused graph exports as Conv/Gemm/MatMul + Add + activation that onnxruntime runs to the same outputs', async () => {
    const net = network('zoo', { seed: 12 });
    const x = net.input('x', [1, 4, 6, 5]);
    const t = net.input('t', [2, 3, 6]);
    const c = x.conv2d(4, { kernel: 3, pad: 1, name: 'c1' }).relu().conv2d(4, { kernel: 3, pad: 1, name: 'c2' });
    net.output('conv', c.add(x).clip(0, 6));
    net.output('acts', x.conv2d(3, { kernel: 1, name: 'c3' }).hardSigmoid({ alpha: 0.3, beta: 0.4 }).add(x.conv2d(3, { kernel: 1, name: 'c4' }).selu()));
    net.output('dense', x.flatten().dense(7, { name: 'fc' }).leakyRelu(0.1));
    net.output('mlp', t.dense(9, { name: 'up' }).gelu().dense(6, { name: 'down' }).add(t).mish());
    const before = net.build();
    const { graph } = runPass(fuseEpilogue, before);
    expect(graph.nodes.map((n) => n.op).sort()).toEqual(['Add', 'Flatten', 'FusedConv', 'FusedConv', 'FusedConv', 'FusedConv', 'FusedGemm', 'FusedMatMul', 'FusedMatMul']);
    const model = exportOnnx(graph);
    const ops = (onnx.ModelProto.decode(model).graph?.node ?? []).map((n) => n.opType ?? '');
    expect(ops.filter((o) => o.startsWith('Fused'))).toEqual([]);
    expect(ops).toEqual(expect.arrayContaining(['Conv', 'Relu', 'Add', 'Clip', 'HardSigmoid', 'Selu', 'Gemm', 'LeakyRelu', 'MatMul', 'Gelu', 'Mish']));
    const feeds = feedsFor(before);
    const want = runReference(verify(inferTypes(before)), feeds);
    const got = await runOrt(model, feeds);
    for (const o of before.outputs) expect(relL2(got[o]!, want[o]!), o).toBeLessThan(1e-5);
  });
});

describe('fuse-epilogue after fuse-conv-bn', () => {
  it('a ResNet block with BatchNorms ends as two FusedConvs whose origins name every source node', async () => {
    const net = network('resnet-block', { seed: 13 });
    const x = net.input('x', [1, 6, 7, 7]);
    const a = x.conv2d(6, { kernel: 3, pad: 1, bias: false, name: 'conv1' }).batchNorm({ init: 'random', name: 'bn1' }).relu({ name: 'relu1' });
    const b = a.conv2d(6, { kernel: 3, pad: 1, bias: false, name: 'conv2' }).batchNorm({ init: 'random', name: 'bn2' });
    net.output('y', b.add(x, { name: 'add' }).relu({ name: 'relu2' }));
    const before = net.build();
    const folded = runPass(fuseConvBn, before).graph;
    const { graph } = runPass(fuseEpilogue, folded);
    expect(graph.nodes.map((n) => [n.op, n.origin])).toEqual([
      ['FusedConv', ['conv1', 'bn1', 'relu1']],
      ['FusedConv', ['conv2', 'bn2', 'add', 'relu2']],
    ]);
    await expectSameEverywhere(before, graph);
  });
});
