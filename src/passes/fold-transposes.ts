/**
 * Transposes read through a kernel's strides instead of copied: a MatMul or FusedMatMul reading a
 * Transpose that swaps its operand's last two axes (keys transposed for attention scores, a
 * weight stored the other way round) becomes a FusedMatMul with transA/transB, which the GEMM
 * kernels read with swapped strides. Gemm's own flags take 2-D transposes earlier (simplify,
 * gemm-transpose-a/b); transposes next to elementwise ops sink there until they cancel. It runs
 * after fuse-epilogue, so the bias, residual and activation are already in the FusedMatMul.
 */
import { isFloat } from '../ir/dtype.js';
import { node } from '../ir/graph.js';
import { attrs } from '../ir/infer.js';
import { originOf } from './edit.js';
import { op, rewriteToFixpoint, v, type Rule } from './rules.js';
import type { Pass } from './types.js';

const MATMULS = ['MatMul', 'FusedMatMul'];

function matmulTranspose(which: 0 | 1): Rule {
  const flag = which === 0 ? 'transA' : 'transB';
  const t = op('Transpose', v('x')).as('t').allowShared(); // still written for its other readers
  return {
    name: which === 0 ? 'matmul-transpose-a' : 'matmul-transpose-b',
    pattern: op(MATMULS, ...(which === 0 ? [t] : [v('a'), t])).as('mm'),
    check(m, g) {
      const [tr, mm] = [m.nodes['t']!, m.nodes['mm']!];
      if (mm.inputs[0] === mm.inputs[1]) return false; // x'x: both operands are the one Transpose
      const rank = g.type(tr.outputs[0]!).shape.length;
      const perm = attrs(tr).optionalInts('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      const swapsLastTwo = rank >= 2 && perm.every((p, i) => p === (i === rank - 2 ? rank - 1 : i === rank - 1 ? rank - 2 : i));
      const ranks = mm.inputs.slice(0, 2).map((i) => g.type(i).shape.length);
      return swapsLastTwo && ranks.every((r) => r >= 2) && isFloat(g.type(mm.outputs[0]!).dtype);
    },
    rewrite(m) {
      const [tr, mm] = [m.nodes['t']!, m.nodes['mm']!];
      const inputs = [...mm.inputs];
      inputs[which] = m.tensors['x']!;
      const { [flag]: old, ...rest } = mm.attrs;
      return { add: [node({ ...mm, op: 'FusedMatMul', inputs, attrs: old === 1 ? rest : { ...rest, [flag]: 1 }, origin: originOf([tr, mm]) })] };
    },
  };
}

export const foldTransposes: Pass = {
  name: 'fold-transposes',
  description: 'transposes of the last two axes read by MatMul through swapped strides (FusedMatMul transA/transB)',
  run: (g, ctx) => rewriteToFixpoint(g, [matmulTranspose(0), matmulTranspose(1)], ctx),
};
