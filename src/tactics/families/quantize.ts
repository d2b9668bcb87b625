import { isFloat } from '../../ir/dtype.js';
import { isPacked, layoutStrides } from '../../ir/layout.js';
import { QUANT_RANGE, quantGeometry } from '../../ir/ops/quantize.js';
import { sizeOf } from '../../ir/tensor.js';
import { Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { KernelPlan, LayerInfo, Tactic } from '../types.js';
import { elementGrid, WG } from './strides.js';

/**
 * Whether one side of a Q/DQ is stored packed (src/ir/layout.ts: an 8-bit channel-last tensor, 4
 * channels a word): y of a QuantizeLinear, x of a DequantizeLinear. The kernels then run one
 * thread per packed word.
 */
const packed = (layer: LayerInfo): boolean =>
  isPacked(layer.outputs[0]!, layer.layouts.outputs[0]!) || isPacked(layer.inputs[0]!, layer.layouts.inputs[0]!);

/**
 * The meta both kernels share. Element by element: n, then x as [outer, dim, inner] and the scale
 * strides (see quantGeometry). Packed (a per-tensor scale): packed words, C, words per pixel,
 * pixels per image, then the other side's element strides of n, c and a pixel, in its layout.
 */
function geometryMeta(layer: LayerInfo): Meta {
  const x = layer.inputs[0]!;
  if (packed(layer)) {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const c4 = Math.ceil(c / 4);
    const other = isPacked(x, layer.layouts.inputs[0]!) ? layer.layouts.outputs[0]! : layer.layouts.inputs[0]!;
    const [sn, sc, , sp] = layoutStrides(x.shape, other);
    return new Meta().u32(n * h * w * c4, c, c4, h * w, sn, sc, sp);
  }
  const g = quantGeometry(layer.ctx, layer.attrs);
  return new Meta().u32(sizeOf(x.shape), g.dim, g.inner, g.block, ...g.strides);
}

function plan(layer: LayerInfo, kernel: string, wg: number, meta: Meta): KernelPlan[] {
  const hasZp = !!layer.inputs[2];
  const words = meta.words[0]!;
  // A packed i8 or u8 x (DequantizeLinear) is unpacked as its dtype says.
  const signed: Record<string, number> = layer.node.op === 'DequantizeLinear' ? { SIGNED: layer.inputs[0]!.dtype === 'u8' ? 0 : 1 } : {};
  return [
    {
      kernel,
      constants: { WG: wg, HAS_ZP: hasZp ? 1 : 0, PACKED: packed(layer) ? 1 : 0, ...signed },
      meta: meta.done(),
      dispatch: packed(layer) ? elementGrid([words], wg) : elementGrid(layer.outputs[0]!.shape, wg),
      // Without a zero point input 1 fills its slot too (see the kernels' HAS_ZP note).
      bindings: [{ input: 0 }, { input: 1 }, { input: hasZp ? 2 : 1 }, { output: 0 }],
    },
  ];
}

const present = (layer: LayerInfo) => !!layer.inputs[0] && !!layer.inputs[1] && sizeOf(layer.inputs[0].shape) > 0;

/**
 * Row-major, or with a per-tensor scale and zero point (an INT8 network's channel-last
 * activations, src/passes/choose-layout.ts): y laid out as x (element by element, the same
 * words in the same order), or one side packed and the other in either layout.
 */
const laidOut = (layer: LayerInfo): boolean => {
  const { inputs, outputs } = layer.layouts;
  if ([...inputs, ...outputs].every((l) => l === 'nchw')) return true;
  const perTensor = inputs.slice(1).every((l) => l === 'nchw') && layer.inputs.slice(1).every((t) => !t || sizeOf(t.shape) === 1);
  return perTensor && (inputs[0] === outputs[0] || packed(layer));
};

/** QuantizeLinear to u8 / i8: one thread per element (per packed word), f32 quotient rounded half to even. */
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

/** DequantizeLinear from u8 / i8 / i32 to f32: one thread per element (per packed word). */
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
