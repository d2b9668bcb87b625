import { ShapeError } from '../errors.js';
import { matmulShape } from '../ir/ops/index.js';
import { fromFloat64, stridesOf, toFloat64, type Shape, type Tensor } from '../ir/tensor.js';
import { registerReference } from './executor.js';

/** Strides of `shape` seen through broadcasting to `target` (0 on broadcast and missing dims). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  return target.map((d, i) => {
    const j = i - (target.length - shape.length);
    return j < 0 || shape[j] === 1 ? 0 : own[j]!;
  });
}

function need(t: Tensor | undefined, what: string): Tensor {
  if (!t) throw new ShapeError(`reference gemm: ${what} is missing`);
  return t;
}

/** Gemm: Y = alpha * op(A) op(B) + beta * C, op() transposing when transA/transB is set. */
registerReference(['Gemm'], (layer, inputs) => {
  const a = layer.attrs;
  const A = need(inputs[0], 'input A');
  const B = need(inputs[1], 'input B');
  const C = inputs[2];
  const out = layer.outputs[0]!;
  const [m, n] = [out.shape[0]!, out.shape[1]!];
  const transA = a.int('transA') === 1;
  const transB = a.int('transB') === 1;
  const k = transA ? A.shape[0]! : A.shape[1]!;
  const alpha = a.float('alpha');
  const beta = a.float('beta');
  const x = toFloat64(A);
  const w = toFloat64(B);
  const at = (i: number, p: number) => (transA ? x[p * m + i]! : x[i * k + p]!);
  const bt = (p: number, j: number) => (transB ? w[j * k + p]! : w[p * n + j]!);
  const c = C ? toFloat64(C) : undefined;
  const cs = C ? broadcastStrides(C.shape, [m, n]) : [0, 0];
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(i, p) * bt(p, j);
      y[i * n + j] = alpha * s + (c ? beta * c[i * cs[0]! + j * cs[1]!]! : 0);
    }
  }
  return [fromFloat64(out.dtype, out.shape, y)];
});

/** MatMul with numpy semantics: 1-D operands promoted, batch dimensions broadcast. */
registerReference(['MatMul'], (layer, inputs) => {
  const A = need(inputs[0], 'input A');
  const B = need(inputs[1], 'input B');
  const r = matmulShape(A.shape, B.shape);
  if (typeof r === 'string') throw new ShapeError(`node '${layer.node.name}' (MatMul): ${r}`);
  const { m, k, n, batch } = r;
  // Promoted shapes: [..., m, k] and [..., k, n]; batch strides through broadcasting.
  const aBatch = broadcastStrides(A.shape.slice(0, -2), batch);
  const bBatch = broadcastStrides(B.shape.slice(0, -2), batch);
  const aMat = m * k;
  const bMat = k * n;
  const x = toFloat64(A);
  const w = toFloat64(B);
  const nb = batch.reduce((p, d) => p * d, 1);
  const y = new Float64Array(nb * m * n);
  const idx = new Array<number>(batch.length).fill(0);
  for (let b = 0; b < nb; b++) {
    let rest = b;
    for (let d = batch.length - 1; d >= 0; d--) {
      idx[d] = rest % batch[d]!;
      rest = Math.floor(rest / batch[d]!);
    }
    // broadcastStrides counts elements of the batch-only shape; scale to whole matrices.
    const aOff = idx.reduce((s, v, d) => s + v * aBatch[d]!, 0) * aMat;
    const bOff = idx.reduce((s, v, d) => s + v * bBatch[d]!, 0) * bMat;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += x[aOff + i * k + p]! * w[bOff + p * n + j]!;
        y[(b * m + i) * n + j] = s;
      }
    }
  }
  const out = layer.outputs[0]!;
  return [fromFloat64(out.dtype, out.shape, y)];
});
