import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { randomF32 } from '../helpers/data.js';
import { opLayer } from '../helpers/op-layer.js';

/** Resize(x, roi, scales | sizes) with the given attributes (roi only when given). */
function resize(x: Tensor, how: { scales?: number[]; sizes?: number[]; roi?: number[] }, attrs: Attrs = {}): Tensor {
  const roi = how.roi ? { constant: tensor('f32', [how.roi.length], how.roi) } : undefined;
  const scales = how.scales ? { constant: tensor('f32', [how.scales.length], how.scales) } : undefined;
  const sizes = how.sizes ? { constant: tensor('i64', [how.sizes.length], how.sizes) } : undefined;
  const { layer, inputs } = opLayer('Resize', sizes ? [x, roi, undefined, sizes] : [x, roi, scales], attrs);
  return runReferenceLayer(layer, inputs)[0]!;
}

function expectValues(got: Tensor, shape: number[], want: number[], tol = 1e-6): void {
  expect(got.shape).toEqual(shape);
  const g = toFloat64(got);
  expect(g.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(g[i]! - w)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w))));
}

const x22 = tensor('f32', [1, 1, 2, 2], [1, 2, 3, 4]);
const x24 = tensor('f32', [1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
const x44 = tensor('f32', [1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i + 1));
/** The 8x8 nearest upsample of x44 that picks rows and columns `idx`. */
const pick8 = (idx: number[]) => idx.flatMap((r) => idx.map((c) => r * 4 + c + 1));

describe('Resize reference: ONNX operator doc examples', () => {
  it('resize_upsample_scales_nearest', () => {
    const want = [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4];
    expectValues(resize(x22, { scales: [1, 1, 2, 3] }), [1, 1, 4, 6], want);
    // The same with the axes attribute.
    expectValues(resize(x22, { scales: [2, 3] }, { axes: [2, 3] }), [1, 1, 4, 6], want);
  });
  it('resize_downsample_scales_nearest', () => {
    expectValues(resize(x24, { scales: [1, 1, 0.6, 0.6] }), [1, 1, 1, 2], [1, 3]);
  });
  it('resize_upsample_sizes_nearest with ceil/half_pixel, floor/align_corners, round_prefer_ceil/asymmetric', () => {
    expectValues(resize(x44, { sizes: [1, 1, 8, 8] }, { nearest_mode: 'ceil', coordinate_transformation_mode: 'half_pixel' }), [1, 1, 8, 8], pick8([0, 1, 1, 2, 2, 3, 3, 3]));
    expectValues(resize(x44, { sizes: [1, 1, 8, 8] }, { nearest_mode: 'floor', coordinate_transformation_mode: 'align_corners' }), [1, 1, 8, 8], pick8([0, 0, 0, 1, 1, 2, 2, 3]));
    expectValues(resize(x44, { sizes: [1, 1, 8, 8] }, { nearest_mode: 'round_prefer_ceil', coordinate_transformation_mode: 'asymmetric' }), [1, 1, 8, 8], pick8([0, 1, 1, 2, 2, 3, 3, 3]));
  });
  it('resize_downsample_sizes_nearest_not_larger (keep_aspect_ratio_policy)', () => {
    expectValues(resize(x24, { sizes: [1, 3] }, { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }), [1, 1, 1, 2], [1, 3]);
  });
  it('resize_upsample_scales_linear and its align_corners variant', () => {
    expectValues(resize(x22, { scales: [1, 1, 2, 2] }, { mode: 'linear' }), [1, 1, 4, 4], [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
    const t = 1 / 3;
    expectValues(
      resize(x22, { scales: [1, 1, 2, 2] }, { mode: 'linear', coordinate_transformation_mode: 'align_corners' }),
      [1, 1, 4, 4],
      [1, 1 + t, 1 + 2 * t, 2, 1 + 2 * t, 2, 2 + t, 2 + 2 * t, 2 + t, 2 + 2 * t, 3, 3 + t, 3, 3 + t, 3 + 2 * t, 4],
    );
  });
  it('resize_downsample_scales_linear and its align_corners variant', () => {
    expectValues(resize(x24, { scales: [1, 1, 0.6, 0.6] }, { mode: 'linear' }), [1, 1, 1, 2], [2.6666665, 4.3333331]);
    expectValues(resize(x24, { scales: [1, 1, 0.6, 0.6] }, { mode: 'linear', coordinate_transformation_mode: 'align_corners' }), [1, 1, 1, 2], [1, 3.142857]);
  });
  it('resize_downsample_sizes_linear_pytorch_half_pixel', () => {
    expectValues(resize(x44, { sizes: [1, 1, 3, 1] }, { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }), [1, 1, 3, 1], [1.6666666, 7, 12.333333]);
  });
  it('resize_upsample_scales_linear_half_pixel_symmetric and the downsample variant', () => {
    const got = resize(x22, { scales: [1, 1, 2.3, 2.94] }, { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' });
    expectValues(got, [1, 1, 4, 5], [
      1, 1.15986395, 1.5, 1.84013605, 2,
      1.56521738, 1.72508133, 2.06521738, 2.40535343, 2.56521738,
      2.43478262, 2.59464657, 2.93478262, 3.27491867, 3.43478262,
      3, 3.15986395, 3.5, 3.84013605, 4,
    ]);
    const x14 = tensor('f32', [1, 1, 1, 4], [1, 2, 3, 4]);
    expectValues(resize(x14, { scales: [1, 1, 1, 0.6] }, { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' }), [1, 1, 1, 2], [1.6666666, 3.3333333]);
  });
});

describe('Resize reference: identities', () => {
  it('scale 1 is the identity in every mode', () => {
    const x = randomF32([2, 3, 5], 7);
    for (const mode of ['nearest', 'linear', 'cubic']) {
      for (const ctm of ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric']) {
        expect(toFloat64(resize(x, { scales: [1, 1, 1] }, { mode, coordinate_transformation_mode: ctm }))).toEqual(toFloat64(x));
      }
    }
  });
  it('linear resize of a linear ramp stays on the ramp (align_corners, any size)', () => {
    // f(h, w) = 2h + 3w sampled on 3x5; align_corners keeps the corners, so the output samples
    // the same plane at h' * 2/6, w' * 4/8.
    const x = tensor('f32', [3, 5], Array.from({ length: 15 }, (_, i) => 2 * Math.floor(i / 5) + 3 * (i % 5)));
    const got = toFloat64(resize(x, { sizes: [7, 9] }, { mode: 'linear', coordinate_transformation_mode: 'align_corners' }));
    for (let h = 0; h < 7; h++) for (let w = 0; w < 9; w++) expect(got[h * 9 + w]).toBeCloseTo(2 * (h * 2) / 6 + 3 * (w * 4) / 8, 5);
  });
  it('nearest snaps float noise: a float32 scale of 0.6 maps output 1 to input 2 exactly', () => {
    // half_pixel: (1 + 0.5) / 0.6 - 0.5 = 2, but 0.6 as float32 is 0.6000000238 (giving 1.9999999).
    const x = tensor('f32', [5], [10, 11, 12, 13, 14]);
    expectValues(resize(x, { scales: [0.6] }, { nearest_mode: 'floor' }), [3], [10, 12, 13]);
  });
  it('nearest on integers copies values exactly', () => {
    const x = tensor('i32', [2, 2], [-7, 100, 2 ** 30, 5]);
    expectValues(resize(x, { scales: [2, 1] }), [4, 2], [-7, 100, -7, 100, 2 ** 30, 5, 2 ** 30, 5]);
  });
});

describe('Resize reference: cubic, antialias, tf_crop_and_resize (ONNX operator doc examples)', () => {
  it('resize_upsample_scales_cubic (first and last rows)', () => {
    const got = toFloat64(resize(x44, { scales: [1, 1, 2, 2] }, { mode: 'cubic' }));
    expectValues(tensor('f32', [8], got.slice(0, 8)), [8], [0.47265625, 0.76953125, 1.24609375, 1.875, 2.28125, 2.91015625, 3.38671875, 3.68359375]);
    expectValues(tensor('f32', [8], got.slice(56)), [8], [13.31640625, 13.61328125, 14.08984375, 14.71875, 15.125, 15.75390625, 16.23046875, 16.52734375]);
  });
  it('resize_upsample_scales_cubic_A_n0p5_exclude_outside (first row)', () => {
    const got = toFloat64(resize(x44, { scales: [1, 1, 2, 2] }, { mode: 'cubic', cubic_coeff_a: -0.5, exclude_outside: 1 }));
    expectValues(tensor('f32', [8], got.slice(0, 8)), [8], [0.55882353, 0.81494204, 1.35698249, 1.89705882, 2.39705882, 2.93713516, 3.47917561, 3.73529412]);
  });
  it('resize_downsample_scales_cubic and resize_downsample_sizes_cubic_antialias', () => {
    expectValues(resize(x44, { scales: [1, 1, 0.8, 0.8] }, { mode: 'cubic' }), [1, 1, 3, 3], [1.47119141, 2.78125, 4.08251953, 6.71142578, 8.02148438, 9.32275391, 11.91650391, 13.2265625, 14.52783203]);
    expectValues(resize(x44, { sizes: [1, 1, 3, 3] }, { mode: 'cubic', antialias: 1 }), [1, 1, 3, 3], [1.7750092, 3.1200073, 4.4650054, 7.1550016, 8.5, 9.8449984, 12.5349946, 13.8799926, 15.2249907]);
  });
  it('resize_downsample_scales_linear_antialias and resize_downsample_scales_cubic_antialias', () => {
    expectValues(resize(x44, { scales: [1, 1, 0.6, 0.6] }, { mode: 'linear', antialias: 1 }), [1, 1, 2, 2], [2.875, 4.5, 9.375, 11]);
    expectValues(resize(x44, { scales: [1, 1, 0.6, 0.6] }, { mode: 'cubic', antialias: 1 }), [1, 1, 2, 2], [2.5180721, 4.2858863, 9.589329, 11.357142]);
  });
  it('resize_tf_crop_and_resize (axes 3, 2) and its extrapolation_value variant', () => {
    const want = [7.6, 7.9, 8.2, 8.8, 9.1, 9.4, 10, 10.3, 10.6];
    const crop = { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' };
    expectValues(resize(x44, { sizes: [1, 1, 3, 3], roi: [0, 0, 0.4, 0.6, 1, 1, 0.6, 0.8] }, crop), [1, 1, 3, 3], want);
    expectValues(resize(x44, { sizes: [3, 3], roi: [0.6, 0.4, 0.8, 0.6] }, { ...crop, axes: [3, 2] }), [1, 1, 3, 3], want);
    expectValues(
      resize(x44, { sizes: [1, 1, 3, 3], roi: [0, 0, 0.4, 0.6, 1, 1, 1.2, 1.7] }, { ...crop, extrapolation_value: 10 }),
      [1, 1, 3, 3],
      [7.6, 10, 10, 12.4, 10, 10, 10, 10, 10],
    );
  });
});

describe('Resize reference: cubic, antialias, tf_crop_and_resize (hand-computed)', () => {
  // Keys' cubic kernel with a = -0.75 at distances 0.25, 0.5, 0.75, 1.25, 1.5, 1.75.
  const K = { 0.25: 0.87890625, 0.5: 0.59375, 0.75: 0.26171875, 1.25: -0.10546875, 1.5: -0.09375, 1.75: -0.03515625 };
  it('cubic of a unit impulse (asymmetric x2) reads the kernel at integer and half distances', () => {
    const x = tensor('f32', [6], [0, 0, 1, 0, 0, 0]);
    const got = resize(x, { scales: [2] }, { mode: 'cubic', coordinate_transformation_mode: 'asymmetric' });
    expectValues(got, [12], [0, K[1.5], 0, K[0.5], 1, K[0.5], 0, K[1.5], 0, 0, 0, 0]);
  });
  it('cubic at the left edge: taps outside read the edge, or drop out with exclude_outside', () => {
    // half_pixel x2: output 0 reads x = -0.25, taps -2, -1, 0, 1 at distances 1.75, 0.75, 0.25, 1.25.
    const x = tensor('f32', [4], [1, 2, 4, 8]);
    const plain = toFloat64(resize(x, { scales: [2] }, { mode: 'cubic' }))[0]!;
    expect(plain).toBeCloseTo(K[1.75] + K[0.75] + K[0.25] + 2 * K[1.25], 6);
    const excluded = toFloat64(resize(x, { scales: [2] }, { mode: 'cubic', exclude_outside: 1 }))[0]!;
    expect(excluded).toBeCloseTo((K[0.25] + 2 * K[1.25]) / (K[0.25] + K[1.25]), 6); // 19/22
  });
  it('cubic with a = -0.5 reproduces a quadratic away from the edges', () => {
    const x = tensor('f32', [10], Array.from({ length: 10 }, (_, i) => i * i));
    const got = toFloat64(resize(x, { scales: [2] }, { mode: 'cubic', cubic_coeff_a: -0.5, coordinate_transformation_mode: 'asymmetric' }));
    for (let o = 2; o <= 14; o++) expect(got[o]).toBeCloseTo((o / 2) ** 2, 4);
  });
  it('linear antialias at scale 1/2 is the tent of half-width 2 (weights 1, 3, 3, 1 over 8)', () => {
    const x = tensor('f32', [8], [0, 1, 2, 3, 4, 5, 6, 7]);
    expectValues(resize(x, { scales: [0.5] }, { mode: 'linear', antialias: 1 }), [4], [0.625, 2.5, 4.5, 6.375]);
  });
  it('antialias changes nothing on an upsampling axis', () => {
    const x = randomF32([3, 5], 5);
    for (const mode of ['linear', 'cubic']) {
      const plain = toFloat64(resize(x, { scales: [1.5, 2] }, { mode }));
      const aa = toFloat64(resize(x, { scales: [1.5, 2] }, { mode, antialias: 1 }));
      aa.forEach((v, i) => expect(v).toBeCloseTo(plain[i]!, 6));
    }
  });
  it('tf_crop_and_resize: coordinates roi_start + o (roi_end - roi_start)(len - 1)/(out - 1); outside is extrapolation_value', () => {
    // [0.25, 1.25] of a length-5 axis at 3 points: 1, 3, 5 (outside).
    const x = tensor('f32', [5], [0, 10, 20, 30, 40]);
    const crop = { coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: -7 };
    expectValues(resize(x, { sizes: [3], roi: [0.25, 1.25] }, { ...crop, mode: 'linear' }), [3], [10, 30, -7]);
    expectValues(resize(x, { sizes: [3], roi: [0.25, 1.25] }, { ...crop, mode: 'cubic' }), [3], [10, 30, -7]);
    expectValues(resize(x, { sizes: [3], roi: [0.25, 1.25] }, { ...crop, mode: 'nearest' }), [3], [10, 30, -7]);
    // One output: the middle of the region, (0.25 + 1.25) / 2 * 4 = 3.
    expectValues(resize(x, { sizes: [1], roi: [0.25, 1.25] }, { ...crop, mode: 'linear' }), [1], [30]);
    // roi ends 0 and 1 exactly: the ends are inside (no extrapolation from float noise).
    expectValues(resize(x, { sizes: [7], roi: [0, 1] }, { ...crop, mode: 'linear' }), [7], [0, 20 / 3, 40 / 3, 20, 80 / 3, 100 / 3, 40]);
  });
  it('tf_crop_and_resize: an output outside the region on any axis is extrapolation_value', () => {
    const x = tensor('i32', [2, 3], [1, 2, 3, 4, 5, 6]);
    // Axis 0 region [0, 2] (outputs 0, 1, 2), axis 1 region [-0.5, 0.5] (outputs -1, 0, 1).
    const got = resize(x, { sizes: [3, 3], roi: [0, -0.5, 2, 0.5] }, { coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: -1 });
    expect(got.dtype).toBe('i32');
    expectValues(got, [3, 3], [-1, 1, 2, -1, 4, 5, -1, -1, -1]);
  });
  it('rejects antialias with nearest, tf_crop_and_resize without roi, and a roi of the wrong length', () => {
    expect(() => resize(x22, { scales: [1, 1, 0.5, 0.5] }, { antialias: 1 })).toThrow(/antialias=1 needs mode 'linear' or 'cubic'/);
    expect(() => resize(x22, { scales: [1, 1, 2, 2] }, { coordinate_transformation_mode: 'tf_crop_and_resize' })).toThrow(/needs roi \(input 1\)/);
    expect(() => resize(x22, { scales: [2, 2], roi: [0, 0, 1, 1, 0, 0] }, { axes: [2, 3], coordinate_transformation_mode: 'tf_crop_and_resize' })).toThrow(/roi has 6 values; 2 axes need 4/);
    expect(() => resize(x22, { scales: [1, 1, 2, 2] }, { mode: 'cubic', exclude_outside: 2 })).toThrow(/exclude_outside must be 0 or 1/);
  });
});

/**
 * Expected values from ONNX's loop-based reference algorithm (onnx/reference/ops/op_resize.py:
 * edge padding, the n nearest neighbours, per-axis recursion) ported to numpy, run on these
 * inputs: odd sizes, two axes resized, up and down at once.
 */
describe('Resize reference: against ONNX\'s reference algorithm on odd sizes', () => {
  const x35 = tensor('f32', [3, 5], [-5, 2, -2, 5, 1, -3, 4, 0, -4, 3, -1, -5, 2, -2, 5]);
  const x79 = tensor('f32', [7, 9], Array.from({ length: 63 }, (_, i) => ((i * 5) % 13) * 0.5 - 3));
  it('cubic, a = -0.5, exclude_outside, antialias: 3x5 -> 5x3 (up and down)', () => {
    const got = resize(x35, { sizes: [5, 3] }, { mode: 'cubic', cubic_coeff_a: -0.5, exclude_outside: 1, antialias: 1 });
    expectValues(got, [5, 3], [-2.361103, 0.7653357, 2.973295, -1.234214, 0.493891, 1.629277, 0.1538462, 0, -0.1538462, -1.629277, -0.493891, 1.234214, -2.973295, -0.7653357, 2.361103], 1e-5);
  });
  it('cubic align_corners at scales 1.5, 0.6', () => {
    const got = resize(x35, { scales: [1.5, 0.6] }, { mode: 'cubic', coordinate_transformation_mode: 'align_corners' });
    expectValues(got, [4, 3], [-5, -2, 1, -4.049563, -1.049563, 1.950437, -2.600583, 0.399417, 3.399417, -1.440233, 1.559767, 4.559767], 1e-5);
  });
  it('cubic tf_crop_and_resize, roi [0.1, 0.9] on axis 1', () => {
    const got = resize(x35, { sizes: [4], roi: [0.1, 0.9] }, { mode: 'cubic', coordinate_transformation_mode: 'tf_crop_and_resize', axes: [1] });
    expectValues(got, [3, 4], [-1.996, 0.2370377, 1.812148, 3.056001, 0.004000052, 3.19526, -3.195259, -0.004000833, -3.056, -1.812149, -0.2370368, 1.995999], 1e-5);
  });
  it('linear antialias asymmetric: 7x9 -> 3x4', () => {
    const got = resize(x79, { sizes: [3, 4] }, { mode: 'linear', antialias: 1, coordinate_transformation_mode: 'asymmetric' });
    expectValues(got, [3, 4], [-1.289916, 0.06176471, 0.3808824, 0.01176471, 1.03125, -0.240625, 0.2421875, -0.33125, 0.46875, -0.315625, 0.2890625, -0.40625], 1e-5);
  });
  it('cubic antialias half_pixel_symmetric at scales 0.4, 0.5', () => {
    const got = resize(x79, { scales: [0.4, 0.5] }, { mode: 'cubic', antialias: 1, coordinate_transformation_mode: 'half_pixel_symmetric' });
    expectValues(got, [2, 4], [0.6201109, -0.6123742, 0.4795312, -0.4760539, -0.03862188, -0.3175469, 0.3899648, -0.5562867], 1e-5);
  });
  it('linear tf_crop_and_resize partly outside on both axes, extrapolation_value -1', () => {
    const got = resize(x35, { sizes: [4, 3], roi: [-0.2, 0.3, 0.9, 1.4] }, { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: -1 });
    expectValues(got, [4, 3], [-1, -1, -1, 1.866666, 1.866667, -1, 2.746666, -1.066668, -1, -2.24, 0.3999991, -1], 1e-5);
  });
});
