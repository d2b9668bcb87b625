import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import type { Attrs } from '../../src/ir/graph.js';
import { fromFloat64, sizeOf, toFloat64, type Shape, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { rng, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayerN } from '../helpers/op-layer-n.js';

const gpu = useGpu();

/** Random values of a dtype from `gen` (called once per element). */
function random(dtype: DType, shape: Shape, seed: number, gen: (r: () => number) => number): Tensor {
  const r = rng(seed);
  return fromFloat64(dtype, shape, Array.from({ length: sizeOf(shape) }, () => gen(r)));
}
const uniform = (lo: number, hi: number) => (r: () => number) => lo + (hi - lo) * r();
/** Magnitude in [lo, hi] with a random sign: divisors kept away from zero. */
const signed = (lo: number, hi: number) => (r: () => number) => (r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r());
/** Multiples of 0.5 in [-2, 2]: comparisons see equal values often. */
const coarse = (r: () => number) => Math.round(r() * 8 - 4) / 2;
const int = (lo: number, hi: number) => (r: () => number) => lo + Math.floor(r() * (hi - lo + 1));
const nonzeroInt = (lo: number, hi: number) => (r: () => number) => (r() < 0.5 ? -1 : 1) * int(lo, hi)(r);

/** Runs the layer with every point of the tactic's space and compares with the reference. */
async function check(tacticId: string, op: string, operands: Tensor[], opts: { attrs?: Attrs; exact?: boolean } = {}): Promise<void> {
  const { layer, inputs } = opLayerN(op, operands, opts.attrs ?? {}, 1);
  const tactic = tacticById(tacticId)!;
  expect(candidates(layer).map((t) => t.id)).toContain(tacticId);
  const want = runReferenceLayer(layer, inputs)[0]!;
  for (const p of tactic.space) {
    const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
    expect(got!.dtype).toBe(want.dtype);
    expect(got!.shape).toEqual(want.shape);
    const label = `${op} ${operands.map((t) => `[${t.shape.join(',')}]`).join(' ')} ${JSON.stringify(p)}`;
    if (opts.exact) expect(Array.from(toFloat64(got!)), label).toEqual(Array.from(toFloat64(want)));
    else expect(relL2(got!, want), label).toBeLessThan(1e-5);
  }
}

/** Every broadcast pattern: same odd shape, scalar, row, column, rank-different, both sides, size-1 dims. */
const PATTERNS: [Shape, Shape][] = [
  [[7, 13], [7, 13]],
  [[5, 3], []],
  [[], [4, 3]],
  [[6, 9], [9]],
  [[6, 9], [6, 1]],
  [[2, 3, 5, 7], [5, 1]],
  [[4, 1, 3], [2, 1]],
  [[1, 1, 17], [1, 1, 1]],
  [[2, 1, 3, 1, 2, 2, 1, 3], [3, 1, 2, 1, 1, 3]], // rank 8 that merges to at most 6 axes
];

const FLOAT_OPS: [string, (r: () => number) => number, (r: () => number) => number, Attrs?][] = [
  ['Add', uniform(-1, 1), uniform(-1, 1)],
  ['Sub', uniform(-1, 1), uniform(-1, 1)],
  ['Mul', uniform(-1, 1), uniform(-1, 1)],
  ['Div', uniform(-1, 1), signed(0.5, 2)],
  ['Pow', uniform(0.5, 2), uniform(-2, 2)],
  ['Min', coarse, coarse],
  ['Max', coarse, coarse],
  ['PRelu', uniform(-1, 1), uniform(0, 0.5)],
  ['Mod', uniform(-3, 3), signed(0.5, 2)],
  ['Mod', uniform(-3, 3), signed(0.5, 2), { fmod: 1 }],
];

describe('pointwise.binary (f32) matches the reference', () => {
  FLOAT_OPS.forEach(([op, ga, gb, attrs], j) => {
    it(`${op}${attrs ? ` ${JSON.stringify(attrs)}` : ''} over every broadcast pattern`, async () => {
      for (const [i, [sa, sb]] of PATTERNS.entries()) {
        if (op === 'PRelu' && sb.length > sa.length) continue; // the slope broadcasts to x only
        if (op === 'PRelu' && sa.length === 0) continue;
        await check('pointwise.binary', op, [random('f32', sa, 100 * j + i, ga), random('f32', sb, 100 * j + i + 50, gb)], { attrs });
      }
    });
  });

  it('Pow with negative bases and integer exponents, zero exponent', async () => {
    const x = random('f32', [4, 9], 1, coarse);
    const e = fromFloat64('f32', [9], [0, 1, 2, 3, -1, -2, 2, 3, 1]);
    await check('pointwise.binary', 'Pow', [x, e]);
  });

  it('comparisons give exact bools, including equal operands', async () => {
    for (const op of ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual']) {
      for (const [i, [sa, sb]] of PATTERNS.entries()) {
        await check('pointwise.binary', op, [random('f32', sa, i, coarse), random('f32', sb, i + 9, coarse)], { exact: true });
      }
    }
  });

  it('a grid folded over x and y (more than 65535 workgroups with wg 64)', async () => {
    const a = random('f32', [2100, 2000], 5, uniform(-1, 1));
    const b = random('f32', [2000], 6, uniform(-1, 1));
    const { layer, inputs } = opLayerN('Add', [a, b], {}, 1);
    const want = runReferenceLayer(layer, inputs)[0]!;
    const [got] = await runLayer(await gpu(), layer, tacticById('pointwise.binary')!, inputs, { wg: 64 });
    expect(relL2(got!, want)).toBeLessThan(1e-5);
  });

  it('does not claim mixed float/int operands or unmergeable rank 7', () => {
    const t = tacticById('pointwise.binary')!;
    const mixed = opLayerN('Pow', [random('f32', [3], 1, coarse), random('i32', [3], 2, int(0, 3))], {}, 1).layer;
    expect(t.supports(mixed)).toBe(false);
    expect(tacticById('pointwise.binary-int')!.supports(mixed)).toBe(false);
    const r7 = opLayerN('Add', [random('f32', [2, 1, 2, 1, 2, 1, 2], 1, coarse), random('f32', [1, 2, 1, 2, 1, 2, 1], 2, coarse)], {}, 1).layer;
    expect(t.supports(r7)).toBe(false);
  });
});

const INT_OPS: [string, (r: () => number) => number, (r: () => number) => number, Attrs?][] = [
  ['Add', int(-50, 50), int(-50, 50)],
  ['Sub', int(-50, 50), int(-50, 50)],
  ['Mul', int(-50, 50), int(-50, 50)],
  ['Div', int(-50, 50), nonzeroInt(1, 7)],
  ['Pow', int(-3, 3), int(-2, 6)],
  ['Min', int(-5, 5), int(-5, 5)],
  ['Max', int(-5, 5), int(-5, 5)],
  ['PRelu', int(-9, 9), int(0, 3)],
  ['Mod', int(-50, 50), nonzeroInt(1, 7)],
  ['Mod', int(-50, 50), nonzeroInt(1, 7), { fmod: 1 }],
  ['Equal', int(-2, 2), int(-2, 2)],
  ['Less', int(-2, 2), int(-2, 2)],
  ['Greater', int(-2, 2), int(-2, 2)],
  ['LessOrEqual', int(-2, 2), int(-2, 2)],
  ['GreaterOrEqual', int(-2, 2), int(-2, 2)],
];

describe('pointwise.binary-int matches the reference exactly', () => {
  INT_OPS.forEach(([op, ga, gb, attrs], j) => {
    it(`i32 ${op}${attrs ? ` ${JSON.stringify(attrs)}` : ''} over every broadcast pattern`, async () => {
      for (const [i, [sa, sb]] of PATTERNS.entries()) {
        if (op === 'PRelu' && (sb.length > sa.length || sa.length === 0)) continue;
        await check('pointwise.binary-int', op, [random('i32', sa, 7 * j + i, ga), random('i32', sb, 7 * j + i + 3, gb)], { attrs, exact: true });
      }
    });
  });

  it('i64, i8 and u8 operands (i32 words on the GPU; u8 wraps like the reference)', async () => {
    await check('pointwise.binary-int', 'Div', [random('i64', [5, 7], 1, int(-100, 100)), random('i64', [7], 2, nonzeroInt(1, 9))], { exact: true });
    await check('pointwise.binary-int', 'Mul', [random('i8', [3, 4], 3, int(-10, 10)), random('i8', [1, 4], 4, int(-10, 10))], { exact: true });
    await check('pointwise.binary-int', 'Sub', [random('u8', [11], 5, int(0, 255)), random('u8', [], 6, int(0, 255))], { exact: true });
    await check('pointwise.binary-int', 'Less', [random('i64', [2, 3], 7, int(-2, 2)), random('i64', [3], 8, int(-2, 2))], { exact: true });
  });

  it('logical ops on bools over every broadcast pattern', async () => {
    for (const op of ['And', 'Or', 'Xor', 'Equal']) {
      for (const [i, [sa, sb]] of PATTERNS.entries()) {
        await check('pointwise.binary-int', op, [random('bool', sa, i, int(0, 1)), random('bool', sb, i + 20, int(0, 1))], { exact: true });
      }
    }
  });
});

describe('pointwise.where matches the reference', () => {
  const SHAPES: [Shape, Shape, Shape][] = [
    [[7, 13], [7, 13], [7, 13]],
    [[5, 1], [1, 6], []],
    [[], [3, 4], [4]],
    [[2, 1, 3], [4, 1], [2, 4, 1]],
    [[1, 2, 1, 2, 1, 2, 1], [2, 1, 2, 1, 2, 1], [1]],
  ];
  for (const [i, [sc, sx, sy]] of SHAPES.entries()) {
    it(`cond [${sc}] x [${sx}] y [${sy}] for f32, i32 and i64`, async () => {
      const c = random('bool', sc, i, int(0, 1));
      await check('pointwise.where', 'Where', [c, random('f32', sx, i + 1, uniform(-1, 1)), random('f32', sy, i + 2, uniform(-1, 1))], { exact: true });
      await check('pointwise.where', 'Where', [c, random('i32', sx, i + 3, int(-1e6, 1e6)), random('i32', sy, i + 4, int(-1e6, 1e6))], { exact: true });
      await check('pointwise.where', 'Where', [c, random('i64', sx, i + 5, int(-9, 9)), random('i64', sy, i + 6, int(-9, 9))], { exact: true });
    });
  }
});
