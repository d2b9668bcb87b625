import { isFloat } from '../../ir/dtype.js';
import { resizeParams } from '../../ir/ops/index.js';
import { NEAREST_MODES, RESIZE_MODES, resizeRoi } from '../../ir/ops/resize.js';
import { sizeOf, stridesOf } from '../../ir/tensor.js';
import { filterHalfWidth } from '../../reference/resize.js';
import { Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic } from '../types.js';
import { elementGrid, MAX_RANK, padFront, WG } from './strides.js';

/**
 * The input coordinate of output coordinate o on one axis is a * o + b for every ONNX
 * coordinate_transformation_mode (the formulas of src/reference/resize.ts, expanded).
 */
export function resizeAffine(mode: string, ax: { inLen: number; outLen: number; scale: number; roi?: readonly [number, number] }): { a: number; b: number } {
  const { inLen, outLen, scale } = ax;
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
    case 'tf_crop_and_resize': {
      const [start, end] = ax.roi ?? [0, 1];
      const length = scale * inLen;
      const b = start * (inLen - 1);
      return length === 1 ? { a: 0, b: ((end - start) * (inLen - 1)) / 2 + b } : { a: ((end - start) * (inLen - 1)) / (length - 1), b };
    }
    default: // asymmetric
      return { a: 1 / scale, b: 0 };
  }
}

function resizeMeta(layer: LayerInfo): number[] {
  const x = layer.inputs[0]!;
  const a = layer.attrs;
  const { outShape, scales } = resizeParams(layer.ctx, a);
  const roi = resizeRoi(layer.ctx, a);
  const ctm = a.string('coordinate_transformation_mode');
  const axes = x.shape.map((d, k) => ({ inLen: d, outLen: outShape[k]!, scale: scales[k]!, roi: roi?.[k] }));
  const maps = axes.map((ax) => resizeAffine(ctm, ax));
  // Axes whose map is o -> o need no interpolation (nor a crop check: o is inside).
  const lead = MAX_RANK - x.shape.length;
  const identity = (k: number) => axes[k]!.inLen === axes[k]!.outLen && maps[k]!.b === 0 && (maps[k]!.a === 1 || axes[k]!.inLen === 1);
  const mask = axes.reduce((m, _, k) => (identity(k) ? m : m | (1 << (k + lead))), 0);
  // Linear and cubic: per axis the antialias scale and the half-width of the footprint.
  const mode = a.string('mode') === 'cubic' ? 'cubic' : 'linear';
  const antialias = a.int('antialias') === 1;
  const extrapolation = a.float('extrapolation_value');
  const meta = new Meta()
    .u32(sizeOf(outShape))
    .u32(...padFront(outShape, 1))
    .u32(...padFront(x.shape, 1))
    .u32(...padFront(stridesOf(x.shape), 0))
    .f32(...padFront(maps.map((m) => m.a), 0))
    .f32(...padFront(maps.map((m) => m.b), 0))
    .u32(mask)
    .f32(...padFront(axes.map((ax) => (antialias ? Math.min(ax.scale, 1) : 1)), 1))
    .u32(...padFront(axes.map((ax) => filterHalfWidth(mode, ax.scale, antialias)), 1))
    .f32(a.float('cubic_coeff_a'));
  // The fill word of tf_crop_and_resize, in the tensor's GPU form (f32, or i32 for integers).
  return (isFloat(x.dtype) ? meta.f32(extrapolation) : meta.i32(Math.trunc(extrapolation))).done();
}

/**
 * Resize up to 6-D: nearest (any dtype: words are copied), linear and cubic (float tensors),
 * with antialias, exclude_outside and tf_crop_and_resize.
 */
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
    const a = layer.attrs;
    const constants = {
      WG: wg,
      MODE: (RESIZE_MODES as readonly string[]).indexOf(a.string('mode')),
      NEAREST: (NEAREST_MODES as readonly string[]).indexOf(a.string('nearest_mode')),
      EXCLUDE: a.int('exclude_outside'),
      ANTIALIAS: a.int('antialias'),
      CROP: a.string('coordinate_transformation_mode') === 'tf_crop_and_resize' ? 1 : 0,
    };
    return [{ kernel: this.kernel, constants, meta: resizeMeta(layer), dispatch: elementGrid(out, wg), bindings: [{ input: 0 }, { output: 0 }] }];
  },
};

registerTactic(RESIZE);
