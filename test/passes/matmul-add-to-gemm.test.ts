// matmul-add-to-gemm: a 2-D MatMul and a constant bias become one Gemm with C.
import { describe, expect, it } from 'vitest';
import { node } from '../../src/ir/graph.js';
import { matmulAddToGemm } from '../../src/passes/matmul-add-to-gemm.js';
import { randomF32 } from '../helpers/data.js';
import { expectSameOutputs, graphOf, nodesOf, runPass } from './helpers.js';

describe('matmul-add-to-gemm', () => {
  it('turns MatMul + bias into Gemm(A, B, C), the bias on either side of the Add', () => {
    const before = graphOf({
      inputs: { a: [3, 5], u: [3, 5] },
      outputs: ['y', 'z'],
      nodes: [
        node({ name: 'mm', op: 'MatMul', inputs: ['a', 'w'], outputs: ['p'] }),
        node({ name: 'add', op: 'Add', inputs: ['p', 'bias'], outputs: ['q'] }),
        node({ name: 'relu', op: 'Relu', inputs: ['q'], outputs: ['y'] }),
        node({ name: 'mm2', op: 'MatMul', inputs: ['u', 'w'], outputs: ['r'] }),
        node({ name: 'add2', op: 'Add', inputs: ['col', 'r'], outputs: ['z'] }),
      ],
      constants: { w: randomF32([5, 4], 1), bias: randomF32([4], 2), col: randomF32([3, 1], 3) },
    });
    const expected = graphOf({
      inputs: { a: [3, 5], u: [3, 5] },
      nodes: [
        node({ name: 'mm', op: 'Gemm', inputs: ['a', 'w', 'bias'], outputs: ['q'], origin: ['mm', 'add'] }),
        node({ name: 'relu', op: 'Relu', inputs: ['q'], outputs: ['y'] }),
        node({ name: 'mm2', op: 'Gemm', inputs: ['u', 'w', 'col'], outputs: ['z'], origin: ['mm2', 'add2'] }),
      ],
    });
    const { graph, rewrites } = runPass(matmulAddToGemm, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expect(rewrites.map((r) => r.rule)).toEqual(['matmul-add', 'add-matmul']);
    expectSameOutputs(before, graph);
  });

  it('works with both operands computed, and folds a Transpose of A into transA', () => {
    const before = graphOf({
      inputs: { a: [5, 3], b: [5, 4] },
      nodes: [
        node({ name: 't', op: 'Transpose', inputs: ['a'], outputs: ['at'] }),
        node({ name: 'mm', op: 'MatMul', inputs: ['at', 'b'], outputs: ['p'] }),
        node({ name: 'add', op: 'Add', inputs: ['p', 'bias'], outputs: ['y'] }),
      ],
      constants: { bias: randomF32([1, 4], 4) },
    });
    const expected = graphOf({
      inputs: { a: [5, 3], b: [5, 4] },
      nodes: [node({ name: 'mm', op: 'Gemm', inputs: ['a', 'b', 'bias'], outputs: ['y'], attrs: { transA: 1 }, origin: ['t', 'mm', 'add'] })],
    });
    const { graph } = runPass(matmulAddToGemm, before);
    expect(nodesOf(graph)).toEqual(nodesOf(expected));
    expectSameOutputs(before, graph);
  });

  it('leaves a batched MatMul, a bias that grows the result, a computed bias and a shared product', () => {
    const before = graphOf({
      inputs: { a: [2, 3, 5], u: [3, 5], b: [3, 4] },
      outputs: ['y', 'z', 'o', 's', 'p4'],
      nodes: [
        node({ name: 'mm1', op: 'MatMul', inputs: ['a', 'w'], outputs: ['p1'] }),
        node({ name: 'add1', op: 'Add', inputs: ['p1', 'bias'], outputs: ['y'] }),
        node({ name: 'mm2', op: 'MatMul', inputs: ['u', 'w'], outputs: ['p2'] }),
        node({ name: 'add2', op: 'Add', inputs: ['p2', 'big'], outputs: ['z'] }),
        node({ name: 'mm3', op: 'MatMul', inputs: ['u', 'w'], outputs: ['p3'] }),
        node({ name: 'add3', op: 'Add', inputs: ['p3', 'b'], outputs: ['o'] }),
        node({ name: 'mm4', op: 'MatMul', inputs: ['u', 'w'], outputs: ['p4'] }),
        node({ name: 'add4', op: 'Add', inputs: ['p4', 'bias'], outputs: ['s'] }),
      ],
      constants: { w: randomF32([5, 4], 5), bias: randomF32([4], 6), big: randomF32([2, 3, 4], 7) },
    });
    expect(runPass(matmulAddToGemm, before).rewrites).toEqual([]);
  });
});
