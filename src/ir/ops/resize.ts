import { toFloat64, toInts } from '../tensor.js';
import { axis, constantInput, defineOp, need, same, shapeError, type AttrReader, type InferContext } from './registry.js';

export const RESIZE_MODES = ['nearest', 'linear', 'cubic'] as const;
export const COORD_MODES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_crop_and_resize'] as const;
export const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;

/** Output shape and per-axis scale of a Resize (scales or sizes input, axes attribute). */
export function resizeParams(ctx: InferContext, a: AttrReader): { outShape: number[]; scales: number[] } {
  const x = need(ctx, 0);
  const r = x.shape.length;
  const axes = (a.optionalInts('axes') ?? Array.from({ length: r }, (_, i) => i)).map((v) => axis(ctx, v, r));
  const scales = new Array<number>(r).fill(1);
  const outShape = [...x.shape];
  const hasScales = !!ctx.node.inputs[2] && (ctx.inputs[2]?.shape[0] ?? 0) > 0;
  const hasSizes = !!ctx.node.inputs[3] && (ctx.inputs[3]?.shape[0] ?? 0) > 0;
  if (hasScales === hasSizes) throw shapeError(ctx, 'exactly one of scales (input 2) and sizes (input 3) must be given');
  if (hasScales) {
    const s = Array.from(toFloat64(constantInput(ctx, 2, 'scales')));
    if (s.length !== axes.length) throw shapeError(ctx, `scales has ${s.length} values for ${axes.length} axes`);
    axes.forEach((ax, i) => {
      if (!(s[i]! > 0)) throw shapeError(ctx, `scale ${s[i]} must be positive`);
      scales[ax] = s[i]!;
      outShape[ax] = Math.floor(x.shape[ax]! * s[i]!);
    });
  } else {
    const s = toInts(constantInput(ctx, 3, 'sizes'));
    if (s.length !== axes.length) throw shapeError(ctx, `sizes has ${s.length} values for ${axes.length} axes`);
    const policy = a.string('keep_aspect_ratio_policy');
    if (policy === 'stretch') {
      axes.forEach((ax, i) => {
        outShape[ax] = s[i]!;
        scales[ax] = s[i]! / x.shape[ax]!;
      });
    } else {
      const ratios = axes.map((ax, i) => s[i]! / x.shape[ax]!);
      const k = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((ax) => {
        scales[ax] = k;
        outShape[ax] = Math.round(x.shape[ax]! * k);
      });
    }
  }
  if (outShape.some((d) => d < 1)) throw shapeError(ctx, `output shape [${outShape.join(', ')}] is empty`);
  return { outShape, scales };
}

/**
 * The region of interest of a tf_crop_and_resize Resize, one [start, end] pair per axis of the
 * input (in fractions of `length - 1`): the roi input (input 1) holds all starts, then all ends,
 * for the axes of the `axes` attribute (every axis when absent); axes not listed take [0, 1].
 * Undefined for every other coordinate_transformation_mode, which ignores roi.
 */
export function resizeRoi(ctx: InferContext, a: AttrReader): [number, number][] | undefined {
  if (a.string('coordinate_transformation_mode') !== 'tf_crop_and_resize') return undefined;
  const r = need(ctx, 0).shape.length;
  const axes = (a.optionalInts('axes') ?? Array.from({ length: r }, (_, i) => i)).map((v) => axis(ctx, v, r));
  if (!ctx.node.inputs[1] || (ctx.inputs[1]?.shape[0] ?? 0) === 0) {
    throw shapeError(ctx, 'coordinate_transformation_mode tf_crop_and_resize needs roi (input 1): starts then ends of the resized axes');
  }
  const roi = Array.from(toFloat64(constantInput(ctx, 1, 'roi')));
  if (roi.length !== 2 * axes.length) {
    throw shapeError(ctx, `roi has ${roi.length} values; ${axes.length} axes need ${2 * axes.length} (starts then ends)`);
  }
  const out = Array.from({ length: r }, (): [number, number] => [0, 1]);
  axes.forEach((ax, i) => (out[ax] = [roi[i]!, roi[axes.length + i]!]));
  return out;
}

defineOp({
  op: 'Resize',
  family: 'resize',
  arity: [1, 4],
  attrs: {
    mode: { kind: 'string', default: 'nearest' },
    coordinate_transformation_mode: { kind: 'string', default: 'half_pixel' },
    nearest_mode: { kind: 'string', default: 'round_prefer_floor' },
    cubic_coeff_a: { kind: 'float', default: -0.75 },
    exclude_outside: { kind: 'int', default: 0 },
    extrapolation_value: { kind: 'float', default: 0 },
    antialias: { kind: 'int', default: 0 },
    axes: { kind: 'ints' },
    keep_aspect_ratio_policy: { kind: 'string', default: 'stretch' },
  },
  constantInputs: [2, 3],
  infer(ctx, a) {
    const check = (name: string, v: string, allowed: readonly string[]) => {
      if (!allowed.includes(v)) throw shapeError(ctx, `${name} '${v}' is not supported; supported: ${allowed.join(', ')}`);
    };
    check('mode', a.string('mode'), RESIZE_MODES);
    check('coordinate_transformation_mode', a.string('coordinate_transformation_mode'), COORD_MODES);
    check('nearest_mode', a.string('nearest_mode'), NEAREST_MODES);
    for (const flag of ['antialias', 'exclude_outside']) {
      if (a.int(flag) !== 0 && a.int(flag) !== 1) throw shapeError(ctx, `${flag} must be 0 or 1, got ${a.int(flag)}`);
    }
    // As ONNX's reference implementation: antialiasing is a filter property of linear and cubic.
    if (a.int('antialias') === 1 && a.string('mode') === 'nearest') throw shapeError(ctx, "antialias=1 needs mode 'linear' or 'cubic', not 'nearest'");
    resizeRoi(ctx, a);
    return [same(need(ctx, 0).dtype, resizeParams(ctx, a).outShape)];
  },
});
