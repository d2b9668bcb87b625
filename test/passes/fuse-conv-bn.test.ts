// fuse-conv-bn: BatchNormalization folded into the Conv / Gemm / MatMul before it.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { node } from '../../src/ir/graph.js';
import { toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { fuseConvBn } from '../../src/passes/fuse-conv-bn.js';
import { optimize } from '../../src/passes/pipeline.js';
import { randomF32 } from '../helpers/data.js';
import { expectSameOutputs, graphOf, nodesOf, runPass } from './helpers.js';

/** BN parameters for `n` channels: scale, bias, mean, var (var in [0.5, 2]). */
function bnParams(n: number, seed: number): Record<string, Tensor> {
  return {
    s: randomF32([n], seed),
    b: randomF32([n], seed + 1),
    m: randomF32([n], seed + 2),
    v: randomF32([n], seed + 3, 0.5, 2),
  };
}
const bn = (input: string, output: string) => node({ name: 'bn', op: 'BatchNormalization', inputs: [input, 's', 'b', 'm', 'v'], outputs: [output], attrs: { epsilon: 1e-3 } });

describe('fuse-conv-bn', () => {
  it('folds BN into a Conv with a bias: scaled weights, a new bias, origin of both', () => {
    const convAttrs = { pads: [1, 1, 1, 1], strides: [2, 2] };
    const before = graphOf({
      inputs: { x: [1, 3, 7, 7] },
      nodes: [
        node({ name: 'conv', op: 'Conv', inputs: ['x', 'w', 'cb'], outputs: ['c'], attrs: convAttrs }),
        bn('c', 'n'),
        node({ name: 'relu', op: 'Relu', inputs: ['n'], outputs: ['y'] }),
      ],
      constants: { w: randomF32([4, 3, 3, 3], 1), cb: randomF32([4], 2), ...bnParams(4, 3) },
    });
    const expected = graphOf({
      inputs: { x: [1, 3, 7, 7] },
      nodes: [
        node({ name: 'conv', op: 'Conv', inputs: ['x', 'w_bn', 'conv_bn_bias'], outputs: ['n'], attrs: convAttrs, origin: ['conv', 'bn'] }),
        node({ name: 'relu', op: 'Relu', inputs: ['n'], outputs: ['y'] }),
      ],
    });
    const { graph, rewrites } = runPass(fuseConvBn, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expect([...graph.initializers.keys()].sort()).toEqual(['conv_bn_bias', 'w_bn']);
    expect(rewrites).toEqual([{ rule: 'conv-bn', replaced: ['conv', 'bn'], produced: ['conv'] }]);
    // The bias by hand: (cb - m) * s / sqrt(v + eps) + b.
    const [cb, s, b, m, v] = ['cb', 's', 'b', 'm', 'v'].map((k) => toFloat64(before.initializers.get(k)!)) as Float64Array[];
    const want = Array.from(cb!, (x, i) => Math.fround(((x - m![i]!) * s![i]!) / Math.sqrt(v![i]! + 1e-3) + b![i]!));
    expect(Array.from(toFloat64(graph.initializers.get('conv_bn_bias')!))).toEqual(want);
    expectSameOutputs(before, graph, 1e-6);
  });

  it('gives a grouped Conv without bias a bias, and writes a graph output under its name', () => {
    const before = graphOf({
      inputs: { x: [2, 4, 5, 5] },
      nodes: [node({ name: 'conv', op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { group: 2 } }), bn('c', 'y')],
      constants: { w: randomF32([6, 2, 3, 3], 4), ...bnParams(6, 5) },
    });
    const expected = graphOf({
      inputs: { x: [2, 4, 5, 5] },
      nodes: [node({ name: 'conv', op: 'Conv', inputs: ['x', 'w_bn', 'conv_bn_bias'], outputs: ['y'], attrs: { group: 2 }, origin: ['conv', 'bn'] })],
    });
    const { graph } = runPass(fuseConvBn, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expect(graph.initializers.get('conv_bn_bias')!.shape).toEqual([6]);
    expectSameOutputs(before, graph, 1e-6);
  });

  it('keeps the BN when the Conv output has another reader, or a parameter is not a constant', () => {
    const shared = graphOf({
      inputs: { x: [1, 2, 4, 4] },
      outputs: ['y', 'c'],
      nodes: [node({ name: 'conv', op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }), bn('c', 'y')],
      constants: { w: randomF32([3, 2, 1, 1], 6), ...bnParams(3, 7) },
    });
    expect(runPass(fuseConvBn, shared).rewrites).toEqual([]);
    const { s: _s, ...rest } = bnParams(3, 7);
    const dynamic = graphOf({
      inputs: { x: [1, 2, 4, 4], s: [3] },
      nodes: [node({ name: 'conv', op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }), bn('c', 'y')],
      constants: { w: randomF32([3, 2, 1, 1], 6), ...rest },
    });
    expect(runPass(fuseConvBn, dynamic).rewrites).toEqual([]);
    const weightIn = graphOf({
      inputs: { x: [1, 2, 4, 4], w: [3, 2, 1, 1] },
      nodes: [node({ name: 'conv', op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }), bn('c', 'y')],
      constants: bnParams(3, 7),
    });
    expect(runPass(fuseConvBn, weightIn).rewrites).toEqual([]);
  });

  it('folds BN into a Gemm with transB, alpha and beta: B rows scaled, C folded, beta dropped', () => {
    const before = graphOf({
      inputs: { a: [3, 5] },
      nodes: [node({ name: 'gemm', op: 'Gemm', inputs: ['a', 'w', 'c0'], outputs: ['g'], attrs: { transB: 1, alpha: 2, beta: 0.5 } }), bn('g', 'y')],
      constants: { w: randomF32([4, 5], 8), c0: randomF32([1, 4], 9), ...bnParams(4, 10) },
    });
    const expected = graphOf({
      inputs: { a: [3, 5] },
      nodes: [node({ name: 'gemm', op: 'Gemm', inputs: ['a', 'w_bn', 'gemm_bn_bias'], outputs: ['y'], attrs: { transB: 1, alpha: 2 }, origin: ['gemm', 'bn'] })],
    });
    const { graph } = runPass(fuseConvBn, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expect(graph.initializers.get('gemm_bn_bias')!.shape).toEqual([1, 4]);
    expectSameOutputs(before, graph, 1e-6);
  });

  it('turns a 2-D MatMul with a constant weight and a BN into a Gemm; leaves a batched MatMul', () => {
    const before = graphOf({
      inputs: { a: [3, 5] },
      nodes: [node({ name: 'mm', op: 'MatMul', inputs: ['a', 'w'], outputs: ['g'] }), bn('g', 'y')],
      constants: { w: randomF32([5, 4], 11), ...bnParams(4, 12) },
    });
    const expected = graphOf({
      inputs: { a: [3, 5] },
      nodes: [node({ name: 'mm', op: 'Gemm', inputs: ['a', 'w_bn', 'mm_bn_bias'], outputs: ['y'], origin: ['mm', 'bn'] })],
    });
    const { graph } = runPass(fuseConvBn, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expectSameOutputs(before, graph, 1e-6);

    const batched = graphOf({
      inputs: { a: [2, 4, 5] },
      nodes: [node({ name: 'mm', op: 'MatMul', inputs: ['a', 'w'], outputs: ['g'] }), bn('g', 'y')],
      constants: { w: randomF32([5, 4], 11), ...bnParams(4, 12) },
    });
    expect(runPass(fuseConvBn, batched).rewrites).toEqual([]);
  });
});

describe('fuse-conv-bn on the light ResNet-50 (ONNX conformance)', () => {
  it('leaves no BatchNormalization after optimize()', () => {
    const g = loadOnnx(fileURLToPath(new URL('../data/onnx-conformance/light/light_resnet50/model.onnx', import.meta.url)));
    const bns = g.nodes.filter((n) => n.op === 'BatchNormalization').length;
    expect(bns).toBe(53);
    const { graph, trace } = optimize(g);
    expect(graph.nodes.filter((n) => n.op === 'BatchNormalization')).toEqual([]);
    expect(trace.find((t) => t.pass === 'fuse-conv-bn')!.rewrites.length).toBe(bns);
  });
});
