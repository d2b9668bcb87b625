import { isFloat } from '../../ir/dtype.js';
import { axis } from '../../ir/ops/index.js';
import { ARG_OPS, axisView, type AxisView } from '../../ir/ops/index-ops.js';
import { sizeOf } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic } from '../types.js';

/** The input of an index layer (ArgMax, ArgMin, TopK) as [outer, dim, inner] around its axis. */
export function indexView(layer: LayerInfo): AxisView {
  const shape = layer.inputs[0]!.shape;
  return axisView(shape, axis(layer.ctx, layer.attrs.int('axis'), shape.length));
}

/** ArgMax / ArgMin: LANES threads per output, (order key, index) pairs reduced in a tree. */
export const ARGMAX: Tactic = {
  id: 'reduce.argmax',
  ops: ARG_OPS,
  kernel: 'reduce/argmax.wgsl',
  // lanes: threads per output element (0 = chosen from the axis length).
  space: [{ wg: 256, lanes: 0 }, { wg: 256, lanes: 1 }, { wg: 256, lanes: 32 }, { wg: 256, lanes: 256 }],
  supports(layer) {
    const x = layer.inputs[0];
    return !!x && x.dtype !== 'bool' && sizeOf(x.shape) > 0;
  },
  plan(layer, p) {
    const v = indexView(layer);
    const wg = p['wg'] ?? 256;
    let lanes = p['lanes'] ?? 0;
    if (lanes === 0) lanes = Math.min(wg, 2 ** Math.floor(Math.log2(Math.max(1, v.dim / 8))));
    const outputs = v.outer * v.inner;
    return [
      {
        kernel: this.kernel,
        constants: {
          WG: wg,
          LANES: lanes,
          INT: isFloat(layer.inputs[0]!.dtype) ? 0 : 1,
          MIN: layer.node.op === 'ArgMin' ? 1 : 0,
          LAST: layer.attrs.int('select_last_index') === 1 ? 1 : 0,
        },
        meta: new Meta().u32(outputs, v.dim, v.inner).done(),
        dispatch: grid(Math.ceil(outputs / (wg / lanes))),
        bindings: [{ input: 0 }, { output: 0 }],
      },
    ];
  },
};

registerTactic(ARGMAX);
