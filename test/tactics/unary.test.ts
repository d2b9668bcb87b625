import { describe, expect, it } from 'vitest';
import { UNARY_OPS } from '../../src/ir/ops/index.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { UNARY_F32 } from '../../src/tactics/families/unary.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { fromFloat64, tensor, type Shape } from '../../src/ir/tensor.js';
import { isFloat, type DType } from '../../src/ir/dtype.js';
import type { Attrs } from '../../src/ir/graph.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { RANGE, randomWithExtremes } from '../helpers/dtype-range.js';
import { exactCheck } from '../helpers/exact-check.js';
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

describe('pointwise.unary at every point of its space (vec 4: four elements per thread)', () => {
  it('every point matches the reference where the element count is a multiple of 4; vec 4 refuses other counts', async () => {
    for (const op of ['Relu', 'Sigmoid', 'Gelu', 'Exp']) {
      const { layer, inputs } = opLayer(op, [randomF32([4, 3, 11], 7, -4, 4)]);
      const want = runReferenceLayer(layer, inputs)[0]!;
      for (const p of UNARY_F32.space) {
        const got = (await runLayer(await gpu(), layer, UNARY_F32, inputs, p))[0]!;
        expect(relL2(got, want), `${op} ${JSON.stringify(p)}`).toBeLessThan(1e-5);
      }
    }
    const odd = opLayer('Relu', [randomF32([257], 8)]);
    expect(() => UNARY_F32.plan(odd.layer, { wg: 256, vec: 4 })).toThrow(/257 elements are not a multiple of 4/);
  });
});

describe('pointwise.clip (float) and pointwise.clip-int: Clip with bounds as tensors, exact', () => {
  const exact = exactCheck(gpu);
  const one = (dtype: DType, v: number, shape: Shape = []) => fromFloat64(dtype, shape, [v]);
  const DTYPES: DType[] = ['f32', 'f16', 'i8', 'u8', 'i32', 'i64'];
  for (const dtype of DTYPES) {
    const id = isFloat(dtype) ? 'pointwise.clip' : 'pointwise.clip-int';
    it(`${id} ${dtype}: both bounds, one, none, min > max, the dtype's extremes, odd shapes`, async () => {
      const [lo, hi] = RANGE[dtype];
      // Bounds inside the data's spread: about a third of the values clip at each end.
      const [a, b] = isFloat(dtype) ? [-2.5, 3.25] : [Math.round(lo + (hi - lo) / 3), Math.round(hi - (hi - lo) / 3)];
      for (const [i, shape] of SHAPES.entries()) {
        const x = randomWithExtremes(dtype, shape, 40 + i);
        await exact(id, 'Clip', [x, one(dtype, a), one(dtype, b)]);
        await exact(id, 'Clip', [x, one(dtype, a)]);
        await exact(id, 'Clip', [x, undefined, one(dtype, b)]);
        await exact(id, 'Clip', [x]);
        await exact(id, 'Clip', [x, one(dtype, b), one(dtype, a)]); // min > max: max everywhere
        await exact(id, 'Clip', [x, one(dtype, lo), one(dtype, hi)]); // nothing clips
        await exact(id, 'Clip', [x, one(dtype, hi), undefined]); // everything is the largest value
        await exact(id, 'Clip', [x, { constant: one(dtype, a) }, one(dtype, b, [1])]); // a constant, a [1] tensor
      }
    });
  }

  it('f32 bounds at +-Infinity, the data at +-Infinity', async () => {
    const x = randomWithExtremes('f32', [513], 9);
    await exact('pointwise.clip', 'Clip', [x, one('f32', -Infinity), one('f32', Infinity)]);
    await exact('pointwise.clip', 'Clip', [x, one('f32', Infinity)]);
  });

  it('pointwise.unary takes constant bounds only; min > max gives max there too', async () => {
    const x = randomF32([3, 77], 8, -3, 3);
    const run = opLayer('Clip', [x, one('f32', -1), one('f32', 1)]).layer;
    expect(candidates(run).map((t) => t.id)).toEqual(['pointwise.clip']);
    const constant = opLayer('Clip', [x, { constant: one('f32', 1) }, { constant: one('f32', -1) }]);
    expect(candidates(constant.layer).map((t) => t.id)).toEqual(['pointwise.unary', 'pointwise.clip']);
    await exact('pointwise.unary', 'Clip', [x, { constant: one('f32', 1) }, { constant: one('f32', -1) }]);
  });

  it('the float and int variants do not claim each other\'s dtypes, bool, or bounds of another dtype', () => {
    const ids = (operands: Operand[]) => candidates(opLayer('Clip', operands).layer).map((t) => t.id);
    expect(ids([randomWithExtremes('i8', [5], 1)])).toEqual(['pointwise.clip-int']);
    expect(ids([randomWithExtremes('f16', [5], 1), one('f16', 0)])).toEqual(['pointwise.clip']);
    const b = randomWithExtremes('bool', [5], 1);
    expect(tacticById('pointwise.clip-int')!.supports(opLayer('Clip', [b]).layer)).toBe(false);
    const mixed = opLayer('Clip', [randomWithExtremes('i32', [5], 1), one('i64', 0)]).layer;
    expect(tacticById('pointwise.clip-int')!.supports(mixed)).toBe(false);
  });
});
