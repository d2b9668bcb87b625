import { axis } from '../../ir/ops/index.js';
import { sizeOf } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { Tactic } from '../types.js';

export const SOFTMAX: Tactic = {
  id: 'softmax.rows',
  ops: ['Softmax', 'LogSoftmax'],
  kernel: 'softmax/softmax.wgsl',
  space: [{ wg: 256 }, { wg: 64 }, { wg: 32 }],
  supports(layer) {
    const x = layer.inputs[0];
    return !!x && x.dtype === 'f32' && sizeOf(x.shape) > 0;
  },
  plan(layer, p) {
    const shape = layer.inputs[0]!.shape;
    const ax = axis(layer.ctx, layer.attrs.int('axis'), shape.length);
    const len = shape[ax]!;
    const inner = sizeOf(shape.slice(ax + 1));
    const rows = sizeOf(shape) / len;
    const wg = p['wg'] ?? 256;
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg, LOG: layer.node.op === 'LogSoftmax' ? 1 : 0 },
        meta: new Meta().u32(rows, len, inner).f32(-Infinity).done(),
        dispatch: grid(rows),
        bindings: [{ input: 0 }, { output: 0 }],
      },
    ];
  },
};

/** The same rows with subgroup reductions (kernels/softmax/softmax-subgroup.wgsl), where the device has subgroups. */
export const SOFTMAX_SUBGROUP: Tactic = {
  ...SOFTMAX,
  id: 'softmax.subgroup',
  kernel: 'softmax/softmax-subgroup.wgsl',
  features: ['subgroups'],
  space: [{ wg: 256 }, { wg: 64 }, { wg: 32 }],
};

registerTactic(SOFTMAX, SOFTMAX_SUBGROUP);
