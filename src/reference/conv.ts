import { convGeometry, convTransposeGeometry } from '../ir/ops/index.js';
import { fromFloat64, sizeOf, stridesOf, toFloat64 } from '../ir/tensor.js';
import { registerReference } from './executor.js';
import { forEachIndex, windowTaps } from './window.js';

/**
 * Conv over any number of spatial dims: groups (depthwise included), strides, dilations,
 * pads and auto_pad (all resolved by convGeometry), optional bias.
 */
registerReference(['Conv'], (layer, [xt, wt, bt]) => {
  const g = convGeometry(layer.ctx, layer.attrs);
  const y = convSums(g, toFloat64(xt!), toFloat64(wt!), xt!.shape.slice(2), bt ? toFloat64(bt) : undefined);
  return [fromFloat64(layer.outputs[0]!.dtype, layer.outputs[0]!.shape, y)];
});

/**
 * ConvTranspose as its definition reads: every input element, times the kernel of its
 * (input channel, output channel) pair, is added into the output at i * stride + k * dilation -
 * pad_begin (positions the pads crop away are dropped). Weight [C, M / group, k...]; groups,
 * output_padding, output_shape and auto_pad are resolved by convTransposeGeometry.
 */
registerReference(['ConvTranspose'], (layer, [xt, wt, bt]) => {
  const g = convTransposeGeometry(layer.ctx, layer.attrs);
  const x = toFloat64(xt!);
  const w = toFloat64(wt!);
  const b = bt ? toFloat64(bt) : undefined;
  const inSpatial = xt!.shape.slice(2);
  const rank = inSpatial.length;
  const inSize = sizeOf(inSpatial);
  const outSize = sizeOf(g.outSpatial);
  const kSize = sizeOf(g.kernel);
  const outStrides = stridesOf(g.outSpatial);
  const cg = g.c / g.group; // input channels per group
  const mg = g.m / g.group; // output channels per group
  const y = new Float64Array(g.n * g.m * outSize);
  for (let n = 0; n < g.n; n++) {
    for (let m = 0; m < g.m; m++) y.fill(b ? b[m]! : 0, (n * g.m + m) * outSize, (n * g.m + m + 1) * outSize);
  }
  forEachIndex(inSpatial, (i, at) => {
    // Output offset of every kernel tap for this input position, or -1 where it is cropped.
    const targets: number[] = [];
    forEachIndex(g.kernel, (k) => {
      let o = 0;
      for (let d = 0; d < rank; d++) {
        const p = i[d]! * g.strides[d]! + k[d]! * g.dilations[d]! - g.pads[d]!;
        if (p < 0 || p >= g.outSpatial[d]!) return void targets.push(-1);
        o += p * outStrides[d]!;
      }
      targets.push(o);
    });
    for (let n = 0; n < g.n; n++) {
      for (let c = 0; c < g.c; c++) {
        const v = x[(n * g.c + c) * inSize + at]!;
        const group = Math.floor(c / cg);
        for (let mi = 0; mi < mg; mi++) {
          const yBase = (n * g.m + group * mg + mi) * outSize;
          const wBase = (c * mg + mi) * kSize;
          targets.forEach((o, k) => {
            if (o >= 0) y[yBase + o] = y[yBase + o]! + v * w[wBase + k]!;
          });
        }
      }
    }
  });
  return [fromFloat64(layer.outputs[0]!.dtype, layer.outputs[0]!.shape, y)];
});

/**
 * Σ x·w (+ b[m]) for every output element [n, m, spatial...] of a convolution, in float64 (exact
 * for int8 values, see int8-conv.ts).
 */
export function convSums(g: ReturnType<typeof convGeometry>, x: Float64Array, w: Float64Array, inSpatial: readonly number[], b?: Float64Array): Float64Array {
  const inSize = sizeOf(inSpatial);
  const outSize = sizeOf(g.outSpatial);
  const kSize = sizeOf(g.kernel);
  const cg = g.c / g.group; // input channels per group
  const mg = g.m / g.group; // output channels per group
  const y = new Float64Array(g.n * g.m * outSize);
  forEachIndex(g.outSpatial, (out, o) => {
    const taps = windowTaps(g, inSpatial, out).filter((t) => t.offset >= 0);
    for (let n = 0; n < g.n; n++) {
      for (let m = 0; m < g.m; m++) {
        const group = Math.floor(m / mg);
        let acc = b ? b[m]! : 0;
        for (let ci = 0; ci < cg; ci++) {
          const xBase = (n * g.c + group * cg + ci) * inSize;
          const wBase = (m * cg + ci) * kSize;
          for (const t of taps) acc += x[xBase + t.offset]! * w[wBase + t.kernel]!;
        }
        y[(n * g.m + m) * outSize + o] = acc;
      }
    }
  });
  return y;
}
