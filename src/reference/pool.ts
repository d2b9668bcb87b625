import { poolGeometry } from '../ir/ops/index.js';
import { fromFloat64, sizeOf, toFloat64, type Tensor } from '../ir/tensor.js';
import type { LayerInfo } from '../ir/layer.js';
import { registerReference } from './executor.js';
import { columnMajorOffset, forEachIndex, windowTaps } from './window.js';

/**
 * MaxPool and AveragePool. Padded positions never win a max; an average divides by the
 * positions inside the input, or with count_include_pad=1 by those inside the padded input.
 * MaxPool's optional Indices output holds each max's flat position in x, over N and C too:
 * (n * C + c) * spatial size + the spatial offset, row major, or with storage_order=1 column
 * major (first spatial dim fastest). Ties go to the first position in window order.
 */
function windowPool(layer: LayerInfo, xt: Tensor): Tensor[] {
  const g = poolGeometry(layer.ctx, layer.attrs);
  const isMax = layer.node.op === 'MaxPool';
  const includePad = !isMax && layer.attrs.int('count_include_pad') === 1;
  const x = toFloat64(xt);
  const [n, c] = xt.shape as [number, number];
  const inSpatial = xt.shape.slice(2);
  const inSize = sizeOf(inSpatial);
  const outSize = sizeOf(g.outSpatial);
  const y = new Float64Array(n * c * outSize);
  const columnMajor = isMax && layer.attrs.int('storage_order') === 1;
  const indices = new Float64Array(n * c * outSize);
  forEachIndex(g.outSpatial, (out, o) => {
    const taps = windowTaps(g, inSpatial, out);
    const inside = taps.filter((t) => t.offset >= 0);
    const count = includePad ? taps.filter((t) => t.inPadded).length : inside.length;
    for (let nc = 0; nc < n * c; nc++) {
      let acc = isMax ? -Infinity : 0;
      let at = -1;
      for (const t of inside) {
        const v = x[nc * inSize + t.offset]!;
        if (isMax && (at < 0 || v > acc)) at = t.offset;
        acc = isMax ? Math.max(acc, v) : acc + v;
      }
      y[nc * outSize + o] = isMax ? acc : acc / count;
      // (A window wholly in the padding, possible only with dilations, has no max: index -1.)
      if (isMax) indices[nc * outSize + o] = at < 0 ? -1 : nc * inSize + (columnMajor ? columnMajorOffset(at, inSpatial) : at);
    }
  });
  const outs = [fromFloat64(layer.outputs[0]!.dtype, layer.outputs[0]!.shape, y)];
  if (isMax && layer.outputs.length > 1) outs.push(fromFloat64('i64', outs[0]!.shape, indices));
  return outs;
}

registerReference(['MaxPool', 'AveragePool'], (layer, [x]) => windowPool(layer, x!));

/** GlobalAveragePool / GlobalMaxPool: one value per (n, c) over all spatial positions. */
registerReference(['GlobalAveragePool', 'GlobalMaxPool'], (layer, [xt]) => {
  const isMax = layer.node.op === 'GlobalMaxPool';
  const x = toFloat64(xt!);
  const rows = xt!.shape[0]! * xt!.shape[1]!;
  const size = sizeOf(xt!.shape.slice(2));
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let acc = isMax ? -Infinity : 0;
    for (let i = 0; i < size; i++) {
      const v = x[r * size + i]!;
      acc = isMax ? Math.max(acc, v) : acc + v;
    }
    y[r] = isMax ? acc : acc / size;
  }
  return [fromFloat64(layer.outputs[0]!.dtype, layer.outputs[0]!.shape, y)];
});
