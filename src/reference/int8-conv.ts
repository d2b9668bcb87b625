import { convGeometry } from '../ir/ops/index.js';
import { QUANT_RANGE } from '../ir/ops/quantize.js';
import { fromFloat64, sizeOf, toFloat64 } from '../ir/tensor.js';
import { registerReference } from './executor.js';
import { quantizeValue } from './quantize.js';
import { convSums } from './conv.js';

/**
 * Int8Conv (src/ir/ops/int8.ts), zero points included: the int8 sums are exact (integers far below 2^53 in float64),
 * the epilogue acc * x_scale * w_scale[m] + bias[m] + residual[i] and the activation are taken in float64 and
 * rounded to f32 once; with y_scale that f32 value is quantized as QuantizeLinear does.
 */
registerReference(['Int8Conv'], (layer, inputs) => {
  const g = convGeometry(layer.ctx, layer.attrs);
  const [xt, wt, bt, xst, wst, yst, rt] = inputs; // see INT8_CONV_INPUTS
  const x = toFloat64(xt!);
  const w = toFloat64(wt!);
  const bias = bt ? toFloat64(bt) : undefined;
  const xScale = toFloat64(xst!)[0]!;
  const wScale = toFloat64(wst!);
  const yScale = yst ? toFloat64(yst)[0]! : undefined;
  const residual = rt ? toFloat64(rt) : undefined;
  const relu = layer.attrs.string('activation') === 'Relu';
  const yType = layer.outputs[0]!;
  const range = QUANT_RANGE.i8!;

  // Padded taps count x = x_zero_point: the sums of (x - zx) padded with 0, plus zx * Σ w[m].
  const zx = layer.attrs.int('x_zero_point');
  const zy = layer.attrs.int('y_zero_point');
  const sums = convSums(g, zx ? x.map((v) => v - zx) : x, w, xt!.shape.slice(2));
  const perM = w.length / g.m;
  const wSum = Array.from({ length: g.m }, (_, m) => w.subarray(m * perM, (m + 1) * perM).reduce((s, v) => s + v, 0));
  const perChannel = sizeOf(g.outSpatial);
  const y = sums.map((acc, i) => {
    const m = Math.floor(i / perChannel) % g.m;
    let v = (acc + zx * wSum[m]!) * xScale * wScale[m]! + (bias ? bias[m]! : 0) + (residual ? residual[i]! : 0);
    if (relu) v = Math.max(v, 0);
    const f = Math.fround(v);
    return yScale === undefined ? f : quantizeValue(f, yScale, zy, range);
  });
  return [fromFloat64(yType.dtype, yType.shape, y)];
});
