import { isFloat, type DType } from '../../ir/dtype.js';
import { sizeOf } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { Tactic } from '../types.js';

/** DST codes of kernels/pointwise/cast.wgsl, by the dtype the output words stand for. */
const DST: Readonly<Record<DType, number>> = { f32: 0, f16: 1, i32: 2, i64: 2, bool: 3, i8: 4, u8: 5 };

const WG = 256;

export const CAST: Tactic = {
  id: 'pointwise.cast',
  ops: ['Cast'],
  kernel: 'pointwise/cast.wgsl',
  space: [{ wg: WG }],
  supports: (layer) => !!layer.inputs[0],
  plan(layer, p) {
    const from = layer.inputs[0]!.dtype;
    const to = layer.outputs[0]!.dtype;
    const n = sizeOf(layer.outputs[0]!.shape);
    const wg = p['wg'] ?? WG;
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg, SRC: isFloat(from) ? 0 : 1, DST: DST[to] },
        meta: new Meta().u32(n).done(),
        dispatch: grid(Math.ceil(n / wg)),
        bindings: [{ input: 0 }, { output: 0 }],
      },
    ];
  },
};

registerTactic(CAST);
