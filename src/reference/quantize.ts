import { ShapeError } from '../errors.js';
import { QUANT_RANGE, quantGeometry, scaleIndex } from '../ir/ops/quantize.js';
import { fromFloat64, toFloat64, type Tensor } from '../ir/tensor.js';
import { registerReference } from './executor.js';

// Reference kernels of QuantizeLinear and DequantizeLinear (ONNX opsets 10..25): f32 arithmetic
// as in the ONNX reference implementation, so that the GPU kernels can match them exactly.

function input(t: Tensor | undefined, op: string, i: number): Tensor {
  if (!t) throw new ShapeError(`reference ${op}: input ${i} is missing`);
  return t;
}

/** Rounds to the nearest integer, ties to the even one (numpy's rint, WGSL's round). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // ties toward +inf
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * One quantized value: x / scale in f32 (f32 division is correctly rounded, so rounding the
 * float64 quotient once to f32 gives it exactly), rounded half to even, plus the zero point,
 * saturated to [lo, hi]. NaN quantizes as 0 (to the zero point); infinities saturate.
 */
export function quantizeValue(x: number, scale: number, zeroPoint: number, range: readonly [number, number]): number {
  const q = Math.fround(x / scale);
  const r = Number.isNaN(q) ? 0 : roundHalfEven(q);
  return Math.min(range[1], Math.max(range[0], r + zeroPoint));
}

/** QuantizeLinear: y = saturate(round_half_to_even(x / y_scale) + y_zero_point). */
registerReference(['QuantizeLinear'], (layer, inputs) => {
  const x = toFloat64(input(inputs[0], 'QuantizeLinear', 0));
  const scale = toFloat64(input(inputs[1], 'QuantizeLinear', 1));
  const zp = inputs[2] ? toFloat64(inputs[2]) : undefined;
  const g = quantGeometry(layer.ctx, layer.attrs);
  const out = layer.outputs[0]!;
  const range = QUANT_RANGE[out.dtype]!;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const s = scaleIndex(g, i);
    y[i] = quantizeValue(x[i]!, scale[s]!, zp ? zp[s]! : 0, range);
  }
  return [fromFloat64(out.dtype, out.shape, y)];
});

/** DequantizeLinear: y = (x - x_zero_point) * x_scale, the difference taken exactly, then one f32 product. */
registerReference(['DequantizeLinear'], (layer, inputs) => {
  const x = toFloat64(input(inputs[0], 'DequantizeLinear', 0));
  const scale = toFloat64(input(inputs[1], 'DequantizeLinear', 1));
  const zp = inputs[2] ? toFloat64(inputs[2]) : undefined;
  const g = quantGeometry(layer.ctx, layer.attrs);
  const out = layer.outputs[0]!;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const s = scaleIndex(g, i);
    y[i] = Math.fround(Math.fround(x[i]! - (zp ? zp[s]! : 0)) * scale[s]!);
  }
  return [fromFloat64(out.dtype, out.shape, y)];
});
