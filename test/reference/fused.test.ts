// FusedConv, FusedGemm, FusedMatMul on the reference executor: the base op's reference, then the
// bias, the residual and each activation written out again here; shape errors; unfuse.
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { node, type Attrs } from '../../src/ir/graph.js';
import { unfuse } from '../../src/ir/ops/index.js';
import { fromFloat64, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { ACTIVATION_CASES, type ActivationCase } from '../helpers/activations.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { nodeLayer } from '../helpers/node-layer.js';

/** act(base + residual), elementwise in float64. */
function expected(base: Tensor, residual: Tensor | undefined, act: ActivationCase): Tensor {
  const b = toFloat64(base);
  const r = residual ? toFloat64(residual) : undefined;
  return fromFloat64('f32', base.shape, b.map((v, i) => act.f(v + (r ? r[i]! : 0))));
}

function run(op: string, inputs: (Tensor | undefined)[], attrs: Attrs): Tensor {
  return runReferenceLayer(nodeLayer(op, inputs, { attrs }), inputs)[0]!;
}

const epilogue = (a: ActivationCase): Attrs => ({ activation: a.activation, activation_params: a.params });

describe('FusedConv reference', () => {
  const conv = { strides: [2, 1], pads: [1, 0, 0, 1], group: 2 };
  const x = randomF32([2, 4, 7, 5], 1, -2, 2);
  const w = randomF32([6, 2, 3, 2], 2);
  const b = randomF32([6], 3);
  const base = run('Conv', [x, w, b], conv);
  const r = randomF32(base.shape, 4);
  for (const act of ACTIVATION_CASES) {
    it(`act '${act.activation || 'none'}' with bias and residual`, () => {
      const y = run('FusedConv', [x, w, b, r], { ...conv, ...epilogue(act) });
      expect(relL2(y, expected(base, r, act))).toBeLessThan(1e-6);
    });
  }

  it('without bias or residual it is Conv then the activation', () => {
    const plain = run('Conv', [x, w], conv);
    const y = run('FusedConv', [x, w], { ...conv, activation: 'Relu' });
    expect(relL2(y, expected(plain, undefined, ACTIVATION_CASES[1]!))).toBe(0);
    const withResidual = run('FusedConv', [x, w, undefined, r], conv);
    expect(relL2(withResidual, expected(plain, r, ACTIVATION_CASES[0]!))).toBeLessThan(1e-7);
  });
});

describe('FusedGemm reference', () => {
  const A = randomF32([5, 7], 5);
  const B = randomF32([3, 5], 6);
  const C = randomF32([3], 7);
  const gemm = { alpha: 0.5, beta: 2, transA: 1, transB: 1 };
  const base = run('Gemm', [A, B, C], gemm);
  const r = randomF32([7, 3], 8);
  for (const act of ACTIVATION_CASES) {
    it(`act '${act.activation || 'none'}' with alpha, beta, transposes, broadcast C and residual`, () => {
      const y = run('FusedGemm', [A, B, C, r], { ...gemm, ...epilogue(act) });
      expect(relL2(y, expected(base, r, act))).toBeLessThan(1e-6);
    });
  }
});

describe('FusedMatMul reference', () => {
  it('batched A x B + bias [N] + residual, then Gelu', () => {
    const A = randomF32([2, 3, 5, 4], 9);
    const B = randomF32([4, 6], 10);
    const bias = randomF32([6], 11);
    const mm = run('MatMul', [A, B], {});
    const withBias = run('Add', [mm, bias], {});
    const r = randomF32(mm.shape, 12);
    const gelu = ACTIVATION_CASES.find((c) => c.activation === 'Gelu')!;
    const y = run('FusedMatMul', [A, B, bias, r], { activation: 'Gelu' });
    expect(y.shape).toEqual([2, 3, 5, 6]);
    expect(relL2(y, expected(withBias, r, gelu))).toBeLessThan(1e-6);
  });

  it('a [M, 1] bias broadcasts over columns; no bias is MatMul then the activation', () => {
    const A = randomF32([3, 4], 13);
    const B = randomF32([4, 5], 14);
    const bias = randomF32([3, 1], 15);
    const y = run('FusedMatMul', [A, B, bias], {});
    expect(relL2(y, run('Add', [run('MatMul', [A, B], {}), bias], {}))).toBe(0);
    const sig = ACTIVATION_CASES.find((c) => c.activation === 'Sigmoid')!;
    expect(relL2(run('FusedMatMul', [A, B], { activation: 'Sigmoid' }), expected(run('MatMul', [A, B], {}), undefined, sig))).toBeLessThan(1e-7);
  });
});

describe('fused ops: shape errors name the node and the fault', () => {
  const x = randomF32([1, 2, 4, 4], 1);
  const w = randomF32([3, 2, 3, 3], 2);
  it('an activation that cannot be fused', () => {
    expect(() => nodeLayer('FusedConv', [x, w], { attrs: { activation: 'Exp' } })).toThrow(ShapeError);
    expect(() => nodeLayer('FusedConv', [x, w], { attrs: { activation: 'Exp' } })).toThrow(/fusedconv0.*activation 'Exp' cannot be fused/);
  });
  it('activation_params of the wrong length', () => {
    expect(() => nodeLayer('FusedConv', [x, w], { attrs: { activation: 'Clip', activation_params: [0] } })).toThrow(/takes 2 activation_params \(min, max\), got 1/);
    expect(() => nodeLayer('FusedGemm', [randomF32([2, 3], 1), randomF32([3, 4], 2)], { attrs: { activation: 'Relu', activation_params: [1] } })).toThrow(/takes 0 activation_params/);
  });
  it('a residual of another shape', () => {
    expect(() => nodeLayer('FusedConv', [x, w, undefined, randomF32([1, 3, 4, 4], 3)])).toThrow(/residual must be f32\[1, 3, 2, 2\]/);
  });
  it('a FusedMatMul bias that varies over batches', () => {
    expect(() => nodeLayer('FusedMatMul', [randomF32([2, 3, 4], 1), randomF32([4, 5], 2), randomF32([2, 1, 5], 3)])).toThrow(/bias \[2, 1, 5\] must have rank <= 2/);
  });
});

describe('unfuse', () => {
  it('gives Conv, the residual Add and Clip with its bounds, writing the fused output', () => {
    const n = node({
      name: 'c1', op: 'FusedConv', inputs: ['x', 'w', 'b', 'r'], outputs: ['y'],
      attrs: { pads: [1, 1, 1, 1], activation: 'Clip', activation_params: [0, 6] }, origin: ['conv', 'add', 'clip'],
    });
    const { nodes, constants } = unfuse(n);
    expect(nodes.map((m) => [m.name, m.op, m.inputs, m.outputs, m.attrs])).toEqual([
      ['c1', 'Conv', ['x', 'w', 'b'], ['c1:out'], { pads: [1, 1, 1, 1] }],
      ['c1/residual', 'Add', ['c1:out', 'r'], ['c1/residual:out'], {}],
      ['c1/clip', 'Clip', ['c1/residual:out', 'c1/clip_min', 'c1/clip_max'], ['y'], {}],
    ]);
    expect([...constants.keys()]).toEqual(['c1/clip_min', 'c1/clip_max']);
    expect(nodes.every((m) => m.origin.join() === 'conv,add,clip')).toBe(true);
  });

  it('gives MatMul, the bias Add and the activation with its attributes', () => {
    const n = node({ name: 'mm', op: 'FusedMatMul', inputs: ['a', 'b', 'bias'], outputs: ['y'], attrs: { activation: 'LeakyRelu', activation_params: [0.1] } });
    expect(unfuse(n).nodes.map((m) => [m.op, m.inputs, m.attrs])).toEqual([
      ['MatMul', ['a', 'b'], {}],
      ['Add', ['mm:out', 'bias'], {}],
      ['LeakyRelu', ['mm/bias:out'], { alpha: 0.1 }],
    ]);
  });
});
