// Graphs the benchmarks share.
import { Graph, node } from '../../src/ir/graph.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';

/** C = A x B, n x n x n f32, B a constant. */
export function gemmGraph(n: number): Graph {
  const w = new Float32Array(n * n);
  for (let i = 0; i < w.length; i++) w[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  return new Graph({
    name: `gemm-${n}`,
    inputs: [{ name: 'a', type: { dtype: 'f32', shape: [n, n] } }],
    outputs: ['c'],
    nodes: [node({ name: 'matmul', op: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] })],
    initializers: new Map<string, Tensor>([['b', tensor('f32', [n, n], w)]]),
  });
}
