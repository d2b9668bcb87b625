import { describe, expect, it } from 'vitest';
import { runReferenceLayer } from '../../src/reference/index.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { randomF32 } from '../helpers/data.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

function run(op: string, operands: Operand[], attrs: Record<string, number> = {}): Tensor {
  const { layer, inputs } = opLayer(op, operands, attrs);
  return runReferenceLayer(layer, inputs)[0]!;
}

function expectClose(got: Tensor, shape: number[], want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.shape).toEqual(shape);
  const g = toFloat64(got);
  expect(g.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(g[i]! - want[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)));
}

/** Element (i, j) of a row-major 2-D tensor, optionally read transposed. */
function at2(t: Tensor, i: number, j: number, trans: boolean): number {
  const v = toFloat64(t);
  return trans ? v[j * t.shape[1]! + i]! : v[i * t.shape[1]! + j]!;
}

describe('Gemm reference', () => {
  it('multiplies a hand-computed 2x2 case', () => {
    const A = tensor('f32', [2, 2], [1, 2, 3, 4]);
    const B = tensor('f32', [2, 2], [5, 6, 7, 8]);
    expectClose(run('Gemm', [A, B]), [2, 2], [19, 22, 43, 50]);
  });

  it('applies alpha, beta and a row bias: 2*A*B + 0.5*[1, 2]', () => {
    const A = tensor('f32', [2, 2], [1, 2, 3, 4]);
    const B = tensor('f32', [2, 2], [5, 6, 7, 8]);
    const C = tensor('f32', [2], [1, 2]);
    expectClose(run('Gemm', [A, B, C], { alpha: 2, beta: 0.5 }), [2, 2], [38.5, 45, 86.5, 101]);
  });

  it('transposes A and B (A^T B^T of 2x3 and 4x2 operands)', () => {
    const A = tensor('f32', [2, 3], [1, 2, 3, 4, 5, 6]); // A^T = [[1,4],[2,5],[3,6]]
    const B = tensor('f32', [4, 2], [1, 0, 0, 1, 1, 1, 2, -1]); // B^T = [[1,0,1,2],[0,1,1,-1]]
    expectClose(run('Gemm', [A, B], { transA: 1, transB: 1 }), [3, 4], [1, 4, 5, -2, 2, 5, 7, -1, 3, 6, 9, 0]);
  });

  for (const [transA, transB] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
    for (const cShape of [undefined, [], [1], [7], [5, 1], [1, 7], [5, 7]]) {
      it(`matches a naive triple loop, transA=${transA} transB=${transB} C=${cShape ? `[${cShape.join(',')}]` : 'none'}`, () => {
        const [m, k, n] = [5, 3, 7];
        const A = randomF32(transA ? [k, m] : [m, k], 1);
        const B = randomF32(transB ? [n, k] : [k, n], 2);
        const C = cShape ? randomF32(cShape, 3) : undefined;
        const [alpha, beta] = [0.75, -1.5];
        const want: number[] = [];
        const c = C ? toFloat64(C) : undefined;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < k; p++) s += at2(A, i, p, transA === 1) * at2(B, p, j, transB === 1);
            let bias = 0;
            if (c && cShape) {
              const ci = cShape.length === 2 && cShape[0] !== 1 ? i : 0;
              const cj = cShape.length === 0 || cShape[cShape.length - 1] === 1 ? 0 : j;
              bias = c[cShape.length === 2 ? ci * cShape[1]! + cj : cj]!;
            }
            want.push(alpha * s + beta * bias);
          }
        }
        expectClose(run('Gemm', [A, B, C], { alpha, beta, transA, transB }), [m, n], want);
      });
    }
  }
});

/** numpy matmul by definition on promoted operands, with explicit broadcasting of batch indices. */
function naiveMatmul(A: Tensor, B: Tensor): { shape: number[]; data: number[] } {
  const a = toFloat64(A);
  const b = toFloat64(B);
  const As = A.shape.length === 1 ? [1, A.shape[0]!] : [...A.shape];
  const Bs = B.shape.length === 1 ? [B.shape[0]!, 1] : [...B.shape];
  const [m, k] = As.slice(-2) as [number, number];
  const n = Bs[Bs.length - 1]!;
  const rank = Math.max(As.length, Bs.length) - 2;
  const pad = (s: number[]) => [...new Array<number>(rank - (s.length - 2)).fill(1), ...s.slice(0, -2)];
  const ab = pad(As);
  const bb = pad(Bs);
  const batch = ab.map((d, i) => Math.max(d, bb[i]!));
  const data: number[] = [];
  const total = batch.reduce((p, d) => p * d, 1);
  for (let t = 0; t < total; t++) {
    const idx: number[] = [];
    let r = t;
    for (let d = rank - 1; d >= 0; d--) {
      idx.unshift(r % batch[d]!);
      r = Math.floor(r / batch[d]!);
    }
    const flat = (dims: number[]) => idx.reduce((o, v, d) => o * dims[d]! + (dims[d] === 1 ? 0 : v), 0);
    const aOff = flat(ab) * m * k;
    const bOff = flat(bb) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[aOff + i * k + p]! * b[bOff + p * n + j]!;
        data.push(s);
      }
    }
  }
  const shape = [...batch, ...(A.shape.length > 1 ? [m] : []), ...(B.shape.length > 1 ? [n] : [])];
  return { shape, data };
}

describe('MatMul reference', () => {
  it('dots two vectors into a scalar', () => {
    expectClose(run('MatMul', [tensor('f32', [3], [1, 2, 3]), tensor('f32', [3], [4, 5, 6])]), [], [32]);
  });

  it('multiplies a vector by a matrix on either side', () => {
    const M = tensor('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    expectClose(run('MatMul', [tensor('f32', [2], [1, -1]), M]), [3], [-3, -3, -3]);
    expectClose(run('MatMul', [M, tensor('f32', [3], [1, 0, -1])]), [2], [-2, -2]);
  });

  const cases: [number[], number[]][] = [
    [[4, 6], [6, 3]],
    [[2, 3, 5, 7], [7, 9]],
    [[5, 1, 4, 6], [3, 6, 2]],
    [[7], [2, 7, 3]],
    [[2, 3, 4], [4]],
    [[1, 2, 3], [5, 3, 2]],
  ];
  for (const [sa, sb] of cases) {
    it(`matches naive numpy semantics for [${sa}] x [${sb}]`, () => {
      const A = randomF32(sa, 11);
      const B = randomF32(sb, 12);
      const want = naiveMatmul(A, B);
      expectClose(run('MatMul', [A, B]), want.shape, want.data);
    });
  }
});
