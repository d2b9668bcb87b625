/**
 * Int8Conv: a convolution of int8 values with exact int32 sums, then a float epilogue. Inputs
 *
 *   0 x        i8  [N, C, spatial...]      the quantized activation (zero point 0)
 *   1 w        i8  [M, C / group, k...]    the quantized weight (zero point 0)
 *   2 bias     f32 [M]                     optional ('')
 *   3 x_scale  f32 scalar                  (one element)
 *   4 w_scale  f32 [M]                     per output channel
 *   5 y_scale  f32 scalar                  optional (''): requantize the output to i8
 *   6 residual f32 [N, M, spatial out...]  optional: added before the activation
 *
 * with Conv's attributes, `activation` ('' or 'Relu'), and the zero points `x_zero_point` and
 * `y_zero_point` (int8 values, default 0). Per output element i of channel m:
 *
 *   acc = Σ x * w    (exact, int32; a tap in the padding counts x = x_zero_point)
 *   y   = act(acc * x_scale * w_scale[m] + bias[m] + residual[i])   (f32 output without y_scale)
 *   q   = saturate(round_half_even(y / y_scale) + y_zero_point)     (i8 output with y_scale)
 *
 * With zero points 0 that is DequantizeLinear(x) and DequantizeLinear(w, axis 0) -> Conv -> (Add
 * residual) -> (Relu) -> (QuantizeLinear(y_scale)), up to the order of the float sums. With an
 * input zero point zx, DequantizeLinear gives (x - zx) * x_scale and pads with 0 = (zx - zx): the
 * sums differ by zx * Σ w[m] over the whole kernel, which the graph pass folds into the bias (as
 * TensorRT folds zero points), so the kernels multiply the raw int8 values. TensorRT runs
 * its INT8 convolutions so; the graph pass that finds the Q/DQ pattern makes these nodes.
 */
import { sizeOf, shapeToString, type TensorType } from '../tensor.js';
import { convGeometry } from './conv.js';
import { defineOp, need, opDef, shapeError, type InferContext } from './registry.js';

/** Activations Int8Conv's epilogue takes. */
export const INT8_CONV_ACTIVATIONS: readonly string[] = ['', 'Relu'];

/** Input indices of Int8Conv, by name. */
export const INT8_CONV_INPUTS = { x: 0, w: 1, bias: 2, xScale: 3, wScale: 4, yScale: 5, residual: 6 } as const;

function expectType(ctx: InferContext, i: number, what: string, dtype: string, ok: (t: TensorType) => boolean, want: string): void {
  const t = need(ctx, i);
  if (t.dtype !== dtype || !ok(t)) throw shapeError(ctx, `${what} (input ${i}) must be ${dtype} ${want}, got ${t.dtype}${shapeToString(t.shape)}`);
}

const scalar = (t: TensorType): boolean => sizeOf(t.shape) === 1 && t.shape.length <= 1;

defineOp({
  op: 'Int8Conv',
  family: 'conv',
  arity: [5, 7],
  attrs: { ...opDef('Conv').attrs, activation: { kind: 'string', default: '' }, x_zero_point: { kind: 'int', default: 0 }, y_zero_point: { kind: 'int', default: 0 } },
  internal: true,
  infer(ctx, a) {
    const { x, w, bias, xScale, wScale, yScale, residual } = INT8_CONV_INPUTS;
    expectType(ctx, x, 'x', 'i8', () => true, 'values');
    expectType(ctx, w, 'w', 'i8', () => true, 'values');
    const g = convGeometry(ctx, a); // also checks the bias's shape
    if (ctx.inputs[bias] && ctx.inputs[bias].dtype !== 'f32') throw shapeError(ctx, `bias (input 2) must be f32, got ${ctx.inputs[bias].dtype}`);
    expectType(ctx, xScale, 'x_scale', 'f32', scalar, 'with one element');
    expectType(ctx, wScale, 'w_scale', 'f32', (t) => t.shape.length === 1 && t.shape[0] === g.m, `[${g.m}] (one per output channel)`);
    if (ctx.inputs[yScale]) expectType(ctx, yScale, 'y_scale', 'f32', scalar, 'with one element');
    for (const z of ['x_zero_point', 'y_zero_point']) {
      if (!Number.isInteger(a.int(z)) || a.int(z) < -128 || a.int(z) > 127) throw shapeError(ctx, `${z} ${a.int(z)} is no int8 value (-128..127)`);
    }
    const act = a.string('activation');
    if (!INT8_CONV_ACTIVATIONS.includes(act)) throw shapeError(ctx, `activation '${act}' is not supported; use '' or 'Relu'`);
    const shape = [g.n, g.m, ...g.outSpatial];
    const r = ctx.inputs[residual];
    if (r && (r.dtype !== 'f32' || shapeToString(r.shape) !== shapeToString(shape))) {
      throw shapeError(ctx, `residual (input 6) must be f32${shapeToString(shape)}, the output's shape, got ${r.dtype}${shapeToString(r.shape)}`);
    }
    return [{ dtype: ctx.inputs[yScale] ? 'i8' : 'f32', shape }];
  },
});
