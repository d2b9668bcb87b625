import { isFloat } from '../../ir/dtype.js';
import { resizeParams } from '../../ir/ops/index.js';
import { NEAREST_MODES } from '../../ir/ops/resize.js';
import { sizeOf, stridesOf } from '../../ir/tensor.js';
import { Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic } from '../types.js';
import { elementGrid, MAX_RANK, padFront, WG } from './strides.js';

/**
 * The input coordinate of output coordinate o on one axis is a * o + b for every ONNX
 * coordinate_transformation_mode (the formulas of src/reference/resize.ts, expanded).
 */
export function resizeAffine(mode: string, inLen: number, outLen: number, scale: number): { a: number; b: number } {
  switch (mode) {
    case 'half_pixel':
      return { a: 1 / scale, b: 0.5 / scale - 0.5 };
    case 'half_pixel_symmetric': {
      const offset = (inLen / 2) * (1 - outLen / (scale * inLen));
      return { a: 1 / scale, b: offset + 0.5 / scale - 0.5 };
    }
    case 'pytorch_half_pixel':
      return outLen > 1 ? { a: 1 / scale, b: 0.5 / scale - 0.5 } : { a: 0, b: 0 };
    case 'align_corners': {
      const length = scale * inLen;
      return length === 1 ? { a: 0, b: 0 } : { a: (inLen - 1) / (length - 1), b: 0 };
    }
    default: // asymmetric
      return { a: 1 / scale, b: 0 };
  }
}

function resizeMeta(layer: LayerInfo): number[] {
  const x = layer.inputs[0]!.shape;
  const { outShape, scales } = resizeParams(layer.ctx, layer.attrs);
  const ctm = layer.attrs.string('coordinate_transformation_mode');
  const maps = x.map((d, k) => resizeAffine(ctm, d, outShape[k]!, scales[k]!));
  // Axes that keep their length at scale 1 map o to o in every mode: no interpolation there.
  const lead = MAX_RANK - x.length;
  const mask = x.reduce((m, d, k) => (d === outShape[k] && scales[k] === 1 ? m : m | (1 << (k + lead))), 0);
  return new Meta()
    .u32(sizeOf(outShape))
    .u32(...padFront(outShape, 1))
    .u32(...padFront(x, 1))
    .u32(...padFront(stridesOf(x), 0))
    .f32(...padFront(maps.map((m) => m.a), 0))
    .f32(...padFront(maps.map((m) => m.b), 0))
    .u32(mask)
    .done();
}

/** Nearest (any dtype: words are copied) and linear (float tensors) Resize, up to 6-D. */
export const RESIZE: Tactic = {
  id: 'resize.nd',
  ops: ['Resize'],
  kernel: 'resize/resize.wgsl',
  space: [{ wg: WG }],
  supports(layer) {
    const x = layer.inputs[0];
    if (!x || x.shape.length > MAX_RANK) return false;
    return layer.attrs.string('mode') === 'nearest' || isFloat(x.dtype);
  },
  plan(layer, p) {
    const wg = p['wg'] ?? WG;
    const out = layer.outputs[0]!.shape;
    const constants = {
      WG: wg,
      MODE: layer.attrs.string('mode') === 'linear' ? 1 : 0,
      NEAREST: (NEAREST_MODES as readonly string[]).indexOf(layer.attrs.string('nearest_mode')),
    };
    return [{ kernel: this.kernel, constants, meta: resizeMeta(layer), dispatch: elementGrid(out, wg), bindings: [{ input: 0 }, { output: 0 }] }];
  },
};

registerTactic(RESIZE);
