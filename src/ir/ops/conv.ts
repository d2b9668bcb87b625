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

/** A window op's strides, dilations, auto_pad and pads with their defaults, checked against n spatial dims. */
function windowAttrValues(a: AttrReader, n: number, kernel: readonly number[]) {
  const strides = a.optionalInts('strides') ?? new Array<number>(n).fill(1);
  const dilations = (a.def.attrs['dilations'] ? a.optionalInts('dilations') : undefined) ?? new Array<number>(n).fill(1);
  const autoPad = a.string('auto_pad', 'NOTSET');
  const pads = a.optionalInts('pads') ?? new Array<number>(2 * n).fill(0);
  if (strides.length !== n || dilations.length !== n || pads.length !== 2 * n || kernel.length !== n) {
    throw new Error(`window attributes do not match ${n} spatial dims`);
  }
  return { strides, dilations, autoPad, pads };
}

/** ONNX window arithmetic, auto_pad included; shared by shape inference, reference and kernels. */
export function windowGeometry(
  a: AttrReader,
  inSpatial: Shape,
  kernel: readonly number[],
  opts: { ceil?: boolean } = {},
): WindowGeometry {
  const n = inSpatial.length;
  const { strides, dilations, autoPad, pads: given } = windowAttrValues(a, n, kernel);
  let pads = [...given];
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

/**
 * Resolved geometry of a ConvTranspose. Input position i and kernel tap k add into position
 * i * stride + k * dilation of the full result, which spans stride * (in - 1) + output_padding +
 * (kernel - 1) * dilation + 1; `pads` (begins then ends) crop it to the output, and a negative
 * pad extends it with zeros (plus the bias).
 */
export interface TransposeGeometry extends WindowGeometry {
  readonly outputPadding: readonly number[];
}

/**
 * ONNX ConvTranspose arithmetic. With output_shape (or SAME_* auto_pad, whose output is in * stride)
 * the pads come from total = full - output (explicit pads are ignored): SAME_UPPER crops
 * floor(total / 2) at the begin, every other auto_pad ceil(total / 2), as the spec's formula says.
 * A negative total (output larger than the full result) extends only the end, as output_padding
 * does: that is what the ONNX reference (NOTSET) and onnxruntime do, and the spec's
 * output_shape example (total -1) agrees. VALID pads nothing; NOTSET without output_shape takes `pads`.
 */
export function transposeGeometry(a: AttrReader, inSpatial: Shape, kernel: readonly number[]): TransposeGeometry {
  const n = inSpatial.length;
  const { strides, dilations, autoPad, pads: given } = windowAttrValues(a, n, kernel);
  const outputPadding = a.optionalInts('output_padding') ?? new Array<number>(n).fill(0);
  if (outputPadding.length !== n) throw new Error(`output_padding has ${outputPadding.length} values for ${n} spatial dims`);
  const outputShape = a.optionalInts('output_shape');
  if (outputShape && outputShape.length !== n && outputShape.length !== n + 2) {
    throw new Error(`output_shape has ${outputShape.length} values; it takes ${n} (spatial) or ${n + 2}`);
  }
  const full = inSpatial.map((d, i) => strides[i]! * (d - 1) + outputPadding[i]! + (kernel[i]! - 1) * dilations[i]! + 1);
  const same = autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER';
  const target = outputShape ? outputShape.slice(outputShape.length - n) : same ? inSpatial.map((d, i) => d * strides[i]!) : undefined;
  let pads: number[];
  if (target) {
    pads = new Array<number>(2 * n);
    for (let i = 0; i < n; i++) {
      const total = full[i]! - target[i]!;
      const half = Math.floor(total / 2);
      pads[i] = total < 0 ? 0 : autoPad === 'SAME_UPPER' ? half : total - half;
      pads[i + n] = total - pads[i]!;
    }
  } else {
    pads = autoPad === 'VALID' ? new Array<number>(2 * n).fill(0) : [...given];
  }
  const outSpatial = full.map((f, i) => f - pads[i]! - pads[i + n]!);
  return { kernel: [...kernel], strides: [...strides], dilations: [...dilations], pads, outSpatial, outputPadding: [...outputPadding] };
}

/** ConvTranspose shapes: weight [C, M / group, k...], optional bias [M], output N x M x spatial. */
export function convTransposeGeometry(ctx: InferContext, a: AttrReader) {
  const x = need(ctx, 0);
  const w = need(ctx, 1);
  if (x.shape.length < 3) throw shapeError(ctx, `input must be N x C x spatial..., got rank ${x.shape.length}`);
  if (w.shape.length !== x.shape.length) throw shapeError(ctx, `weight rank ${w.shape.length} differs from input rank ${x.shape.length}`);
  const group = a.int('group');
  const c = x.shape[1]!;
  if (group < 1 || c % group !== 0) throw shapeError(ctx, `group ${group} must divide input channels ${c}`);
  if (w.shape[0] !== c) throw shapeError(ctx, `weight [C, M/group, k...] expects ${w.shape[0]} input channels, input has ${c}`);
  const m = w.shape[1]! * group;
  const kernel = w.shape.slice(2);
  const ks = a.optionalInts('kernel_shape');
  if (ks && (ks.length !== kernel.length || ks.some((k, i) => k !== kernel[i]))) throw shapeError(ctx, `kernel_shape ${ks.join('x')} differs from the weight's ${kernel.join('x')}`);
  const b = ctx.inputs[2];
  if (b && (b.shape.length !== 1 || b.shape[0] !== m)) throw shapeError(ctx, `bias must have shape [${m}], got [${b.shape.join(', ')}]`);
  let g: TransposeGeometry;
  try {
    g = transposeGeometry(a, x.shape.slice(2), kernel);
  } catch (e) {
    throw shapeError(ctx, (e as Error).message);
  }
  if (g.outSpatial.some((d) => d < 1)) {
    throw shapeError(ctx, `pads [${g.pads.join(', ')}] crop the whole output (it would be ${g.outSpatial.join('x')})`);
  }
  return { ...g, group, n: x.shape[0]!, c, m };
}

defineOp({
  op: 'ConvTranspose',
  family: 'conv',
  arity: [2, 3],
  attrs: {
    ...windowAttrs,
    dilations: { kind: 'ints' },
    group: { kind: 'int', default: 1 },
    kernel_shape: { kind: 'ints' },
    output_padding: { kind: 'ints' },
    output_shape: { kind: 'ints' },
  },
  infer(ctx, a) {
    const g = convTransposeGeometry(ctx, a);
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
      const shape = [x.shape[0]!, x.shape[1]!, ...g.outSpatial];
      // MaxPool's optional output 1, Indices: int64 flat positions of the maxima in x.
      if (op === 'MaxPool' && ctx.node.outputs.length > 1) {
        if (!ctx.node.outputs[0]) throw shapeError(ctx, 'output 0 (Y) is required; only Indices is optional');
        const order = a.int('storage_order');
        if (order !== 0 && order !== 1) throw shapeError(ctx, `storage_order must be 0 (row major) or 1 (column major), got ${order}`);
        return [{ dtype: x.dtype, shape }, { dtype: 'i64', shape: [...shape] }];
      }
      return [{ dtype: x.dtype, shape }];
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
