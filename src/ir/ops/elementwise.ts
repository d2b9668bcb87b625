import { isDType } from '../dtype.js';
import { broadcastShapes, defineOp, need, same, shapeError, type AttrSpec } from './registry.js';

/** Unary ops and their attributes (defaults as in ONNX). */
export const UNARY_OPS: Readonly<Record<string, Readonly<Record<string, AttrSpec>>>> = {
  Relu: {},
  LeakyRelu: { alpha: { kind: 'float', default: 0.01 } },
  Sigmoid: {},
  Tanh: {},
  HardSigmoid: { alpha: { kind: 'float', default: 0.2 }, beta: { kind: 'float', default: 0.5 } },
  HardSwish: {},
  Gelu: { approximate: { kind: 'string', default: 'none' } },
  Elu: { alpha: { kind: 'float', default: 1 } },
  Selu: { alpha: { kind: 'float', default: 1.67326319217681884765625 }, gamma: { kind: 'float', default: 1.05070102214813232421875 } },
  Softplus: {},
  Softsign: {},
  Mish: {},
  Exp: {},
  Log: {},
  Sqrt: {},
  Abs: {},
  Neg: {},
  Reciprocal: {},
  Floor: {},
  Ceil: {},
  Erf: {},
  Not: {},
  Identity: {},
};

for (const [op, attrs] of Object.entries(UNARY_OPS)) {
  defineOp({
    op,
    family: 'unary',
    arity: [1, 1],
    attrs,
    infer: (ctx) => [same(need(ctx, 0).dtype, need(ctx, 0).shape)],
  });
}

/** Clip(x, min?, max?): min and max are scalar inputs (opset >= 11). */
defineOp({
  op: 'Clip',
  family: 'unary',
  arity: [1, 3],
  attrs: {},
  infer(ctx) {
    for (const i of [1, 2]) {
      const t = ctx.inputs[i];
      if (t && t.shape.length > 1) throw shapeError(ctx, `${i === 1 ? 'min' : 'max'} must be a scalar`);
    }
    return [same(need(ctx, 0).dtype, need(ctx, 0).shape)];
  },
});

defineOp({
  op: 'Cast',
  family: 'unary',
  arity: [1, 1],
  attrs: { to: { kind: 'string' }, saturate: { kind: 'int', default: 1 } },
  infer(ctx, a) {
    const to = a.string('to');
    if (!isDType(to)) throw shapeError(ctx, `cannot cast to '${to}'; wgrt dtypes are f32, f16, i8, u8, i32, i64, bool`);
    return [same(to, need(ctx, 0).shape)];
  },
});

export const ARITHMETIC_OPS = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Min', 'Max', 'PRelu', 'Mod'] as const;
export const COMPARISON_OPS = ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual'] as const;
export const LOGICAL_OPS = ['And', 'Or', 'Xor'] as const;

for (const op of ARITHMETIC_OPS) {
  defineOp({
    op,
    family: 'binary',
    arity: [2, 2],
    attrs: op === 'Mod' ? { fmod: { kind: 'int', default: 0 } } : {},
    infer(ctx) {
      const x = need(ctx, 0);
      const y = need(ctx, 1);
      if (op !== 'Pow' && x.dtype !== y.dtype) throw shapeError(ctx, `operand dtypes differ: ${x.dtype} and ${y.dtype}`);
      const shape = broadcastShapes(ctx, [x.shape, y.shape]);
      if (op === 'PRelu' && shape.length !== x.shape.length) throw shapeError(ctx, `slope must broadcast to the input's shape`);
      return [same(x.dtype, shape)];
    },
  });
}

for (const op of [...COMPARISON_OPS, ...LOGICAL_OPS]) {
  defineOp({
    op,
    family: 'binary',
    arity: [2, 2],
    attrs: {},
    infer(ctx) {
      const x = need(ctx, 0);
      const y = need(ctx, 1);
      if (x.dtype !== y.dtype) throw shapeError(ctx, `operand dtypes differ: ${x.dtype} and ${y.dtype}`);
      return [same('bool', broadcastShapes(ctx, [x.shape, y.shape]))];
    },
  });
}

defineOp({
  op: 'Where',
  family: 'binary',
  arity: [3, 3],
  attrs: {},
  infer(ctx) {
    const c = need(ctx, 0);
    const x = need(ctx, 1);
    const y = need(ctx, 2);
    if (c.dtype !== 'bool') throw shapeError(ctx, `condition must be bool, got ${c.dtype}`);
    if (x.dtype !== y.dtype) throw shapeError(ctx, `branch dtypes differ: ${x.dtype} and ${y.dtype}`);
    return [same(x.dtype, broadcastShapes(ctx, [c.shape, x.shape, y.shape]))];
  },
});
