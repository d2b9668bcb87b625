import { UnsupportedError } from '../../errors.js';
import { isDType, isFloat, type DType } from '../dtype.js';
import { sameShape, shapeToString, sizeOf, type TensorType } from '../tensor.js';
import { axis, defineOp, need, same, shapeError, type AttrReader, type InferContext } from './registry.js';

/**
 * QuantizeLinear and DequantizeLinear (opsets 10..25) over the integer dtypes wgrt has:
 *   QuantizeLinear:   y = saturate(round_half_to_even(x / y_scale) + y_zero_point)   (u8 or i8)
 *   DequantizeLinear: y = (x - x_zero_point) * x_scale                             (f32 or f16)
 * The scale (and the zero point, of the same shape) is per tensor (one element), per axis (1-D,
 * one value per index of `axis`), or blocked (opset 21: the rank of x, `axis` cut into blocks of
 * `block_size`). Float8 and 4/16-bit types are not wgrt dtypes, so `saturate` has no effect.
 */
export const QUANT_DTYPES: readonly DType[] = ['u8', 'i8'];

/** Saturation bounds of a quantized dtype. */
export const QUANT_RANGE: Readonly<Partial<Record<DType, readonly [number, number]>>> = { u8: [0, 255], i8: [-128, 127] };

/**
 * Where element i of x finds its scale: x viewed as [outer, dim, inner] around the axis, the
 * scale index of (o, d, j) is o * strides[0] + floor(d / block) * strides[1] + j * strides[2].
 * Per tensor: all strides 0. Per axis: [0, 1, 0]. Blocked: [ceil(dim / block) * inner, inner, 1].
 */
export interface QuantGeometry {
  readonly kind: 'tensor' | 'axis' | 'block';
  readonly outer: number;
  readonly dim: number;
  readonly inner: number;
  readonly block: number;
  readonly strides: readonly [number, number, number];
}

/** The geometry of a Q/DQ node's scale against x (input 0) and its zero point (input 2). */
export function quantGeometry(ctx: InferContext, a: AttrReader): QuantGeometry {
  const x = need(ctx, 0);
  const scale = need(ctx, 1);
  const zp = ctx.inputs[2];
  if (zp && !sameShape(zp.shape, scale.shape)) {
    throw shapeError(ctx, `the zero point's shape ${shapeToString(zp.shape)} differs from the scale's ${shapeToString(scale.shape)}`);
  }
  const n = sizeOf(x.shape);
  const block = a.int('block_size');
  if (block < 0) throw shapeError(ctx, `block_size must be >= 0, got ${block}`);
  if (block === 0 && sizeOf(scale.shape) === 1 && scale.shape.length <= 1) {
    return { kind: 'tensor', outer: 1, dim: 1, inner: n, block: 1, strides: [0, 0, 0] };
  }
  const r = x.shape.length;
  if (r === 0) throw shapeError(ctx, `a scalar x takes a scalar scale, got ${shapeToString(scale.shape)}`);
  const k = axis(ctx, a.int('axis'), r);
  const outer = sizeOf(x.shape.slice(0, k));
  const dim = x.shape[k]!;
  const inner = sizeOf(x.shape.slice(k + 1));
  if (block === 0) {
    if (scale.shape.length !== 1 || scale.shape[0] !== dim) {
      throw shapeError(ctx, `a per-axis scale along axis ${k} must have shape [${dim}], got ${shapeToString(scale.shape)}`);
    }
    return { kind: 'axis', outer, dim, inner, block: 1, strides: [0, 1, 0] };
  }
  const blocks = Math.ceil(dim / block);
  const want = x.shape.map((d, i) => (i === k ? blocks : d));
  if (!sameShape(scale.shape, want)) {
    throw shapeError(ctx, `a blocked scale (block_size ${block} along axis ${k}) must have shape ${shapeToString(want)}, got ${shapeToString(scale.shape)}`);
  }
  return { kind: 'block', outer, dim, inner, block, strides: [blocks * inner, inner, 1] };
}

/** The scale index of every element of x (the reference's loop and the kernels' formula). */
export function scaleIndex(g: QuantGeometry, i: number): number {
  const j = i % g.inner;
  const d = Math.floor(i / g.inner) % g.dim;
  const o = Math.floor(i / (g.inner * g.dim));
  return o * g.strides[0] + Math.floor(d / g.block) * g.strides[1] + j * g.strides[2];
}

/** An output_dtype attribute (a wgrt dtype name, as Cast's `to`), if given. */
function outputDtype(ctx: InferContext, a: AttrReader): DType | undefined {
  if (!a.has('output_dtype')) return undefined;
  const d = a.string('output_dtype');
  if (!isDType(d)) throw shapeError(ctx, `output_dtype '${d}' is not a wgrt dtype (f32, f16, i8, u8, i32, i64, bool)`);
  return d;
}

function floatScale(ctx: InferContext): TensorType {
  const s = need(ctx, 1);
  if (!isFloat(s.dtype)) throw shapeError(ctx, `the scale must be f32 or f16, got ${s.dtype}`);
  return s;
}

function unsupportedDtype(ctx: InferContext, what: string, d: DType, allowed: readonly DType[]): UnsupportedError {
  return new UnsupportedError(`node '${ctx.node.name}' (${ctx.node.op}): ${what} ${d} is not supported; wgrt quantizes to ${allowed.join(' or ')}`);
}

const QDQ_ATTRS = { axis: { kind: 'int', default: 1 }, block_size: { kind: 'int', default: 0 }, output_dtype: { kind: 'string' } } as const;

defineOp({
  op: 'QuantizeLinear',
  family: 'unary',
  arity: [2, 3],
  attrs: { ...QDQ_ATTRS, saturate: { kind: 'int', default: 1 } },
  infer(ctx, a) {
    const x = need(ctx, 0);
    if (!isFloat(x.dtype)) throw shapeError(ctx, `x must be f32 or f16, got ${x.dtype}`);
    floatScale(ctx);
    const zp = ctx.inputs[2];
    const given = outputDtype(ctx, a);
    if (zp && given && zp.dtype !== given) throw shapeError(ctx, `output_dtype ${given} differs from the zero point's dtype ${zp.dtype}`);
    const y = zp?.dtype ?? given ?? 'u8';
    if (!QUANT_DTYPES.includes(y)) throw unsupportedDtype(ctx, 'output dtype', y, QUANT_DTYPES);
    quantGeometry(ctx, a);
    return [same(y, x.shape)];
  },
});

const DEQUANT_INPUTS: readonly DType[] = ['u8', 'i8', 'i32'];

defineOp({
  op: 'DequantizeLinear',
  family: 'unary',
  arity: [2, 3],
  attrs: QDQ_ATTRS,
  infer(ctx, a) {
    const x = need(ctx, 0);
    if (!DEQUANT_INPUTS.includes(x.dtype)) throw unsupportedDtype(ctx, 'input dtype', x.dtype, DEQUANT_INPUTS);
    const s = floatScale(ctx);
    const zp = ctx.inputs[2];
    if (zp && zp.dtype !== x.dtype) throw shapeError(ctx, `the zero point is ${zp.dtype}, x is ${x.dtype}; they must match`);
    const y = outputDtype(ctx, a) ?? s.dtype;
    if (!isFloat(y)) throw shapeError(ctx, `output_dtype must be f32 or f16, got ${y}`);
    quantGeometry(ctx, a);
    return [same(y, x.shape)];
  },
});
