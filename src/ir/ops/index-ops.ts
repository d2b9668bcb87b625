import { sizeOf, toInts, type Shape } from '../tensor.js';
import { axis, constantInput, defineOp, need, same, shapeError, type InferContext } from './registry.js';

/**
 * Ops whose outputs are positions along one axis: ArgMax / ArgMin (opsets 11..13) and TopK
 * (opsets 11..24, K as input 1). Every one orders values the same way: numbers as usual with
 * -0 equal to +0, NaN above +inf, and equal values ordered by their index (the lower first, or
 * for ArgMax / ArgMin with select_last_index the higher).
 */
export const ARG_OPS = ['ArgMax', 'ArgMin'] as const;

/** An input viewed as [outer, dim, inner] around one axis: the form every kernel walks. */
export interface AxisView {
  readonly axis: number;
  readonly outer: number;
  readonly dim: number;
  readonly inner: number;
}

export function axisView(shape: Shape, k: number): AxisView {
  return { axis: k, outer: sizeOf(shape.slice(0, k)), dim: shape[k]!, inner: sizeOf(shape.slice(k + 1)) };
}

function numeric(ctx: InferContext): void {
  const x = need(ctx, 0);
  if (x.dtype === 'bool') throw shapeError(ctx, `input must be numeric, got bool; Cast it to i32 first`);
}

for (const op of ARG_OPS) {
  defineOp({
    op,
    family: 'reduce',
    arity: [1, 1],
    attrs: { axis: { kind: 'int', default: 0 }, keepdims: { kind: 'int', default: 1 }, select_last_index: { kind: 'int', default: 0 } },
    infer(ctx, a) {
      numeric(ctx);
      const x = need(ctx, 0);
      const k = axis(ctx, a.int('axis'), x.shape.length);
      if (x.shape[k] === 0) throw shapeError(ctx, `axis ${k} is empty: there is no ${op === 'ArgMax' ? 'maximum' : 'minimum'}`);
      const keep = a.int('keepdims') === 1;
      const shape = x.shape.flatMap((d, i) => (i !== k ? [d] : keep ? [1] : []));
      return [same('i64', shape)];
    },
  });
}

/** TopK's K (input 1, a constant of one element), checked against the axis it selects along. */
export function topkK(ctx: InferContext, dim: number): number {
  const c = constantInput(ctx, 1, 'K');
  const v = toInts(c);
  if (v.length !== 1) throw shapeError(ctx, `K must hold one value, got ${v.length} (shape [${c.shape.join(', ')}])`);
  const k = v[0]!;
  if (k < 0 || k > dim) throw shapeError(ctx, `K = ${k} is out of range for an axis of ${dim} elements`);
  return k;
}

defineOp({
  op: 'TopK',
  family: 'reduce',
  arity: [2, 2],
  attrs: { axis: { kind: 'int', default: -1 }, largest: { kind: 'int', default: 1 }, sorted: { kind: 'int', default: 1 } },
  constantInputs: [1],
  infer(ctx, a) {
    numeric(ctx);
    const x = need(ctx, 0);
    const k = axis(ctx, a.int('axis'), x.shape.length);
    const shape = [...x.shape];
    shape[k] = topkK(ctx, x.shape[k]!);
    return [same(x.dtype, shape), same('i64', shape)];
  },
});
