import { isFloat } from '../../ir/dtype.js';
import { isPacked, physicalType } from '../../ir/layout.js';
import { poolGeometry } from '../../ir/ops/index.js';
import { sizeOf } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic } from '../types.js';
import { spatialFloat, windowMeta } from './conv.js';

/** KIND override of kernels/pool/window.wgsl and kernels/pool/global.wgsl. */
const KIND: Readonly<Record<string, number>> = { MaxPool: 0, AveragePool: 1, GlobalMaxPool: 0, GlobalAveragePool: 1 };

const WG = 256;

/** Whether a MaxPool node lists its optional Indices output. */
const wantsIndices = (layer: LayerInfo): boolean => layer.outputs[1] !== undefined;

/** C, then x's strides of n, c and a spatial position (kernels/pool/window.wgsl, window-int.wgsl). */
function windowStrides(layer: LayerInfo): number[] {
  const x = layer.inputs[0]!.shape;
  const [c, plane] = [x[1]!, sizeOf(x.slice(2))];
  return layer.layouts.inputs[0] === 'nhwc' ? [c, c * plane, 1, c] : [c, c * plane, plane, 1];
}

const yNhwc = (layer: LayerInfo): number => (layer.layouts.outputs[0] === 'nhwc' ? 1 : 0);

export const POOL_WINDOW: Tactic = {
  id: 'pool.window',
  ops: ['MaxPool', 'AveragePool'],
  kernel: 'pool/window.wgsl',
  layouts: true, // 2 spatial dims: x and y each row-major or channel-last
  space: [{ wg: WG }, { wg: 64 }],
  supports: (layer) => spatialFloat(layer) && !wantsIndices(layer),
  plan(layer, p) {
    const g = poolGeometry(layer.ctx, layer.attrs);
    const total = sizeOf(layer.outputs[0]!.shape);
    const includePad = layer.node.op === 'AveragePool' && layer.attrs.int('count_include_pad') === 1;
    const wg = p['wg'] ?? WG;
    const meta = new Meta().u32(total, ...windowStrides(layer), 0, 0, includePad ? 1 : 0);
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg, KIND: KIND[layer.node.op]!, Y_NHWC: yNhwc(layer) },
        meta: windowMeta(meta, layer.inputs[0]!.shape.slice(2), g).done(),
        dispatch: grid(Math.ceil(total / wg)),
        bindings: [{ input: 0 }, { output: 0 }],
      },
    ];
  },
};

/** A MaxPool on integer words: u8, i8, i32 or i64 N x C x spatial with 1 to 3 spatial dims. */
function spatialInt(layer: LayerInfo): boolean {
  const x = layer.inputs[0];
  return x !== undefined && ['u8', 'i8', 'i32', 'i64'].includes(x.dtype) && x.shape.length >= 3 && x.shape.length <= 5;
}

/**
 * MaxPool on i32 words (kernels/pool/window-int.wgsl): the same meta as pool.window, except that
 * an 8-bit channel-last x or y is packed 4 channels to a word (src/ir/layout.ts): x's strides then
 * count words, and y's threads are its words.
 */
export const POOL_WINDOW_INT: Tactic = {
  id: 'pool.window-int',
  ops: ['MaxPool'],
  kernel: 'pool/window-int.wgsl',
  layouts: true, // as pool.window
  space: [{ wg: WG }, { wg: 64 }],
  supports: (layer) => spatialInt(layer) && !wantsIndices(layer),
  plan(layer, p) {
    const g = poolGeometry(layer.ctx, layer.attrs);
    const [x, y] = [layer.inputs[0]!, layer.outputs[0]!];
    const [xPacked, yPacked] = [isPacked(x, layer.layouts.inputs[0]!), isPacked(y, layer.layouts.outputs[0]!)];
    const total = sizeOf(physicalType(y, layer.layouts.outputs[0]!).shape);
    const wg = p['wg'] ?? WG;
    const c4 = Math.ceil(x.shape[1]! / 4);
    const strides = xPacked ? [x.shape[1]!, c4 * sizeOf(x.shape.slice(2)), 0, c4] : windowStrides(layer);
    const meta = new Meta().u32(total, ...strides, 0, 0, 0);
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg, Y_NHWC: yNhwc(layer), X_PACKED: xPacked ? 1 : 0, Y_PACKED: yPacked ? 1 : 0, SIGNED: x.dtype === 'u8' ? 0 : 1 },
        meta: windowMeta(meta, layer.inputs[0]!.shape.slice(2), g).done(),
        dispatch: grid(Math.ceil(total / wg)),
        bindings: [{ input: 0 }, { output: 0 }],
      },
    ];
  },
};

/** MaxPool with its Indices output (storage_order 0 or 1): one thread per output element. */
export const POOL_MAX_INDICES: Tactic = {
  id: 'pool.max_indices',
  ops: ['MaxPool'],
  kernel: 'pool/max-indices.wgsl',
  space: [{ wg: WG }, { wg: 64 }],
  supports: (layer) => spatialFloat(layer) && wantsIndices(layer),
  plan(layer, p) {
    const g = poolGeometry(layer.ctx, layer.attrs);
    const total = sizeOf(layer.outputs[0]!.shape);
    const wg = p['wg'] ?? WG;
    const meta = new Meta().u32(total, layer.attrs.int('storage_order'), 0, 0, 0, 0, 0, 0);
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg },
        meta: windowMeta(meta, layer.inputs[0]!.shape.slice(2), g).done(),
        dispatch: grid(Math.ceil(total / wg)),
        bindings: [{ input: 0 }, { output: 0 }, { output: 1 }],
      },
    ];
  },
};

/** One workgroup per (n, c); `wg` must be a power of two (the kernel's tree reduction). */
export const POOL_GLOBAL: Tactic = {
  id: 'pool.global',
  ops: ['GlobalMaxPool', 'GlobalAveragePool'],
  kernel: 'pool/global.wgsl',
  space: [{ wg: 64 }, { wg: 256 }],
  layouts: true, // x row-major or channel-last; y (N x C x 1 x 1) is the same in both
  supports(layer) {
    const x = layer.inputs[0];
    // Any number of spatial dims, row-major; 2 channel-last.
    return x !== undefined && isFloat(x.dtype) && x.shape.length >= 3 && layer.layouts.outputs[0] === 'nchw' &&
      (layer.layouts.inputs[0] === 'nchw' || x.shape.length === 4);
  },
  plan(layer, p) {
    const x = layer.inputs[0]!;
    const [n, c] = [x.shape[0]!, x.shape[1]!];
    const s = sizeOf(x.shape.slice(2));
    const strides = layer.layouts.inputs[0] === 'nhwc' ? [s * c, 1, c] : [c * s, s, 1];
    const wg = p['wg'] ?? 64;
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg, KIND: KIND[layer.node.op]! },
        meta: new Meta().u32(n * c, s, c, ...strides).done(),
        dispatch: grid(n * c),
        bindings: [{ input: 0 }, { output: 0 }],
      },
    ];
  },
};

registerTactic(POOL_WINDOW, POOL_WINDOW_INT, POOL_MAX_INDICES, POOL_GLOBAL);
