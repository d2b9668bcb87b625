import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';
import { runReference } from '../../src/reference/index.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { GEMM_BLOCKED, GEMM_GEMV, GEMM_TILED, GEMM_VEC4 } from '../../src/tactics/families/gemm.js';
import { candidates, tacticById, type Tactic, type TacticParams } from '../../src/tactics/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { Attrs } from '../../src/ir/graph.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

const gpu = useGpu();

async function check(op: string, operands: Operand[], attrs: Attrs = {}, points: readonly TacticParams[] = GEMM_TILED.space, tactic: Tactic = GEMM_TILED): Promise<void> {
  const { layer, inputs } = opLayer(op, operands, attrs);
  expect(candidates(layer)).toContain(tactic);
  const want = runReferenceLayer(layer, inputs)[0]!;
  for (const p of points) {
    const got: Tensor = (await runLayer(await gpu(), layer, tactic, inputs, p))[0]!;
    expect(got.shape).toEqual(want.shape);
    expect(relL2(got, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
  }
}

describe('gemm.tiled vs reference: MatMul', () => {
  const cases: [number[], number[]][] = [
    [[1, 17], [17, 33]], // M = 1
    [[33, 65], [65, 17]],
    [[127, 1], [1, 255]], // K = 1
    [[64, 64], [64, 64]],
    [[2, 3, 5, 7], [7, 9]],
    [[5, 1, 4, 6], [3, 6, 2]],
    [[9], [9, 13]], // 1-D left
    [[3, 10, 9], [9]], // 1-D right
    [[31], [31]], // dot product
    [[2, 1, 3, 1, 5, 4], [3, 1, 4, 2]], // 4 batch dims with broadcast on both sides
  ];
  for (const [sa, sb] of cases) {
    it(`[${sa}] x [${sb}]`, async () => {
      await check('MatMul', [randomF32(sa, 1), randomF32(sb, 2)]);
    });
  }
});

describe('gemm.tiled vs reference: Gemm', () => {
  for (const [transA, transB] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
    for (const cShape of [undefined, [], [45], [37, 1], [37, 45]]) {
      it(`37x45x29 transA=${transA} transB=${transB} C=${cShape ? `[${cShape}]` : 'none'}`, async () => {
        const [m, k, n] = [37, 29, 45];
        const A = randomF32(transA ? [k, m] : [m, k], 3);
        const B = randomF32(transB ? [n, k] : [k, n], 4);
        const C = cShape ? randomF32(cShape, 5) : undefined;
        await check('Gemm', [A, B, C], { alpha: 0.5, beta: -2, transA, transB }, GEMM_TILED.space.slice(0, 2));
      });
    }
  }

  it('1024x1024x1024 once (correctness only)', async () => {
    await check('Gemm', [randomF32([1024, 1024], 6), randomF32([1024, 1024], 7), randomF32([1024], 8)], {}, GEMM_TILED.space.slice(0, 1));
  });
});

describe('gemm.gemv vs reference (every parameter point)', () => {
  const matmuls: [number[], number[]][] = [
    [[1, 2048], [2048, 1000]], // a classifier head
    [[3, 17], [17, 33]],
    [[4, 1], [1, 255]], // K = 1
    [[2, 1, 4, 6], [3, 6, 2]], // batch dims with broadcast
    [[9], [9, 13]], // 1-D left
    [[31], [31]], // dot product
  ];
  for (const [sa, sb] of matmuls) {
    it(`MatMul [${sa}] x [${sb}]`, async () => {
      await check('MatMul', [randomF32(sa, 1), randomF32(sb, 2)], {}, GEMM_GEMV.space, GEMM_GEMV);
    });
  }
  for (const [transA, transB] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
    for (const cShape of [undefined, [45], [3, 1], [3, 45]]) {
      it(`Gemm 3x45x300 transA=${transA} transB=${transB} C=${cShape ? `[${cShape}]` : 'none'}`, async () => {
        const [m, k, n] = [3, 300, 45];
        const A = randomF32(transA ? [k, m] : [m, k], 3);
        const B = randomF32(transB ? [n, k] : [k, n], 4);
        const C = cShape ? randomF32(cShape, 5) : undefined;
        await check('Gemm', [A, B, C], { alpha: 0.5, beta: -2, transA, transB }, GEMM_GEMV.space, GEMM_GEMV);
      });
    }
  }
  it('FusedGemm: bias, residual and activation in the epilogue', async () => {
    const r = randomF32([2, 129], 9);
    await check('FusedGemm', [randomF32([70, 2], 6), randomF32([129, 70], 7), randomF32([129], 8), r],
      { transA: 1, transB: 1, activation: 'LeakyRelu', activation_params: [0.3] }, GEMM_GEMV.space, GEMM_GEMV);
  });
  it('is the default for at most 4 rows, and not for 5', () => {
    const rows = (m: number) => opLayer('Gemm', [randomF32([m, 64], 1), { constant: randomF32([64, 1000], 2) }]).layer;
    expect(candidates(rows(4))[0]).toBe(GEMM_GEMV);
    expect(candidates(rows(5))).not.toContain(GEMM_GEMV);
    expect(candidates(rows(5))[0]).toBe(tacticById('gemm.vec4'));
  });
});

describe('gemm.vec4 vs reference (every parameter point, split-K points too)', () => {
  const splits = (k: number) => [{ ...GEMM_VEC4.space[5]!, split: 2 }, { ...GEMM_VEC4.space[6]!, split: Math.max(2, Math.floor(k / 16)) }];
  const matmuls: [number[], number[]][] = [
    [[37, 64], [64, 36]], // sizes that divide no tile
    [[130, 8], [8, 132]],
    [[2, 3, 5, 8], [8, 12]], // batches stacked into rows
    [[6, 260], [260, 4]],
  ];
  for (const [sa, sb] of matmuls) {
    it(`MatMul [${sa}] x [${sb}]`, async () => {
      await check('MatMul', [randomF32(sa, 1), randomF32(sb, 2)], {}, [...GEMM_VEC4.space, ...splits(sa[sa.length - 1]!)], GEMM_VEC4);
    });
  }
  it('Gemm with a bias C [N] and [1, N]; FusedMatMul with bias, residual and activation', async () => {
    await check('Gemm', [randomF32([33, 20], 3), randomF32([20, 44], 4), randomF32([44], 5)], {}, GEMM_VEC4.space, GEMM_VEC4);
    await check('Gemm', [randomF32([33, 20], 3), randomF32([20, 44], 4), randomF32([1, 44], 5)], { beta: 1 }, GEMM_VEC4.space.slice(0, 2), GEMM_VEC4);
    await check('FusedMatMul', [randomF32([2, 9, 16], 6), randomF32([16, 24], 7), randomF32([24], 8), randomF32([2, 9, 24], 9)],
      { activation: 'LeakyRelu', activation_params: [0.2] }, [...GEMM_VEC4.space, ...splits(16)], GEMM_VEC4);
  });
  it('is the default for row-major products with K and N multiples of 4, and leaves the rest to gemm.tiled', () => {
    const layer = (a: number[], b: number[], attrs: Attrs = {}, c?: number[]) =>
      opLayer('Gemm', [randomF32(a, 1), randomF32(b, 2), ...(c ? [randomF32(c, 3)] : [])], attrs).layer;
    expect(candidates(layer([64, 64], [64, 64]))[0]).toBe(GEMM_VEC4);
    expect(candidates(layer([64, 64], [64, 64], { transB: 1 }))).not.toContain(GEMM_VEC4);
    expect(candidates(layer([64, 64], [64, 64], {}, [64, 64]))).not.toContain(GEMM_VEC4); // a full C
    expect(candidates(layer([64, 64], [64, 64], { alpha: 2 }, [64]))).not.toContain(GEMM_VEC4);
    expect(candidates(layer([64, 6], [6, 64]))).not.toContain(GEMM_VEC4); // K % 4
    expect(candidates(opLayer('MatMul', [randomF32([2, 8, 8], 1), randomF32([2, 8, 8], 2)]).layer)).not.toContain(GEMM_VEC4); // batched B
  });
});

describe('gemm.blocked vs reference', () => {
  const matmuls: [number[], number[]][] = [
    [[37, 64], [64, 36]],
    [[130, 12], [12, 132]], // two tiles each way, K not a multiple of 8
    [[2, 3, 5, 8], [3, 8, 12]], // batches on both sides, broadcast
    [[256, 256], [256, 256]],
    [[200, 84], [84, 292]], // partial tiles both ways, 11 slices of K (the last one partial)
  ];
  for (const [sa, sb] of matmuls) {
    it(`MatMul [${sa}] x [${sb}]`, async () => {
      await check('MatMul', [randomF32(sa, 1), randomF32(sb, 2)], {}, GEMM_BLOCKED.space, GEMM_BLOCKED);
    });
  }
  it('Gemm with alpha, beta and a full C; FusedGemm with residual and activation', async () => {
    await check('Gemm', [randomF32([33, 20], 3), randomF32([20, 44], 4), randomF32([33, 44], 5)], { alpha: 0.5, beta: -2 }, GEMM_BLOCKED.space, GEMM_BLOCKED);
    await check('FusedGemm', [randomF32([33, 20], 3), randomF32([20, 44], 4), randomF32([44], 5), randomF32([33, 44], 6)], { activation: 'Relu' }, GEMM_BLOCKED.space, GEMM_BLOCKED);
  });
  it('Gemm transB with a constant weight (a classifier head: bound transposed at upload); not a run-time one', async () => {
    await check('Gemm', [randomF32([32, 136], 3), { constant: randomF32([100, 136], 4) }, { constant: randomF32([100], 5) }], { transB: 1 }, GEMM_BLOCKED.space, GEMM_BLOCKED);
    expect(candidates(opLayer('Gemm', [randomF32([32, 136], 3), randomF32([100, 136], 4)], { transB: 1 }).layer)).not.toContain(GEMM_BLOCKED);
  });
  it('a dense head (Gemm transB) forced to gemm.blocked runs in an engine like the reference', async () => {
    await gpu();
    const net = network('head', { seed: 3 });
    net.output('y', net.input('x', [8, 64]).dense(20, { name: 'fc' }));
    const g = net.build();
    const engine = build(g, { force: { fc: 'gemm.blocked' } });
    expect(engine.layers.find((l) => l.name === 'fc')!.tactic).toBe('gemm.blocked');
    const feeds = { x: randomF32([8, 64], 9) };
    const ctx = await engine.createContext({ backend: 'webgpu' });
    const got = await ctx.run(feeds);
    ctx.release();
    expect(relL2(got['y']!, runReference(g, feeds)['y']!)).toBeLessThan(1e-5);
  });
});

describe('gemm tile heuristic', () => {
  it('keeps the default tiles for big products and spreads a one-row product over more workgroups', async () => {
    // 1024 x 1024 in 64 x 64 tiles is 256 workgroups: enough. 1 x 1000 is 16 with them.
    const { opLayer } = await import('../helpers/op-layer.js');
    const { randomF32 } = await import('../helpers/data.js');
    const big = opLayer('MatMul', [randomF32([1024, 16], 1), { constant: randomF32([16, 1024], 2) }]).layer;
    expect(GEMM_TILED.heuristic!(big)).toBe(GEMM_TILED.space[0]);
    const head = opLayer('Gemm', [randomF32([1, 64], 1), { constant: randomF32([64, 1000], 2) }]).layer;
    const p = GEMM_TILED.heuristic!(head);
    expect(GEMM_TILED.space).toContain(p);
    expect(p['wgm']! * p['tm']!).toBeLessThan(64);
  });
});
