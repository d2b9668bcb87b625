import { broadcastShapes, defineOp, need, shapeError } from './registry.js';

defineOp({
  op: 'Gemm',
  family: 'gemm',
  arity: [2, 3],
  attrs: {
    alpha: { kind: 'float', default: 1 },
    beta: { kind: 'float', default: 1 },
    transA: { kind: 'int', default: 0 },
    transB: { kind: 'int', default: 0 },
  },
  infer(ctx, a) {
    const A = need(ctx, 0);
    const B = need(ctx, 1);
    if (A.shape.length !== 2 || B.shape.length !== 2) throw shapeError(ctx, `inputs must be 2-D, got ranks ${A.shape.length} and ${B.shape.length}`);
    const [m, ka] = a.int('transA') ? [A.shape[1]!, A.shape[0]!] : [A.shape[0]!, A.shape[1]!];
    const [kb, n] = a.int('transB') ? [B.shape[1]!, B.shape[0]!] : [B.shape[0]!, B.shape[1]!];
    if (ka !== kb) throw shapeError(ctx, `inner dimensions differ: A gives K=${ka}, B gives K=${kb}`);
    const C = ctx.inputs[2];
    if (C && broadcastShapes(ctx, [C.shape, [m, n]]).some((d, i) => d !== [m, n][i])) {
      throw shapeError(ctx, `bias shape [${C.shape.join(', ')}] does not broadcast to [${m}, ${n}]`);
    }
    return [{ dtype: A.dtype, shape: [m, n] }];
  },
});

/** numpy.matmul shapes: 1-D operands are promoted and the promoted dim dropped afterwards. */
export function matmulShape(a: readonly number[], b: readonly number[]): { out: number[]; m: number; k: number; n: number; batch: number[] } | string {
  if (a.length === 0 || b.length === 0) return 'MatMul operands must have rank >= 1';
  const A = a.length === 1 ? [1, a[0]!] : a;
  const B = b.length === 1 ? [b[0]!, 1] : b;
  const m = A[A.length - 2]!;
  const k = A[A.length - 1]!;
  const kb = B[B.length - 2]!;
  const n = B[B.length - 1]!;
  if (k !== kb) return `inner dimensions differ: [${a.join(', ')}] x [${b.join(', ')}]`;
  let batch: number[];
  try {
    batch = broadcastShapes(undefined, [A.slice(0, -2), B.slice(0, -2)]);
  } catch {
    return `batch dimensions of [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`;
  }
  const out = [...batch];
  if (a.length > 1) out.push(m);
  if (b.length > 1) out.push(n);
  return { out, m, k, n, batch };
}

defineOp({
  op: 'MatMul',
  family: 'gemm',
  arity: [2, 2],
  attrs: {},
  infer(ctx) {
    const A = need(ctx, 0);
    const r = matmulShape(A.shape, need(ctx, 1).shape);
    if (typeof r === 'string') throw shapeError(ctx, r);
    return [{ dtype: A.dtype, shape: r.out }];
  },
});
