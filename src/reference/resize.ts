import { UnsupportedError } from '../errors.js';
import { resizeParams } from '../ir/ops/index.js';
import { fromFloat64, sizeOf, stridesOf, toFloat64, type Tensor } from '../ir/tensor.js';
import { forEachIndex, mapElements } from './elements.js';
import { registerReference } from './executor.js';

/**
 * Resize, N-D: mode 'nearest' (every nearest_mode) and 'linear' (multilinear over every axis),
 * with the coordinate transformations of the ONNX spec. Where the spec's text and its reference
 * implementation differ we follow the implementation (the source of the published test outputs):
 * align_corners divides by `scale * length_original - 1`, the possibly fractional output length
 * (ONNX test resize_downsample_scales_linear_align_corners gives 3.142857).
 * Linear interpolation reads neighbours outside the input at the nearest edge. Nearest mode
 * snaps coordinates that are within float noise of a rounding boundary (see snapCoordinate).
 */

export interface ResizeAxis {
  readonly inLen: number;
  readonly outLen: number;
  readonly scale: number;
}

/** The input coordinate (fractional) that output coordinate `o` maps to on one axis. */
export function originalCoordinate(mode: string, o: number, ax: ResizeAxis): number {
  const { inLen, outLen, scale } = ax;
  switch (mode) {
    case 'half_pixel':
      return (o + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const adjustment = outLen / (scale * inLen);
      const offset = (inLen / 2) * (1 - adjustment);
      return offset + (o + 0.5) / scale - 0.5;
    }
    case 'pytorch_half_pixel':
      return outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners': {
      const length = scale * inLen;
      return length === 1 ? 0 : (o * (inLen - 1)) / (length - 1);
    }
    case 'asymmetric':
      return o / scale;
    default:
      throw new UnsupportedError(`Resize: coordinate_transformation_mode '${mode}' is not supported`);
  }
}

/**
 * A coordinate within 1e-5 (relative, at most 0.01) of a multiple of 0.5 is taken as that
 * multiple before nearest rounding. Scales reach us as float32 (0.6 is 0.6000000238...), and
 * the formulas add float noise, so without this a coordinate meant to be exactly 2 can floor
 * to 1; the snap also makes the float32 GPU kernel and this float64 reference agree.
 */
export function snapCoordinate(x: number): number {
  const k = Math.round(x * 2) / 2;
  return Math.abs(x - k) <= Math.min(0.01, 1e-5 * Math.max(1, Math.abs(x))) ? k : x;
}

/** The input index nearest_mode picks for coordinate x, clamped into [0, inLen). */
export function nearestIndex(mode: string, xRaw: number, inLen: number): number {
  const x = snapCoordinate(xRaw);
  let i: number;
  switch (mode) {
    case 'round_prefer_floor': i = x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x); break;
    case 'round_prefer_ceil': i = Math.round(x); break; // Math.round sends .5 up
    case 'floor': i = Math.floor(x); break;
    case 'ceil': i = Math.ceil(x); break;
    default: throw new UnsupportedError(`Resize: nearest_mode '${mode}' is not supported`);
  }
  return Math.min(Math.max(i, 0), inLen - 1);
}

registerReference(['Resize'], (layer, inputs) => {
  const x = inputs[0];
  if (!x) throw new UnsupportedError(`node '${layer.node.name}' (Resize): input 0 is missing`);
  const a = layer.attrs;
  const { outShape, scales } = resizeParams(layer.ctx, a);
  const coordMode = a.string('coordinate_transformation_mode');
  const axes: ResizeAxis[] = x.shape.map((d, k) => ({ inLen: d, outLen: outShape[k]!, scale: scales[k]! }));
  const strides = stridesOf(x.shape);
  // Per axis, the input coordinate of every output position.
  const coords = axes.map((ax) => Array.from({ length: ax.outLen }, (_, o) => originalCoordinate(coordMode, o, ax)));

  if (a.string('mode') === 'nearest') {
    const nearest = a.string('nearest_mode');
    const index = coords.map((cs, k) => cs.map((c) => nearestIndex(nearest, c, axes[k]!.inLen)));
    return [mapElements(x, outShape, (c) => c.reduce((s, v, k) => s + index[k]![v]! * strides[k]!, 0))];
  }

  // Linear: each output is the weighted sum over the 2^rank corners around its coordinate.
  const xv = toFloat64(x);
  const r = x.shape.length;
  const out = new Float64Array(sizeOf(outShape));
  forEachIndex(outShape, (c, i) => {
    const lo: number[] = [];
    const frac: number[] = [];
    for (let k = 0; k < r; k++) {
      const p = coords[k]![c[k]!]!;
      lo.push(Math.floor(p));
      frac.push(p - Math.floor(p));
    }
    let sum = 0;
    for (let corner = 0; corner < 1 << r; corner++) {
      let w = 1;
      let s = 0;
      for (let k = 0; k < r; k++) {
        const up = (corner >> k) & 1;
        w *= up ? frac[k]! : 1 - frac[k]!;
        const at = Math.min(Math.max(lo[k]! + up, 0), axes[k]!.inLen - 1);
        s += at * strides[k]!;
      }
      if (w !== 0) sum += w * xv[s]!;
    }
    out[i] = sum;
  });
  return [fromFloat64(x.dtype, outShape, out)] as Tensor[];
});
