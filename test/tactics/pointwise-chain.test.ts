// pointwise.chain against the reference: every op a chain can hold, broadcasting over odd shapes,
// seven inputs; literals and parameters exact (the same bits as the unary and binary kernels);
// the generated hook.
import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import { CHAIN_BINARY_OPS, CHAIN_UNARY_OPS, parseProgram } from '../../src/ir/ops/index.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { BINARY_F32 } from '../../src/tactics/families/binary.js';
import { chainHook, POINTWISE_CHAIN } from '../../src/tactics/families/pointwise-chain.js';
import { UNARY_F32 } from '../../src/tactics/families/unary.js';
import { candidates } from '../../src/tactics/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

const gpu = useGpu();

async function runChain(program: string[], operands: Operand[], params?: { wg: number }): Promise<{ got: Tensor; want: Tensor }> {
  const { layer, inputs } = opLayer('PointwiseChain', operands, { program });
  expect(candidates(layer)).toEqual([POINTWISE_CHAIN]);
  const want = runReferenceLayer(layer, inputs)[0]!;
  const got = (await runLayer(await gpu(), layer, POINTWISE_CHAIN, inputs, params))[0]!;
  return { got, want };
}

async function check(program: string[], operands: Operand[], params?: { wg: number }): Promise<void> {
  const { got, want } = await runChain(program, operands, params);
  expect(relL2(got, want), program.join('; ')).toBeLessThan(1e-5);
}

const bits = (t: Tensor) => Array.from(new Uint32Array((t.data as Float32Array).slice().buffer));

/** Input range per op: inside its domain, wide enough to reach its interesting parts (as in unary.test.ts). */
const DOMAIN: Readonly<Record<string, readonly [number, number]>> = {
  Log: [0.01, 50], Sqrt: [0, 50], Reciprocal: [0.1, 10], Exp: [-20, 20], Erf: [-4, 4], Gelu: [-6, 6],
};
const VARIANTS: Readonly<Record<string, readonly Attrs[]>> = {
  LeakyRelu: [{}, { alpha: 0.3 }],
  HardSigmoid: [{}, { alpha: 0.4, beta: 0.3 }],
  Gelu: [{}, { approximate: 'tanh' }],
  Elu: [{}, { alpha: 0.5 }],
  Selu: [{}, { alpha: 1.5, gamma: 2 }],
  Clip: [{}, { min: -0.5 }, { max: 0.25 }, { min: -1, max: 0.5 }],
};
const attrText = (a: Attrs) => (Object.keys(a).length ? `; ${Object.entries(a).map(([k, v]) => `${k}=${String(v)}`).join(', ')}` : '');
const SHAPES = [[1], [257], [3, 5, 67]];

describe('pointwise.chain vs reference', () => {
  for (const op of CHAIN_UNARY_OPS) {
    for (const attrs of VARIANTS[op] ?? [{}]) {
      it(`${op} ${JSON.stringify(attrs)} inside a chain, with a broadcast input and a literal`, async () => {
        const [lo, hi] = DOMAIN[op] ?? [-8, 8];
        for (const [i, shape] of SHAPES.entries()) {
          // x * s (s in [0.9, 1.1], broadcast over the last axis), then the op, then + 0.25.
          const s = randomF32(shape.slice(-1), 200 + i, 0.9, 1.1);
          await check(['t1 = Mul(in0, in1)', `t2 = ${op}(t1${attrText(attrs)})`, 't3 = Add(t2, 0.25)'], [randomF32(shape, 100 + i, lo, hi), s]);
        }
      });
    }
  }

  it('every unary op in one chain (bounded between steps so every op stays in its domain)', async () => {
    const ops = CHAIN_UNARY_OPS.filter((op) => op !== 'Clip');
    const program: string[] = [];
    let v = 'in0';
    for (const op of ops) {
      const k = program.length + 1;
      // Clip into [0.1, 2] before each op: inside every domain (Log, Sqrt, Reciprocal), no overflow.
      program.push(`t${k} = Clip(${v}; min=0.1, max=2)`, `t${k + 1} = ${op}(t${k})`, `t${k + 2} = Add(t${k + 1}, in1)`);
      v = `t${k + 2}`;
    }
    expect(new Set(parseProgram(program, 'all', 2).map((s) => s.op).filter((op) => op !== 'Add'))).toEqual(new Set(CHAIN_UNARY_OPS));
    await check(program, [randomF32([5, 77], 1, -3, 3), randomF32([77], 2, -0.5, 0.5)]);
  });

  for (const op of CHAIN_BINARY_OPS) {
    it(`${op}: broadcast operands on either side, the chain's value on either side, literals`, async () => {
      const [lo, hi] = op === 'Pow' ? [0.1, 3] : [-3, 3];
      const x = randomF32([2, 5, 7], 21, lo, hi);
      const cases: [string[], Operand[]][] = [
        [[`t1 = ${op}(in0, in1)`, 't2 = Relu(t1)'], [x, randomF32([5, 1], 22, 0.5, 2)]],
        [[`t1 = ${op}(in0, in1)`, 't2 = Abs(t1)'], [x, randomF32([7], 23, 0.5, 2)]],
        [[`t1 = ${op}(in0, 0.7)`, `t2 = ${op}(t1, in0)`], [x]],
        [[`t1 = ${op}(in0, in1)`], [x, { constant: randomF32([2, 1, 7], 24, 0.5, 2) }]],
      ];
      if (op !== 'PRelu') cases.push([[`t1 = Abs(in0)`, `t2 = ${op}(in1, t1)`, `t3 = ${op}(1.5, t2)`], [x, randomF32([1, 7], 25, 0.5, 2)]]);
      for (const [program, operands] of cases) await check(program, operands);
    });
  }

  it('odd shapes and ranks: 1, 7, 1000003, rank 6 with broadcasts on alternating axes, rank 8 that collapses', async () => {
    await check(['t1 = Sigmoid(in0)', 't2 = Mul(t1, in0)'], [randomF32([1], 1)]);
    await check(['t1 = Sigmoid(in0)', 't2 = Mul(t1, in0)'], [randomF32([7], 2)], { wg: 64 });
    await check(['t1 = Tanh(in0)', 't2 = Mul(t1, 3)'], [randomF32([1000003], 3)]);
    const a = randomF32([2, 3, 4, 5, 3, 2], 4);
    await check(['t1 = Add(in0, in1)', 't2 = Mul(t1, in2)', 't3 = Sub(t2, in3)'], [a, randomF32([3, 1, 5, 1, 2], 5), randomF32([2, 1, 4, 1, 3, 1], 6), randomF32([1, 1, 1, 1, 1, 1], 7)]);
    await check(['t1 = Add(in0, in1)', 't2 = Relu(t1)'], [randomF32([2, 1, 3, 1, 2, 1, 3, 2], 8), randomF32([2], 9)]);
  });

  it('seven inputs, each broadcast its own way, one of them read twice', async () => {
    const shape = [3, 4, 5];
    const inputs = [randomF32(shape, 1), randomF32([5], 2), randomF32([4, 1], 3), randomF32([3, 1, 1], 4), randomF32([], 5), randomF32([1, 4, 5], 6), randomF32([3, 1, 5], 7)];
    const program = ['t1 = Add(in0, in1)', 't2 = Mul(t1, in2)', 't3 = Sub(t2, in3)', 't4 = Max(t3, in4)', 't5 = Min(t4, in5)', 't6 = PRelu(t5, in6)', 't7 = Add(t6, in1)'];
    await check(program, inputs);
  });
});

describe('pointwise.chain at every point of its space (vec 4: four elements per thread)', () => {
  it('every point matches the reference on a chain without broadcasting; vec 4 refuses a broadcast and odd counts', async () => {
    const program = ['t1 = Mul(in0, in1)', 't2 = Add(t1, in2)', 't3 = Sigmoid(t2)', 't4 = Sub(t3, 0.5)'];
    const operands = [0, 1, 2].map((i) => randomF32([2, 5, 12], 300 + i));
    for (const p of POINTWISE_CHAIN.space) await check(program, operands, p as { wg: number });
    const broadcast = opLayer('PointwiseChain', [randomF32([2, 5, 12], 1), randomF32([12], 2)], { program: ['t1 = Mul(in0, in1)'] });
    expect(() => POINTWISE_CHAIN.plan(broadcast.layer, { wg: 256, vec: 4 })).toThrow(/broadcasts an input/);
    const odd = opLayer('PointwiseChain', [randomF32([7], 1)], { program: ['t1 = Relu(in0)'] });
    expect(() => POINTWISE_CHAIN.plan(odd.layer, { wg: 256, vec: 4 })).toThrow(/7 elements are not a multiple of 4/);
  });
});

describe('pointwise.chain literals and parameters are exact', () => {
  it('Mul by 0.1f and LeakyRelu(alpha = 0.1) give the bits of pointwise.binary and pointwise.unary', async () => {
    const x = randomF32([1001], 3, -5, 5);
    const c = tensor('f32', [], [0.1]);
    const mul = opLayer('Mul', [x, { constant: c }]);
    const viaBinary = (await runLayer(await gpu(), mul.layer, BINARY_F32, mul.inputs))[0]!;
    const viaChain = (await runChain([`t1 = Mul(in0, ${Math.fround(0.1)})`], [x])).got;
    expect(bits(viaChain)).toEqual(bits(viaBinary));

    const leaky = opLayer('LeakyRelu', [x], { alpha: 0.1 });
    const viaUnary = (await runLayer(await gpu(), leaky.layer, UNARY_F32, leaky.inputs))[0]!;
    expect(bits((await runChain(['t1 = LeakyRelu(in0; alpha=0.1)'], [x])).got)).toEqual(bits(viaUnary));

    // Awkward values: tiny (not subnormal), huge, 1/3. (Not -0: WGSL lets a compiler fold x * -0
    // to 0, and lavapipe does.)
    const y = randomF32([64], 4, 0.5, 2);
    for (const v of [1e-30, 3e38, 1 / 3]) {
      const { got, want } = await runChain([`t1 = Mul(in0, ${String(Math.fround(v))})`], [y]);
      expect(bits(got), String(v)).toEqual(bits(want));
    }
  });
});

describe('the generated hook', () => {
  it('is one chain() with a let per step, the program above it', () => {
    const steps = parseProgram(['t1 = Mul(in0, 0.5)', 't2 = Add(t1, in1)', 't3 = Clip(t2; max=6)', 't4 = LeakyRelu(t3; alpha=0.25)', 't5 = Gelu(t4; approximate=tanh)'], 'n', 2);
    expect(chainHook(steps)).toBe(
      [
        '// t1 = Mul(in0, 0.5)',
        '// t2 = Add(t1, in1)',
        '// t3 = Clip(t2; max=6)',
        '// t4 = LeakyRelu(t3; alpha=0.25)',
        '// t5 = Gelu(t4; approximate=tanh)',
        'fn chain(x: array<f32, 7>) -> f32 {',
        '  let t1 = binary_op(2u, x[0], 0.5);',
        '  let t2 = binary_op(0u, t1, x[1]);',
        '  let t3 = unary_op(21u, t2, -3.4028234663852886e+38, 6.0);',
        '  let t4 = unary_op(1u, t3, 0.25, 0.0);',
        '  let t5 = unary_op(7u, t4, 0.0, 0.0);',
        '  return t5;',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('is refused (no tactic) where a literal has no finite f32 value, or the broadcast needs more than 6 axes', () => {
    expect(candidates(opLayer('PointwiseChain', [randomF32([4], 1)], { program: ['t1 = Max(in0, -Infinity)'] }).layer)).toEqual([]);
    expect(candidates(opLayer('PointwiseChain', [randomF32([4], 1)], { program: ['t1 = Mul(in0, 1e39)'] }).layer)).toEqual([]);
    const wide = opLayer('PointwiseChain', [randomF32([2, 3, 2, 3, 2, 3, 2], 1), randomF32([2, 1, 2, 1, 2, 1, 2], 2)], { program: ['t1 = Add(in0, in1)'] });
    expect(candidates(wide.layer)).toEqual([]);
  });
});
