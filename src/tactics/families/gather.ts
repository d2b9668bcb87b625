import { axis } from '../../ir/ops/index.js';
import { sizeOf } from '../../ir/tensor.js';
import { Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { Tactic } from '../types.js';
import { elementGrid, WG } from './strides.js';

/** Gather along one axis, any data dtype (32-bit words moved as they are). */
export const GATHER: Tactic = {
  id: 'gather.axis',
  ops: ['Gather'],
  kernel: 'gather/gather.wgsl',
  space: [{ wg: WG }],
  supports: (layer) => !!layer.inputs[0] && !!layer.inputs[1],
  plan(layer, p) {
    const wg = p['wg'] ?? WG;
    const x = layer.inputs[0]!.shape;
    const k = axis(layer.ctx, layer.attrs.int('axis'), x.length);
    const out = layer.outputs[0]!.shape;
    const meta = new Meta().u32(sizeOf(out), x[k]!, sizeOf(layer.inputs[1]!.shape), sizeOf(x.slice(k + 1))).done();
    return [{ kernel: this.kernel, constants: { WG: wg }, meta, dispatch: elementGrid(out, wg), bindings: [{ input: 0 }, { input: 1 }, { output: 0 }] }];
  },
};

registerTactic(GATHER);
