// simplify: each rule on a Before graph against its Expected graph, with unchanged outputs.
import { describe, expect, it } from 'vitest';
import { node } from '../../src/ir/graph.js';
import { tensor, toFloat64 } from '../../src/ir/tensor.js';
import { simplify } from '../../src/passes/simplify.js';
import { randomF32 } from '../helpers/data.js';
import { expectSameOutputs, graphOf, nodesOf, runPass, structure } from './helpers.js';

const ints = (values: number[]) => tensor('i64', [values.length], values);
const relu = (input: string) => node({ name: 'relu', op: 'Relu', inputs: [input], outputs: ['y'] });

describe('simplify: softmax-log', () => {
  it('turns Log(Softmax) into LogSoftmax on the same axis', () => {
    const before = graphOf({
      inputs: { x: [2, 5, 3] },
      nodes: [
        node({ name: 'sm', op: 'Softmax', inputs: ['x'], outputs: ['p'], attrs: { axis: 1 } }),
        node({ name: 'log', op: 'Log', inputs: ['p'], outputs: ['y'] }),
      ],
    });
    const expected = graphOf({
      inputs: { x: [2, 5, 3] },
      nodes: [node({ name: 'sm', op: 'LogSoftmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 }, origin: ['sm', 'log'] })],
    });
    const { graph, rewrites } = runPass(simplify, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expect(rewrites).toEqual([{ rule: 'softmax-log', replaced: ['sm', 'log'], produced: ['sm'] }]);
    expectSameOutputs(before, graph);
  });

  it('keeps a Softmax whose probabilities are read elsewhere', () => {
    const before = graphOf({
      inputs: { x: [2, 5] },
      outputs: ['y', 'p'],
      nodes: [node({ name: 'sm', op: 'Softmax', inputs: ['x'], outputs: ['p'] }), node({ name: 'log', op: 'Log', inputs: ['p'], outputs: ['y'] })],
    });
    expect(runPass(simplify, before).rewrites).toEqual([]);
  });
});

describe('simplify: reduce-global-pool', () => {
  it('turns ReduceMean over H, W into GlobalAveragePool and ReduceMax over -2, -1 into GlobalMaxPool', () => {
    const before = graphOf({
      inputs: { x: [2, 3, 4, 5] },
      outputs: ['y', 'z'],
      nodes: [
        node({ name: 'mean', op: 'ReduceMean', inputs: ['x', 'hw'], outputs: ['y'] }),
        node({ name: 'max', op: 'ReduceMax', inputs: ['x', 'neg'], outputs: ['z'], attrs: { keepdims: 1 } }),
      ],
      constants: { hw: ints([2, 3]), neg: ints([-1, -2]) },
    });
    const expected = graphOf({
      inputs: { x: [2, 3, 4, 5] },
      nodes: [
        node({ name: 'mean', op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }),
        node({ name: 'max', op: 'GlobalMaxPool', inputs: ['x'], outputs: ['z'] }),
      ],
    });
    const { graph } = runPass(simplify, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expect(graph.initializers.size).toBe(0);
    expectSameOutputs(before, graph);
  });

  it('keeps keepdims=0, other axes, all axes and ReduceSum', () => {
    const before = graphOf({
      inputs: { x: [2, 3, 4, 5] },
      outputs: ['a', 'b', 'c', 'd'],
      nodes: [
        node({ name: 'flat', op: 'ReduceMean', inputs: ['x', 'hw'], outputs: ['a'], attrs: { keepdims: 0 } }),
        node({ name: 'ch', op: 'ReduceMean', inputs: ['x', 'ch_axes'], outputs: ['b'] }),
        node({ name: 'all', op: 'ReduceMax', inputs: ['x'], outputs: ['c'] }),
        node({ name: 'sum', op: 'ReduceSum', inputs: ['x', 'hw'], outputs: ['d'] }),
      ],
      constants: { hw: ints([2, 3]), ch_axes: ints([1, 2]) },
    });
    expect(runPass(simplify, before).rewrites).toEqual([]);
  });
});

describe('simplify: pad-into-window', () => {
  const pad = (pads: string, extra: Partial<{ inputs: string[]; mode: string }> = {}) =>
    node({ name: 'pad', op: 'Pad', inputs: extra.inputs ?? ['x', pads], outputs: ['p'], attrs: extra.mode ? { mode: extra.mode } : {} });

  it('adds a zero spatial Pad to a Conv\'s pads', () => {
    const before = graphOf({
      inputs: { x: [1, 2, 6, 6] },
      nodes: [pad('pads'), node({ name: 'conv', op: 'Conv', inputs: ['p', 'w'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1], strides: [2, 1] } })],
      constants: { pads: ints([0, 0, 1, 2, 0, 0, 1, 0]), w: randomF32([3, 2, 3, 3], 1) },
    });
    const expected = graphOf({
      inputs: { x: [1, 2, 6, 6] },
      nodes: [node({ name: 'conv', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { pads: [2, 3, 2, 1], strides: [2, 1] }, origin: ['pad', 'conv'] })],
    });
    const { graph } = runPass(simplify, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expect([...graph.initializers.keys()]).toEqual(['w']);
    expectSameOutputs(before, graph);
  });

  it('folds a Pad with axes and an explicit zero value into AveragePool with count_include_pad=1', () => {
    const before = graphOf({
      inputs: { x: [1, 2, 5, 5] },
      nodes: [
        pad('pads', { inputs: ['x', 'pads', 'zero', 'axes'] }),
        node({ name: 'avg', op: 'AveragePool', inputs: ['p'], outputs: ['y'], attrs: { kernel_shape: [3, 3], count_include_pad: 1 } }),
      ],
      constants: { pads: ints([1, 1, 1, 1]), zero: tensor('f32', [], [0]), axes: ints([2, 3]) },
    });
    const expected = graphOf({
      inputs: { x: [1, 2, 5, 5] },
      nodes: [node({ name: 'avg', op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 3], count_include_pad: 1, pads: [1, 1, 1, 1] }, origin: ['pad', 'avg'] })],
    });
    const { graph } = runPass(simplify, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expectSameOutputs(before, graph);
  });

  it.each([
    ['AveragePool without count_include_pad', { kernel_shape: [3, 3] }, [0, 0, 1, 1, 0, 0, 1, 1], 0, 'constant'],
    ['AveragePool with ceil_mode', { kernel_shape: [2, 2], count_include_pad: 1, ceil_mode: 1, strides: [2, 2] }, [0, 0, 1, 1, 0, 0, 0, 0], 0, 'constant'],
    ['a Pad of channels', { kernel_shape: [3, 3], count_include_pad: 1 }, [0, 1, 1, 1, 0, 0, 1, 1], 0, 'constant'],
    ['a Pad value of 1', { kernel_shape: [3, 3], count_include_pad: 1 }, [0, 0, 1, 1, 0, 0, 1, 1], 1, 'constant'],
    ['a reflect Pad', { kernel_shape: [3, 3], count_include_pad: 1 }, [0, 0, 1, 1, 0, 0, 1, 1], 0, 'reflect'],
    ['a negative Pad', { kernel_shape: [3, 3], count_include_pad: 1 }, [0, 0, -1, 0, 0, 0, 1, 1], 0, 'constant'],
  ] as const)('keeps %s', (_what, poolAttrs, pads, value, mode) => {
    const before = graphOf({
      inputs: { x: [1, 2, 5, 5] },
      nodes: [
        pad('pads', { inputs: ['x', 'pads', 'value'], mode }),
        node({ name: 'avg', op: 'AveragePool', inputs: ['p'], outputs: ['y'], attrs: poolAttrs }),
      ],
      constants: { pads: ints([...pads]), value: tensor('f32', [], [value]) },
    });
    expect(runPass(simplify, before).rewrites).toEqual([]);
  });

  it('keeps a Pad before MaxPool', () => {
    const before = graphOf({
      inputs: { x: [1, 2, 5, 5] },
      nodes: [pad('pads'), node({ name: 'max', op: 'MaxPool', inputs: ['p'], outputs: ['y'], attrs: { kernel_shape: [3, 3] } })],
      constants: { pads: ints([0, 0, 1, 1, 0, 0, 1, 1]) },
    });
    expect(runPass(simplify, before).rewrites).toEqual([]);
  });
});

describe('simplify: transpose-transpose', () => {
  it('removes two transposes that cancel, and composes two that do not', () => {
    const before = graphOf({
      inputs: { x: [2, 3, 4, 5], u: [2, 3, 4] },
      outputs: ['y', 'z'],
      nodes: [
        node({ name: 't1', op: 'Transpose', inputs: ['x'], outputs: ['a'], attrs: { perm: [0, 2, 3, 1] } }),
        node({ name: 't2', op: 'Transpose', inputs: ['a'], outputs: ['b'], attrs: { perm: [0, 3, 1, 2] } }),
        relu('b'),
        node({ name: 't3', op: 'Transpose', inputs: ['u'], outputs: ['c'], attrs: { perm: [1, 0, 2] } }),
        node({ name: 't4', op: 'Transpose', inputs: ['c'], outputs: ['z'], attrs: { perm: [0, 2, 1] } }),
      ],
    });
    const expected = graphOf({
      inputs: { x: [2, 3, 4, 5], u: [2, 3, 4] },
      nodes: [relu('x'), node({ name: 't4', op: 'Transpose', inputs: ['u'], outputs: ['z'], attrs: { perm: [1, 2, 0] }, origin: ['t3', 't4'] })],
    });
    const { graph } = runPass(simplify, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expectSameOutputs(before, graph);
  });

  it('writes a cancelled pair that is a graph output with an Identity; keeps a first Transpose read elsewhere', () => {
    const before = graphOf({
      inputs: { x: [2, 3] },
      outputs: ['y', 'a'],
      nodes: [
        node({ name: 't1', op: 'Transpose', inputs: ['x'], outputs: ['a'] }),
        node({ name: 't2', op: 'Transpose', inputs: ['a'], outputs: ['y'], attrs: { perm: [1, 0] } }),
      ],
    });
    const expected = graphOf({
      inputs: { x: [2, 3] },
      nodes: [node({ name: 't1', op: 'Transpose', inputs: ['x'], outputs: ['a'] }), node({ name: 't2', op: 'Identity', inputs: ['x'], outputs: ['y'], origin: ['t1', 't2'] })],
    });
    const { graph } = runPass(simplify, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expectSameOutputs(before, graph);
  });
});

describe('simplify: reshape-reshape', () => {
  it('merges a Reshape and a Flatten into one Reshape, and removes a pair that gives the shape back', () => {
    const before = graphOf({
      inputs: { x: [2, 3, 4], u: [2, 3, 4] },
      outputs: ['y', 'z'],
      nodes: [
        node({ name: 'r1', op: 'Reshape', inputs: ['x', 's1'], outputs: ['a'] }),
        node({ name: 'r2', op: 'Flatten', inputs: ['a'], outputs: ['y'], attrs: { axis: 0 } }),
        node({ name: 'r3', op: 'Reshape', inputs: ['u', 's2'], outputs: ['b'] }),
        node({ name: 'r4', op: 'Reshape', inputs: ['b', 's3'], outputs: ['c'] }),
        node({ name: 'neg', op: 'Neg', inputs: ['c'], outputs: ['z'] }),
      ],
      constants: { s1: ints([6, -1]), s2: ints([2, 12]), s3: ints([0, 3, -1]) },
    });
    const expected = graphOf({
      inputs: { x: [2, 3, 4], u: [2, 3, 4] },
      nodes: [
        node({ name: 'r2', op: 'Reshape', inputs: ['x', 'r2_shape'], outputs: ['y'], origin: ['r1', 'r2'] }),
        node({ name: 'neg', op: 'Neg', inputs: ['u'], outputs: ['z'] }),
      ],
    });
    const { graph } = runPass(simplify, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expect(Array.from(toFloat64(graph.initializers.get('r2_shape')!))).toEqual([1, 24]);
    expect([...graph.initializers.keys()]).toEqual(['r2_shape']);
    expectSameOutputs(before, graph);
  });
});

describe('simplify: gemm-transpose', () => {
  it('folds transposes of A and B into transA/transB, flipping a flag that is set', () => {
    const before = graphOf({
      inputs: { a: [5, 3], b: [4, 5], u: [3, 5] },
      outputs: ['y', 'z'],
      nodes: [
        node({ name: 'ta', op: 'Transpose', inputs: ['a'], outputs: ['at'] }),
        node({ name: 'tb', op: 'Transpose', inputs: ['b'], outputs: ['bt'], attrs: { perm: [1, 0] } }),
        node({ name: 'gemm', op: 'Gemm', inputs: ['at', 'bt', 'c'], outputs: ['y'], attrs: { alpha: 0.5 } }),
        node({ name: 'tu', op: 'Transpose', inputs: ['u'], outputs: ['ut'] }),
        node({ name: 'g2', op: 'Gemm', inputs: ['ut', 'b'], outputs: ['z'], attrs: { transA: 1, transB: 1 } }),
      ],
      constants: { c: randomF32([4], 3) },
    });
    const expected = graphOf({
      inputs: { a: [5, 3], b: [4, 5], u: [3, 5] },
      nodes: [
        node({ name: 'gemm', op: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'], attrs: { alpha: 0.5, transA: 1, transB: 1 }, origin: ['tb', 'ta', 'gemm'] }),
        node({ name: 'g2', op: 'Gemm', inputs: ['u', 'b'], outputs: ['z'], attrs: { transB: 1 }, origin: ['tu', 'g2'] }),
      ],
    });
    const { graph } = runPass(simplify, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expectSameOutputs(before, graph);
  });

  it('transposes a constant B at build time instead, and keeps a Transpose read as both A and B', () => {
    const before = graphOf({
      inputs: { a: [3, 5], s: [4, 4] },
      outputs: ['y', 'z'],
      nodes: [
        node({ name: 'tw', op: 'Transpose', inputs: ['w'], outputs: ['wt'] }),
        node({ name: 'gemm', op: 'Gemm', inputs: ['a', 'wt'], outputs: ['y'] }),
        node({ name: 'ts', op: 'Transpose', inputs: ['s'], outputs: ['st'] }),
        node({ name: 'square', op: 'Gemm', inputs: ['st', 'st'], outputs: ['z'] }),
      ],
      constants: { w: randomF32([4, 5], 4) },
    });
    const expected = graphOf({
      inputs: { a: [3, 5], s: [4, 4] },
      nodes: [
        node({ name: 'gemm', op: 'Gemm', inputs: ['a', 'w_t'], outputs: ['y'], origin: ['tw', 'gemm'] }),
        node({ name: 'ts', op: 'Transpose', inputs: ['s'], outputs: ['st'] }),
        node({ name: 'square', op: 'Gemm', inputs: ['st', 'st'], outputs: ['z'] }),
      ],
    });
    const { graph } = runPass(simplify, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expect(graph.initializers.get('w_t')!.shape).toEqual([5, 4]);
    expectSameOutputs(before, graph);
  });
});

describe('simplify: transpose-sink-unary and transpose-sink-binary', () => {
  const toNhwc = [0, 2, 3, 1];
  const toNchw = [0, 3, 1, 2];

  it('removes the transposes around a pointwise run (NCHW -> NHWC, ops, back)', () => {
    // The FaceNet pattern: x is transposed to NHWC, a bias (per channel, last axis), a scale
    // (scalar) and a Relu run there, and the result is transposed back.
    const bias = randomF32([4], 11);
    const before = graphOf({
      inputs: { x: [2, 4, 3, 5] },
      constants: { bias, s: tensor('f32', [], [0.5]) },
      nodes: [
        node({ name: 'to', op: 'Transpose', inputs: ['x'], outputs: ['a'], attrs: { perm: toNhwc } }),
        node({ name: 'add', op: 'Add', inputs: ['a', 'bias'], outputs: ['b'] }),
        node({ name: 'mul', op: 'Mul', inputs: ['s', 'b'], outputs: ['c'] }),
        node({ name: 'act', op: 'Relu', inputs: ['c'], outputs: ['d'] }),
        node({ name: 'back', op: 'Transpose', inputs: ['d'], outputs: ['y'], attrs: { perm: toNchw } }),
      ],
    });
    const { graph } = runPass(simplify, before);
    // The bias now lies along axis 1 of the NCHW tensor: [1, 4, 1, 1].
    expect(structure(graph).map((n) => n.op)).toEqual(['Add', 'Mul', 'Relu', 'Identity']);
    const biasName = graph.nodes[0]!.inputs[1]!;
    expect(graph.initializers.get(biasName)!.shape).toEqual([1, 4, 1, 1]);
    expect(graph.nodes[0]!.inputs[0]).toBe('x');
    expect(graph.nodes[3]!.origin).toEqual(['to', 'back']);
    expectSameOutputs(before, graph);
  });

  it('sinks below a binary op whose two inputs are transposed alike, into a Gemm flag, and keeps what it cannot move', () => {
    const before = graphOf({
      inputs: { x: [3, 5], z: [3, 5], w: [3, 6], p: [2, 3, 4], q: [4] },
      outputs: ['y', 'r'],
      nodes: [
        node({ name: 'tx', op: 'Transpose', inputs: ['x'], outputs: ['a'] }),
        node({ name: 'tz', op: 'Transpose', inputs: ['z'], outputs: ['b'] }),
        node({ name: 'sub', op: 'Sub', inputs: ['a', 'b'], outputs: ['c'] }),
        node({ name: 'tanh', op: 'Tanh', inputs: ['c'], outputs: ['d'] }),
        node({ name: 'gemm', op: 'Gemm', inputs: ['d', 'w'], outputs: ['y'] }),
        // Add of a transposed tensor and a computed one (not a constant, not transposed): stays.
        node({ name: 'tp', op: 'Transpose', inputs: ['p'], outputs: ['e'], attrs: { perm: [0, 2, 1] } }),
        node({ name: 'add', op: 'Add', inputs: ['e', 'e2'], outputs: ['r'] }),
        node({ name: 'tq', op: 'Unsqueeze', inputs: ['q', 'axes'], outputs: ['e2'] }),
      ],
      constants: { axes: tensor('i64', [1], [1]) },
    });
    const { graph } = runPass(simplify, before);
    expect(structure(graph).map((n) => n.op)).toEqual(['Sub', 'Tanh', 'Gemm', 'Transpose', 'Unsqueeze', 'Add']);
    expect(graph.nodes[0]!.inputs).toEqual(['x', 'z']);
    expect(graph.nodes[2]!.attrs['transA']).toBe(1);
    expect(graph.nodes[2]!.origin).toEqual(expect.arrayContaining(['tx', 'tz', 'gemm']));
    expectSameOutputs(before, graph);
  });

  it('leaves a transpose whose output the constant broadcasts up', () => {
    const before = graphOf({
      inputs: { x: [1, 3] },
      constants: { k: randomF32([4, 3, 1], 12) },
      nodes: [
        node({ name: 't', op: 'Transpose', inputs: ['x'], outputs: ['a'] }),
        node({ name: 'add', op: 'Add', inputs: ['a', 'k'], outputs: ['y'] }),
      ],
    });
    expect(runPass(simplify, before).rewrites).toEqual([]);
  });
});
