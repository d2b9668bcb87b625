import { toInts } from '../tensor.js';
import { axis, defineOp, need, same, shapeError, type InferContext } from './registry.js';
import type { AttrReader } from './registry.js';

export const REDUCE_OPS = ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin'] as const;

/** The reduced axes (sorted, non-negative) of a Reduce* node: input 1 (opset 18 form) or none. */
export function reduceAxes(ctx: InferContext, a: AttrReader): number[] {
  const r = need(ctx, 0).shape.length;
  let axes: number[] = [];
  if (ctx.node.inputs[1]) {
    const c = ctx.constant(1);
    if (!c) throw shapeError(ctx, `axes (input 1) must be a constant: wgrt builds static shapes`);
    axes = toInts(c);
  }
  if (axes.length === 0) {
    if (a.int('noop_with_empty_axes') === 1) return [];
    return Array.from({ length: r }, (_, i) => i);
  }
  const norm = axes.map((x) => axis(ctx, x, r));
  if (new Set(norm).size !== norm.length) throw shapeError(ctx, `axes [${axes.join(', ')}] repeat an axis`);
  return norm.sort((x, y) => x - y);
}

for (const op of REDUCE_OPS) {
  defineOp({
    op,
    family: 'reduce',
    arity: [1, 2],
    attrs: { keepdims: { kind: 'int', default: 1 }, noop_with_empty_axes: { kind: 'int', default: 0 } },
    constantInputs: [1],
    infer(ctx, a) {
      const x = need(ctx, 0);
      const axes = new Set(reduceAxes(ctx, a));
      const keep = a.int('keepdims') === 1;
      const shape: number[] = [];
      x.shape.forEach((d, i) => {
        if (!axes.has(i)) shape.push(d);
        else if (keep) shape.push(1);
      });
      return [same(x.dtype, shape)];
    },
  });
}

for (const op of ['Softmax', 'LogSoftmax'] as const) {
  defineOp({
    op,
    family: 'softmax',
    arity: [1, 1],
    attrs: { axis: { kind: 'int', default: -1 } },
    infer(ctx, a) {
      const x = need(ctx, 0);
      axis(ctx, a.int('axis'), x.shape.length);
      return [same(x.dtype, x.shape)];
    },
  });
}
