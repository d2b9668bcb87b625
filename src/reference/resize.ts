import { UnsupportedError } from '../errors.js';
import { resizeParams } from '../ir/ops/index.js';
import { resizeRoi } from '../ir/ops/resize.js';
import { fromFloat64, setNumber, sizeOf, stridesOf, toFloat64, type Tensor } from '../ir/tensor.js';
import { forEachIndex, mapElements } from './elements.js';
import { registerReference } from './executor.js';

/**
 * Resize, N-D, after ONNX's reference implementation (onnx/reference/ops/op_resize.py, opsets
 * 11..19): mode 'nearest' (every nearest_mode), 'linear' and 'cubic' (cubic_coeff_a,
 * exclude_outside), antialias for linear and cubic, and every coordinate_transformation_mode
 * including tf_crop_and_resize (roi, extrapolation_value). Where the spec's text and its
 * reference implementation differ we follow the implementation (the source of the published
 * test outputs): align_corners divides by `scale * length_original - 1`, the possibly fractional
 * output length (ONNX test resize_downsample_scales_linear_align_corners gives 3.142857).
 * Nearest mode snaps coordinates that are within float noise of a rounding boundary (see
 * snapCoordinate).
 *
 * Linear and cubic are separable filters: on each axis an output reads the taps around its
 * input coordinate x, weighted by a kernel of the distance (resizeTaps), and the N-D weight is
 * the product of the per-axis ones. Taps outside the input read the nearest edge value (ONNX pads
 * by edge). tf_crop_and_resize gives extrapolation_value to every output whose coordinate on
 * some axis lies outside [0, length - 1].
 */

export interface ResizeAxis {
  readonly inLen: number;
  readonly outLen: number;
  readonly scale: number;
  /** tf_crop_and_resize only: [start, end] of the region, in fractions of inLen - 1. */
  readonly roi?: readonly [number, number];
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
    case 'tf_crop_and_resize': {
      const [start, end] = ax.roi ?? [0, 1];
      const length = scale * inLen;
      const span = length === 1 ? ((end - start) * (inLen - 1)) / 2 : (o * (end - start) * (inLen - 1)) / (length - 1);
      return span + start * (inLen - 1);
    }
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

/**
 * tf_crop_and_resize: whether coordinate x lies outside [0, inLen - 1] (where the output takes
 * extrapolation_value). A coordinate within float noise of an end (the same 1e-5 as
 * snapCoordinate) counts as inside, so that roi ends of exactly 0 and 1 do not extrapolate.
 */
export function outsideCrop(x: number, inLen: number): boolean {
  const tol = 1e-5 * Math.max(1, inLen - 1);
  return x < -tol || x > inLen - 1 + tol;
}

/** The interpolation filter of a linear or cubic Resize on one axis. */
export interface ResizeFilter {
  readonly mode: 'linear' | 'cubic';
  /** cubic_coeff_a. */
  readonly cubicA: number;
  readonly excludeOutside: boolean;
  /** antialias=1: on a downsampling axis (scale < 1) the kernel is stretched by 1 / scale. */
  readonly antialias: boolean;
  readonly scale: number;
}

/** Half-width of a filter's footprint: the taps are base + i for i in [1 - m, m]. */
export function filterHalfWidth(mode: 'linear' | 'cubic', scale: number, antialias: boolean): number {
  const support = mode === 'cubic' ? 2 : 1;
  // ONNX: start = floor(-support / scale) + 1 and m = 1 - start.
  return antialias ? -Math.floor(-support / Math.min(scale, 1)) : support;
}

/** The interpolation kernel at distance t (in input elements, times the antialias scale). */
export function filterKernel(mode: 'linear' | 'cubic', t: number, cubicA = -0.75): number {
  const x = Math.abs(t);
  if (mode === 'linear') return Math.max(0, 1 - x);
  const A = cubicA;
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

/**
 * The taps of input coordinate x on one axis: input indices (clamped to the edge) and weights.
 * As ONNX, the taps sit around base = ceil(x) - 1 with ratio = x - base in (0, 1] (an integer x
 * takes the taps left of it first; its weights are then 0 except 1 at x itself).
 */
export function resizeTaps(x: number, inLen: number, f: ResizeFilter): { index: number[]; weight: number[] } {
  const base = Math.ceil(x) - 1;
  const ratio = x - base;
  const m = filterHalfWidth(f.mode, f.scale, f.antialias);
  const s = f.antialias ? Math.min(f.scale, 1) : 1;
  const index: number[] = [];
  const weight: number[] = [];
  for (let i = 1 - m; i <= m; i++) {
    const at = base + i;
    const outside = at < 0 || at >= inLen;
    index.push(Math.min(Math.max(at, 0), inLen - 1));
    weight.push(f.excludeOutside && outside ? 0 : filterKernel(f.mode, (i - ratio) * s, f.cubicA));
  }
  if (f.antialias || f.excludeOutside) {
    const sum = weight.reduce((p, w) => p + w, 0);
    for (let j = 0; j < weight.length; j++) weight[j]! /= sum;
  }
  return { index, weight };
}

/** Whether the taps of output o read input element o alone, with weight 1. */
function picksOnly(t: { index: number[]; weight: number[] }, o: number): boolean {
  let w = 0;
  for (let j = 0; j < t.index.length; j++) {
    if (t.index[j] === o) w += t.weight[j]!;
    else if (t.weight[j] !== 0) return false;
  }
  return w === 1;
}

registerReference(['Resize'], (layer, inputs) => {
  const x = inputs[0];
  if (!x) throw new UnsupportedError(`node '${layer.node.name}' (Resize): input 0 is missing`);
  const a = layer.attrs;
  const { outShape, scales } = resizeParams(layer.ctx, a);
  const roi = resizeRoi(layer.ctx, a);
  const coordMode = a.string('coordinate_transformation_mode');
  const axes: ResizeAxis[] = x.shape.map((d, k) => ({ inLen: d, outLen: outShape[k]!, scale: scales[k]!, roi: roi?.[k] }));
  const strides = stridesOf(x.shape);
  // Per axis, the input coordinate of every output position.
  const coords = axes.map((ax) => Array.from({ length: ax.outLen }, (_, o) => originalCoordinate(coordMode, o, ax)));
  // tf_crop_and_resize: per axis, the output positions that extrapolate.
  const outside = coords.map((cs, k) => cs.map((c) => roi !== undefined && outsideCrop(c, axes[k]!.inLen)));
  const extrapolates = (c: readonly number[]) => c.some((v, k) => outside[k]![v]!);
  const extrapolation = a.float('extrapolation_value');

  const mode = a.string('mode');
  if (mode === 'nearest') {
    const nearest = a.string('nearest_mode');
    const index = coords.map((cs, k) => cs.map((c) => nearestIndex(nearest, c, axes[k]!.inLen)));
    const source = (c: readonly number[]) => (extrapolates(c) ? -1 : c.reduce((s, v, k) => s + index[k]![v]! * strides[k]!, 0));
    return [mapElements(x, outShape, source, (out, i) => setNumber(out, x.dtype, i, extrapolation))];
  }
  if (mode !== 'linear' && mode !== 'cubic') throw new UnsupportedError(`node '${layer.node.name}' (Resize): mode '${mode}' is not supported`);

  // Linear and cubic: one 1-D pass per axis (the filter is separable), in float64.
  let data = toFloat64(x);
  const shape = [...x.shape];
  for (let k = 0; k < shape.length; k++) {
    const ax = axes[k]!;
    const f: ResizeFilter = { mode, cubicA: a.float('cubic_coeff_a'), excludeOutside: a.int('exclude_outside') === 1, antialias: a.int('antialias') === 1, scale: ax.scale };
    const taps = coords[k]!.map((c, o) => (outside[k]![o] ? { index: [], weight: [] } : resizeTaps(c, ax.inLen, f)));
    if (ax.inLen === ax.outLen && taps.every(picksOnly)) continue; // this axis does not resample
    const outer = sizeOf(shape.slice(0, k));
    const inner = sizeOf(shape.slice(k + 1));
    const next = new Float64Array(outer * ax.outLen * inner);
    for (let p = 0; p < outer; p++) {
      for (let o = 0; o < ax.outLen; o++) {
        const { index, weight } = taps[o]!;
        const dst = (p * ax.outLen + o) * inner;
        for (let j = 0; j < index.length; j++) {
          const w = weight[j]!;
          if (w === 0) continue;
          const src = (p * ax.inLen + index[j]!) * inner;
          for (let q = 0; q < inner; q++) next[dst + q]! += w * data[src + q]!;
        }
      }
    }
    data = next;
    shape[k] = ax.outLen;
  }
  if (roi) {
    forEachIndex(outShape, (c, i) => {
      if (extrapolates(c)) data[i] = extrapolation;
    });
  }
  return [fromFloat64(x.dtype, outShape, data)] as Tensor[];
});
