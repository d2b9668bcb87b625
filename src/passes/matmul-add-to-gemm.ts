/**
 * MatMul + bias to Gemm: a 2-D MatMul (either operand constant or not) followed by an Add of a
 * constant that broadcasts to its [M, N] result becomes Gemm(A, B, C), which the gemm kernels
 * and the epilogue fusion know. Transposes feeding the new Gemm fold into transA/transB (the
 * simplify rules GEMM_TRANSPOSE_RULES run here too). Batched MatMuls stay as they are.
 */
import { isFloat } from '../ir/dtype.js';
import { node } from '../ir/graph.js';
import { sameShape } from '../ir/tensor.js';
import { originOf } from './edit.js';
import { c, op, rewriteToFixpoint, v, type Match, type Rule } from './rules.js';
import { GEMM_TRANSPOSE_RULES } from './simplify.js';
import type { Graph } from '../ir/graph.js';
import type { Pass } from './types.js';

const matmul = op('MatMul', v('a'), v('b')).as('mm');

/** Both operands 2-D, a float result, and a bias that does not grow the result. */
function fits(m: Match, g: Graph): boolean {
  const out = g.type(m.nodes['mm']!.outputs[0]!);
  const sum = g.type(m.nodes['add']!.outputs[0]!);
  return g.type(m.tensors['a']!).shape.length === 2 && g.type(m.tensors['b']!).shape.length === 2 && isFloat(out.dtype) && sameShape(out.shape, sum.shape);
}

function toGemm(m: Match) {
  const mm = m.nodes['mm']!;
  const inputs = [m.tensors['a']!, m.tensors['b']!, m.tensors['bias']!];
  return { add: [node({ name: mm.name, op: 'Gemm', inputs, outputs: m.nodes['add']!.outputs, origin: originOf(m.all) })] };
}

export const MATMUL_ADD_RULES: readonly Rule[] = [
  { name: 'matmul-add', pattern: op('Add', matmul, c('bias')).as('add'), check: fits, rewrite: toGemm },
  { name: 'add-matmul', pattern: op('Add', c('bias'), matmul).as('add'), check: fits, rewrite: toGemm },
];

export const matmulAddToGemm: Pass = {
  name: 'matmul-add-to-gemm',
  description: 'a 2-D MatMul plus a constant bias becomes one Gemm with C',
  run: (g, ctx) => rewriteToFixpoint(g, [...MATMUL_ADD_RULES, ...GEMM_TRANSPOSE_RULES], ctx),
};
