import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { randomF32 } from '../helpers/data.js';
import { opLayer } from '../helpers/op-layer.js';

/** Resize(x, roi absent, scales | sizes) with the given attributes. */
function resize(x: Tensor, how: { scales?: number[]; sizes?: number[] }, attrs: Attrs = {}): Tensor {
  const scales = how.scales ? { constant: tensor('f32', [how.scales.length], how.scales) } : undefined;
  const sizes = how.sizes ? { constant: tensor('i64', [how.sizes.length], how.sizes) } : undefined;
  const { layer, inputs } = opLayer('Resize', sizes ? [x, undefined, undefined, sizes] : [x, undefined, scales], attrs);
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
    for (const mode of ['nearest', 'linear']) {
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
