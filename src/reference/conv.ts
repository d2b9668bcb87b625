import { convGeometry } from '../ir/ops/index.js';
import { fromFloat64, sizeOf, toFloat64 } from '../ir/tensor.js';
import { registerReference } from './executor.js';
import { forEachIndex, windowTaps } from './window.js';

/**
 * Conv over any number of spatial dims: groups (depthwise included), strides, dilations,
 * pads and auto_pad (all resolved by convGeometry), optional bias.
 */
registerReference(['Conv'], (layer, [xt, wt, bt]) => {
  const g = convGeometry(layer.ctx, layer.attrs);
  const x = toFloat64(xt!);
  const w = toFloat64(wt!);
  const b = bt ? toFloat64(bt) : undefined;
  const inSpatial = xt!.shape.slice(2);
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
  return [fromFloat64(layer.outputs[0]!.dtype, layer.outputs[0]!.shape, y)];
});
