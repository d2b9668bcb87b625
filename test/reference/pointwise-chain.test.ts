// PointwiseChain: the program format (parse, format, errors), hand-computed values, and the same
// bits as the standard nodes it stands for (expandChain), for every op a chain can hold.
import { describe, expect, it } from 'vitest';
import { Graph, node, type Attrs } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { CHAIN_BINARY_OPS, CHAIN_UNARY_OPS, expandChain, formatProgram, parseProgram } from '../../src/ir/ops/index.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReference, runReferenceLayer } from '../../src/reference/index.js';
import { randomF32 } from '../helpers/data.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

function run(program: string[], operands: Operand[]): Tensor {
  const { layer, inputs } = opLayer('PointwiseChain', operands, { program });
  return runReferenceLayer(layer, inputs)[0]!;
}

/** The chain's node, expanded to standard nodes and run by the reference: what the chain must equal bit for bit. */
function runExpanded(program: string[], operands: Tensor[]): Tensor {
  const n = node({ name: 'chain', op: 'PointwiseChain', inputs: operands.map((_, i) => `x${i}`), outputs: ['y'], attrs: { program } });
  const { nodes, constants } = expandChain(n);
  const g = inferTypes(new Graph({
    name: 'expanded',
    inputs: operands.map((t, i) => ({ name: `x${i}`, type: { dtype: t.dtype, shape: t.shape } })),
    outputs: ['y'],
    nodes,
    initializers: constants,
  }));
  return runReference(g, Object.fromEntries(operands.map((t, i) => [`x${i}`, t])))['y']!;
}

function expectSameBits(a: Tensor, b: Tensor): void {
  expect(a.shape).toEqual(b.shape);
  expect(Array.from(new Uint32Array((a.data as Float32Array).buffer))).toEqual(Array.from(new Uint32Array((b.data as Float32Array).buffer)));
}

describe('PointwiseChain program format', () => {
  it('reads what it writes: inputs, steps, literals (also -0 and 0.1f), attributes', () => {
    const program = ['t1 = Mul(in0, 0.10000000149011612)', 't2 = Add(t1, in1)', 't3 = Clip(t2; min=0, max=6)', 't4 = LeakyRelu(t3; alpha=0.3)', 't5 = Gelu(t4; approximate=tanh)', 't6 = Mul(t5, -0)'];
    const steps = parseProgram(program, 'n', 2);
    expect(steps[0]).toEqual({ op: 'Mul', operands: [{ kind: 'input', index: 0 }, { kind: 'literal', value: Math.fround(0.1) }], attrs: {} });
    expect(steps[2]).toEqual({ op: 'Clip', operands: [{ kind: 'step', step: 2 }], attrs: { min: 0, max: 6 } });
    expect(steps[4]!.attrs).toEqual({ approximate: 'tanh' });
    expect(Object.is((steps[5]!.operands[1] as { value: number }).value, -0)).toBe(true);
    expect(formatProgram(steps)).toEqual(program);
    expect(formatProgram(parseProgram(['  t1=Relu( in0 )'], 'n', 1))).toEqual(['t1 = Relu(in0)']);
  });

  it('refuses bad programs, naming the node, the step and the fault', () => {
    const bad: [unknown, RegExp][] = [
      [[], /non-empty list of steps/],
      [['t1 = Relu(in0'], /step 1 't1 = Relu\(in0': is not of the form/],
      [['t2 = Relu(in0)'], /must define t1/],
      [['t1 = Conv(in0)'], /op Conv cannot be in a chain/],
      [['t1 = Not(in0)'], /op Not cannot be in a chain/],
      [['t1 = Relu(in1)'], /reads in1 but the node has 1 input/],
      [['t1 = Relu(t1)'], /reads t1, which is not an earlier step/],
      [['t1 = Add(in0)'], /Add takes 2 operands, got 1/],
      [['t1 = Relu(in0, in0)'], /Relu takes 1 operand, got 2/],
      [['t1 = Relu(in0; alpha=1)'], /Relu has no attribute 'alpha'/],
      [['t1 = LeakyRelu(in0; alpha=big)'], /attribute 'alpha' must be a number/],
      [['t1 = Add(in0, x)'], /operand 'x' is none of inN, tN or a number/],
    ];
    for (const [program, msg] of bad) {
      expect(() => parseProgram(program as never, 'fused', 1), JSON.stringify(program)).toThrow(msg);
      expect(() => parseProgram(program as never, 'fused', 1)).toThrow(/node 'fused' \(PointwiseChain\)/);
    }
  });

  it('infers the first input\'s shape; others must broadcast into it; f32 only', () => {
    const x = randomF32([2, 3], 1);
    const { layer } = opLayer('PointwiseChain', [x, randomF32([3], 2), randomF32([2, 1], 3)], { program: ['t1 = Add(in0, in1)', 't2 = Mul(t1, in2)'] });
    expect(layer.outputs[0]).toEqual({ dtype: 'f32', shape: [2, 3] });
    expect(() => opLayer('PointwiseChain', [randomF32([3], 2), x], { program: ['t1 = Add(in0, in1)'] })).toThrow(/input 0 must have the output shape/);
    expect(() => opLayer('PointwiseChain', [tensor('i32', [2], [1, 2])], { program: ['t1 = Relu(in0)'] })).toThrow(/input 0 is i32; a PointwiseChain is f32 only/);
  });
});

describe('PointwiseChain reference', () => {
  it('HardSwish by hand: x * clip(x + 3, 0, 6) / 6', () => {
    const x = tensor('f32', [6], [-4, -2, -0.5, 0, 1, 5]);
    const y = run(['t1 = Add(in0, 3)', 't2 = Clip(t1; min=0, max=6)', 't3 = Mul(in0, t2)', 't4 = Div(t3, 6)'], [x]);
    expect(Array.from(toFloat64(y))).toEqual([-0, -1 / 3, -0.5 * 2.5 / 6, 0, 4 / 6, 5].map(Math.fround)); // -4 * 0 is -0
  });

  it('broadcasts inputs (rows, columns, a scalar tensor) and reuses one input twice', () => {
    const x = tensor('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const row = tensor('f32', [3], [10, 20, 30]);
    const col = tensor('f32', [2, 1], [-1, 1]);
    const s = tensor('f32', [], [0.5]);
    const y = run(['t1 = Add(in0, in1)', 't2 = Mul(t1, in2)', 't3 = Sub(t2, in3)', 't4 = Max(t3, in0)'], [x, row, col, s]);
    expect(Array.from(toFloat64(y))).toEqual([1, 2, 3, 13.5, 24.5, 35.5]);
  });

  it('Clip with one bound or none; literals on the left of a binary op', () => {
    const x = tensor('f32', [4], [-2, -0.5, 0.5, 2]);
    expect(Array.from(toFloat64(run(['t1 = Clip(in0; max=1)'], [x])))).toEqual([-2, -0.5, 0.5, 1]);
    expect(Array.from(toFloat64(run(['t1 = Clip(in0; min=0)'], [x])))).toEqual([0, 0, 0.5, 2]);
    expect(Array.from(toFloat64(run(['t1 = Clip(in0)', 't2 = Sub(1, t1)'], [x])))).toEqual([3, 1.5, 0.5, -1]);
    expect(Array.from(toFloat64(run(['t1 = Pow(2, in0)'], [x])))).toEqual([0.25, Math.SQRT1_2, Math.SQRT2, 4].map(Math.fround));
  });

  const DOMAIN: Readonly<Record<string, readonly [number, number]>> = { Log: [0.01, 50], Sqrt: [0, 50], Reciprocal: [0.1, 10] };
  const VARIANTS: Readonly<Record<string, readonly Attrs[]>> = {
    LeakyRelu: [{}, { alpha: 0.3 }],
    HardSigmoid: [{}, { alpha: 0.4, beta: 0.3 }],
    Gelu: [{}, { approximate: 'tanh' }],
    Elu: [{}, { alpha: 0.5 }],
    Selu: [{}, { alpha: 1.5, gamma: 2 }],
    Clip: [{}, { min: -0.5 }, { max: 0.25 }, { min: -1, max: 0.5 }],
  };
  const attrText = (a: Attrs) => (Object.keys(a).length ? `; ${Object.entries(a).map(([k, v]) => `${k}=${String(v)}`).join(', ')}` : '');

  it('gives the bits of the standard nodes it stands for: every unary op, with its attributes', () => {
    for (const op of CHAIN_UNARY_OPS) {
      for (const attrs of VARIANTS[op] ?? [{}]) {
        const [lo, hi] = DOMAIN[op] ?? [-4, 4];
        const x = randomF32([3, 17], 11, lo, hi);
        const b = randomF32([17], 12, 0.5, 1.5);
        const program = [`t1 = Mul(in0, in1)`, `t2 = ${op}(t1${attrText(attrs)})`, 't3 = Add(t2, 0.25)'];
        expectSameBits(run(program, [x, b]), runExpanded(program, [x, b]));
      }
    }
  });

  it('gives the bits of the standard nodes it stands for: every binary op, both operand orders, literals', () => {
    for (const op of CHAIN_BINARY_OPS) {
      const x = randomF32([2, 5, 7], 21, op === 'Pow' ? 0.1 : -3, 3);
      const b = randomF32([5, 1], 22, op === 'Pow' ? 0.1 : 0.5, 2);
      const programs = [[`t1 = ${op}(in0, in1)`, 't2 = Relu(t1)'], [`t1 = ${op}(in0, 0.7)`, `t2 = ${op}(t1, in0)`]];
      // The chain's value as the second operand (PRelu's slope must broadcast into its x, so not there).
      if (op !== 'PRelu') programs.push([`t1 = Neg(in0)`, `t2 = ${op}(in1, t1)`]);
      for (const program of programs) {
        const operands = program.some((s) => s.includes('in1')) ? [x, b] : [x];
        expectSameBits(run(program, operands), runExpanded(program, operands));
      }
    }
  });
});
