import { convGeometry } from '../ir/ops/index.js';
import { QUANT_RANGE } from '../ir/ops/quantize.js';
import { fromFloat64, sizeOf, toFloat64 } from '../ir/tensor.js';
import { registerReference } from './executor.js';
import { quantizeValue } from './quantize.js';
import { convSums } from './conv.js';

/**
 * Int8Conv (src/ir/ops/int8.ts): the int8 sums are exact (integers far below 2^53 in float64),
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

  const sums = convSums(g, x, w, xt!.shape.slice(2));
  const perChannel = sizeOf(g.outSpatial);
  const y = sums.map((acc, i) => {
    const m = Math.floor(i / perChannel) % g.m;
    let v = acc * xScale * wScale[m]! + (bias ? bias[m]! : 0) + (residual ? residual[i]! : 0);
    if (relu) v = Math.max(v, 0);
    const f = Math.fround(v);
    return yScale === undefined ? f : quantizeValue(f, yScale, 0, range);
  });
  return [fromFloat64(yType.dtype, yType.shape, y)];
});
