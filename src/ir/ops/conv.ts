import type { Shape } from '../tensor.js';
import { AttrReader, defineOp, need, shapeError, type InferContext } from './registry.js';

/** Resolved geometry of a Conv or pool window over N spatial dims (pads: begins then ends). */
export interface WindowGeometry {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly pads: readonly number[];
  readonly outSpatial: readonly number[];
}

/** ONNX window arithmetic, auto_pad included; shared by shape inference, reference and kernels. */
export function windowGeometry(
  a: AttrReader,
  inSpatial: Shape,
  kernel: readonly number[],
  opts: { ceil?: boolean } = {},
): WindowGeometry {
  const n = inSpatial.length;
  const strides = a.optionalInts('strides') ?? new Array<number>(n).fill(1);
  const dilations = (a.def.attrs['dilations'] ? a.optionalInts('dilations') : undefined) ?? new Array<number>(n).fill(1);
  const autoPad = a.string('auto_pad', 'NOTSET');
  let pads = [...(a.optionalInts('pads') ?? new Array<number>(2 * n).fill(0))];
  const bad = (msg: string) => new Error(msg);
  if (strides.length !== n || dilations.length !== n || pads.length !== 2 * n || kernel.length !== n) {
    throw bad(`window attributes do not match ${n} spatial dims`);
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const size = inSpatial[i]!;
    const k = (kernel[i]! - 1) * dilations[i]! + 1;
    const s = strides[i]!;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const o = Math.ceil(size / s);
      const total = Math.max(0, (o - 1) * s + k - size);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + n] = total - pads[i]!;
      out.push(o);
    } else {
      if (autoPad === 'VALID') pads = new Array<number>(2 * n).fill(0);
      const span = size + pads[i]! + pads[i + n]! - k;
      let o = (opts.ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
      // ONNX/PyTorch rule: the last window must start inside the input or the begin padding.
      if (opts.ceil && (o - 1) * s >= size + pads[i]!) o--;
      out.push(o);
    }
  }
  return { kernel: [...kernel], strides: [...strides], dilations: [...dilations], pads, outSpatial: out };
}

function checkedGeometry(ctx: InferContext, a: AttrReader, inSpatial: Shape, kernel: readonly number[], ceil = false) {
  let g: WindowGeometry;
  try {
    g = windowGeometry(a, inSpatial, kernel, { ceil });
  } catch (e) {
    throw shapeError(ctx, (e as Error).message);
  }
  if (g.outSpatial.some((d) => d < 1)) {
    throw shapeError(ctx, `window ${kernel.join('x')} does not fit input spatial size ${inSpatial.join('x')} (output would be ${g.outSpatial.join('x')})`);
  }
  return g;
}

const windowAttrs = {
  auto_pad: { kind: 'string', default: 'NOTSET' },
  pads: { kind: 'ints' },
  strides: { kind: 'ints' },
} as const;

export function convGeometry(ctx: InferContext, a: AttrReader) {
  const x = need(ctx, 0);
  const w = need(ctx, 1);
  if (x.shape.length < 3) throw shapeError(ctx, `input must be N x C x spatial..., got rank ${x.shape.length}`);
  if (w.shape.length !== x.shape.length) throw shapeError(ctx, `weight rank ${w.shape.length} differs from input rank ${x.shape.length}`);
  const group = a.int('group');
  const c = x.shape[1]!;
  const m = w.shape[0]!;
  if (group < 1 || c % group !== 0 || m % group !== 0) throw shapeError(ctx, `group ${group} must divide input channels ${c} and output channels ${m}`);
  if (w.shape[1]! * group !== c) throw shapeError(ctx, `weight expects ${w.shape[1]! * group} input channels (${w.shape[1]} x group ${group}), input has ${c}`);
  const kernel = w.shape.slice(2);
  const ks = a.optionalInts('kernel_shape');
  if (ks && ks.some((k, i) => k !== kernel[i])) throw shapeError(ctx, `kernel_shape ${ks.join('x')} differs from the weight's ${kernel.join('x')}`);
  const b = ctx.inputs[2];
  if (b && (b.shape.length !== 1 || b.shape[0] !== m)) throw shapeError(ctx, `bias must have shape [${m}], got [${b.shape.join(', ')}]`);
  const geo = checkedGeometry(ctx, a, x.shape.slice(2), kernel);
  return { ...geo, group, n: x.shape[0]!, c, m };
}

defineOp({
  op: 'Conv',
  family: 'conv',
  arity: [2, 3],
  attrs: { ...windowAttrs, dilations: { kind: 'ints' }, group: { kind: 'int', default: 1 }, kernel_shape: { kind: 'ints' } },
  infer(ctx, a) {
    const g = convGeometry(ctx, a);
    return [{ dtype: need(ctx, 0).dtype, shape: [g.n, g.m, ...g.outSpatial] }];
  },
});

export function poolGeometry(ctx: InferContext, a: AttrReader) {
  const x = need(ctx, 0);
  if (x.shape.length < 3) throw shapeError(ctx, `input must be N x C x spatial..., got rank ${x.shape.length}`);
  const kernel = a.ints('kernel_shape');
  return checkedGeometry(ctx, a, x.shape.slice(2), kernel, a.int('ceil_mode') === 1);
}

for (const op of ['MaxPool', 'AveragePool'] as const) {
  defineOp({
    op,
    family: 'pool',
    arity: [1, 1],
    attrs: {
      ...windowAttrs,
      kernel_shape: { kind: 'ints' },
      ceil_mode: { kind: 'int', default: 0 },
      ...(op === 'MaxPool'
        ? { dilations: { kind: 'ints' }, storage_order: { kind: 'int', default: 0 } }
        : { count_include_pad: { kind: 'int', default: 0 }, dilations: { kind: 'ints' } }),
    },
    infer(ctx, a) {
      const x = need(ctx, 0);
      const g = poolGeometry(ctx, a);
      return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...g.outSpatial] }];
    },
  });
}

for (const op of ['GlobalAveragePool', 'GlobalMaxPool'] as const) {
  defineOp({
    op,
    family: 'pool',
    arity: [1, 1],
    attrs: {},
    infer(ctx) {
      const x = need(ctx, 0);
      if (x.shape.length < 3) throw shapeError(ctx, `input must be N x C x spatial..., got rank ${x.shape.length}`);
      return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
    },
  });
}
