import { isFloat } from '../../ir/dtype.js';
import { QUANT_RANGE, quantGeometry } from '../../ir/ops/quantize.js';
import { sizeOf } from '../../ir/tensor.js';
import { Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { KernelPlan, LayerInfo, Tactic } from '../types.js';
import { elementGrid, WG } from './strides.js';

/** The meta both kernels share: n, then x as [outer, dim, inner] and the scale strides (see quantGeometry). */
function geometryMeta(layer: LayerInfo): Meta {
  const g = quantGeometry(layer.ctx, layer.attrs);
  return new Meta().u32(sizeOf(layer.inputs[0]!.shape), g.dim, g.inner, g.block, ...g.strides);
}

function plan(layer: LayerInfo, kernel: string, wg: number, meta: Meta): KernelPlan[] {
  const hasZp = !!layer.inputs[2];
  return [
    {
      kernel,
      constants: { WG: wg, HAS_ZP: hasZp ? 1 : 0 },
      meta: meta.done(),
      dispatch: elementGrid(layer.outputs[0]!.shape, wg),
      // Without a zero point input 1 fills its slot too (see the kernels' HAS_ZP note).
      bindings: [{ input: 0 }, { input: 1 }, { input: hasZp ? 2 : 1 }, { output: 0 }],
    },
  ];
}

const present = (layer: LayerInfo) => !!layer.inputs[0] && !!layer.inputs[1] && sizeOf(layer.inputs[0].shape) > 0;

/**
 * Row-major, or any layout with a per-tensor scale and zero point and y laid out as x: element
 * by element, the same words in the same order (an INT8 network's channel-last activations,
 * src/passes/choose-layout.ts).
 */
const laidOut = (layer: LayerInfo): boolean => {
  const { inputs, outputs } = layer.layouts;
  if ([...inputs, ...outputs].every((l) => l === 'nchw')) return true;
  return inputs[0] === outputs[0] && inputs.slice(1).every((l) => l === 'nchw') && layer.inputs.slice(1).every((t) => !t || sizeOf(t.shape) === 1);
};

/** QuantizeLinear to u8 / i8: one thread per element, f32 quotient rounded half to even. */
export const QUANTIZE: Tactic = {
  id: 'quantize.linear',
  ops: ['QuantizeLinear'],
  kernel: 'quantize/quantize.wgsl',
  layouts: true,
  space: [{ wg: WG }],
  supports: (layer) => present(layer) && laidOut(layer) && QUANT_RANGE[layer.outputs[0]!.dtype] !== undefined,
  plan(layer, p) {
    const [lo, hi] = QUANT_RANGE[layer.outputs[0]!.dtype]!;
    return plan(layer, this.kernel, p['wg'] ?? WG, geometryMeta(layer).i32(lo, hi));
  },
};

/** DequantizeLinear from u8 / i8 / i32 to f32: one thread per element. */
export const DEQUANTIZE: Tactic = {
  id: 'dequantize.linear',
  ops: ['DequantizeLinear'],
  kernel: 'quantize/dequantize.wgsl',
  layouts: true,
  space: [{ wg: WG }],
  // An f16 output would need rounding to half in the kernel; the reference executor runs it.
  supports: (layer) => present(layer) && laidOut(layer) && layer.outputs[0]!.dtype === 'f32' && isFloat(layer.inputs[1]!.dtype),
  plan(layer, p) {
    return plan(layer, this.kernel, p['wg'] ?? WG, geometryMeta(layer));
  },
};

registerTactic(QUANTIZE, DEQUANTIZE);
