import { axis, defineOp, need, same, shapeError } from './registry.js';

defineOp({
  op: 'BatchNormalization',
  family: 'norm',
  arity: [5, 5],
  attrs: {
    epsilon: { kind: 'float', default: 1e-5 },
    momentum: { kind: 'float', default: 0.9 },
    training_mode: { kind: 'int', default: 0 },
  },
  infer(ctx, a) {
    const x = need(ctx, 0);
    if (a.int('training_mode') !== 0) throw shapeError(ctx, 'training_mode=1 is not supported: wgrt runs inference');
    if (x.shape.length < 2) throw shapeError(ctx, `input must have a channel axis, got rank ${x.shape.length}`);
    const c = x.shape[1]!;
    for (let i = 1; i < 5; i++) {
      const p = need(ctx, i);
      if (p.shape.length !== 1 || p.shape[0] !== c) throw shapeError(ctx, `parameter ${i} must have shape [${c}], got [${p.shape.join(', ')}]`);
    }
    return [same(x.dtype, x.shape)];
  },
});

defineOp({
  op: 'InstanceNormalization',
  family: 'norm',
  arity: [3, 3],
  attrs: { epsilon: { kind: 'float', default: 1e-5 } },
  infer(ctx) {
    const x = need(ctx, 0);
    if (x.shape.length < 3) throw shapeError(ctx, `input must be N x C x spatial..., got rank ${x.shape.length}`);
    const c = x.shape[1]!;
    for (const i of [1, 2]) {
      const p = need(ctx, i);
      if (p.shape.length !== 1 || p.shape[0] !== c) throw shapeError(ctx, `${i === 1 ? 'scale' : 'bias'} must have shape [${c}], got [${p.shape.join(', ')}]`);
    }
    return [same(x.dtype, x.shape)];
  },
});

defineOp({
  op: 'LayerNormalization',
  family: 'norm',
  arity: [2, 3],
  attrs: { axis: { kind: 'int', default: -1 }, epsilon: { kind: 'float', default: 1e-5 }, stash_type: { kind: 'int', default: 1 } },
  infer(ctx, a) {
    const x = need(ctx, 0);
    const k = axis(ctx, a.int('axis'), x.shape.length);
    const normShape = x.shape.slice(k);
    for (const i of [1, 2]) {
      const p = ctx.inputs[i];
      if (!p) continue;
      const ok = p.shape.length <= normShape.length && p.shape.every((d, j) => d === 1 || d === normShape[normShape.length - p.shape.length + j]);
      if (!ok) throw shapeError(ctx, `${i === 1 ? 'scale' : 'bias'} shape [${p.shape.join(', ')}] does not broadcast to the normalized shape [${normShape.join(', ')}]`);
    }
    const out = [same(x.dtype, x.shape)];
    // Optional outputs 1 and 2, Mean and InvStdDev: one value per row, the normalized dims kept as 1s.
    const extra = ctx.node.outputs.length - 1;
    if (extra > 0) {
      if (!ctx.node.outputs[0]) throw shapeError(ctx, 'output 0 (Y) is required; only Mean and InvStdDev are optional');
      const stash = a.int('stash_type');
      if (stash !== 1 && ctx.node.outputs.slice(1).some((o) => o)) throw shapeError(ctx, `stash_type ${stash} is not supported for the Mean/InvStdDev outputs; wgrt computes them in float32 (stash_type 1)`);
      const rowShape = x.shape.map((d, j) => (j < k ? d : 1));
      for (let i = 0; i < Math.min(extra, 2); i++) out.push(same('f32', rowShape));
    }
    return out;
  },
});

/**
 * LRN (local response normalization across channels): each value is divided by
 * (bias + alpha / size * sum of squares over channels c - floor((size-1)/2) .. c + ceil((size-1)/2))^beta.
 */
defineOp({
  op: 'LRN',
  family: 'norm',
  arity: [1, 1],
  attrs: {
    alpha: { kind: 'float', default: 1e-4 },
    beta: { kind: 'float', default: 0.75 },
    bias: { kind: 'float', default: 1 },
    size: { kind: 'int' },
  },
  infer(ctx, a) {
    const x = need(ctx, 0);
    if (x.shape.length < 2) throw shapeError(ctx, `input must be N x C x D1 ... x Dk, got rank ${x.shape.length}`);
    if (!a.has('size')) throw shapeError(ctx, `attribute 'size' (the number of channels to sum over) is required`);
    const size = a.int('size');
    if (size < 1) throw shapeError(ctx, `size must be at least 1, got ${size}`);
    return [same(x.dtype, x.shape)];
  },
});
