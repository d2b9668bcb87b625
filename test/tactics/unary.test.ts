import { describe, expect, it } from 'vitest';
import { UNARY_OPS } from '../../src/ir/ops/index.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { UNARY_F32 } from '../../src/tactics/families/unary.js';
import { candidates } from '../../src/tactics/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { tensor } from '../../src/ir/tensor.js';
import type { Attrs } from '../../src/ir/graph.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

const gpu = useGpu();

/** Input range per op: inside each op's domain, wide enough to reach its interesting parts. */
const DOMAIN: Readonly<Record<string, readonly [number, number]>> = {
  Log: [0.01, 50],
  Sqrt: [0, 50],
  Reciprocal: [0.1, 10],
  Exp: [-20, 20],
  Erf: [-4, 4],
  Gelu: [-6, 6],
};

const VARIANTS: Readonly<Record<string, readonly Attrs[]>> = {
  LeakyRelu: [{}, { alpha: 0.3 }],
  HardSigmoid: [{}, { alpha: 0.4, beta: 0.3 }],
  Gelu: [{}, { approximate: 'tanh' }],
  Elu: [{}, { alpha: 0.5 }],
  Selu: [{}, { alpha: 1.5, gamma: 2 }],
};

const SHAPES = [[1], [257], [3, 5, 67]];

async function check(op: string, operands: Operand[], attrs: Attrs): Promise<void> {
  const { layer, inputs } = opLayer(op, operands, attrs);
  expect(candidates(layer)).toContain(UNARY_F32);
  const want = runReferenceLayer(layer, inputs)[0]!;
  const got = (await runLayer(await gpu(), layer, UNARY_F32, inputs))[0]!;
  expect(relL2(got, want)).toBeLessThan(1e-5);
}

describe('pointwise.unary vs reference, every op', () => {
  for (const op of Object.keys(UNARY_OPS).filter((o) => o !== 'Not')) {
    for (const attrs of VARIANTS[op] ?? [{}]) {
      it(`${op} ${JSON.stringify(attrs)}`, async () => {
        const [lo, hi] = DOMAIN[op] ?? [-8, 8];
        for (const [i, shape] of SHAPES.entries()) await check(op, [randomF32(shape, 100 + i, lo, hi)], attrs);
      });
    }
  }

  it('Erf and Gelu near zero (small values keep their relative accuracy)', async () => {
    await check('Erf', [randomF32([1000], 5, -0.01, 0.01)], {});
    await check('Gelu', [randomF32([1000], 6, -0.05, 0.05)], {});
  });

  it('Clip with both bounds, one bound, and none', async () => {
    const c = (v: number) => ({ constant: tensor('f32', [], [v]) });
    const x = randomF32([3, 77], 7, -3, 3);
    await check('Clip', [x, c(-1), c(0.5)], {});
    await check('Clip', [x, undefined, c(0.25)], {});
    await check('Clip', [x, c(0)], {});
    await check('Clip', [x], {});
  });
});
