import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import { COORD_MODES, NEAREST_MODES } from '../../src/ir/ops/resize.js';
import { tensor, toFloat64, type Shape, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { relL2 } from '../helpers/data.js';
import { random } from '../helpers/exact-check.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayerN } from '../helpers/op-layer-n.js';

const gpu = useGpu();
const tactic = tacticById('resize.nd')!;

interface Case {
  readonly x: Shape;
  readonly scales?: number[];
  readonly sizes?: number[];
  /** tf_crop_and_resize: starts then ends (of the `axes` attribute's axes, else of all). */
  readonly roi?: number[];
  readonly attrs?: Attrs;
}

/** Nearest output must equal the reference exactly; linear and cubic within rel L2 1e-5. */
async function check(c: Case, x: Tensor = random('f32', c.x, 17)): Promise<void> {
  const roi = c.roi ? { constant: tensor('f32', [c.roi.length], c.roi) } : undefined;
  const scales = c.scales ? { constant: tensor('f32', [c.scales.length], c.scales) } : undefined;
  const sizes = c.sizes ? { constant: tensor('i64', [c.sizes.length], c.sizes) } : undefined;
  const { layer, inputs } = opLayerN('Resize', sizes ? [x, roi, undefined, sizes] : [x, roi, scales], c.attrs ?? {}, 1);
  expect(candidates(layer).map((t) => t.id)).toContain('resize.nd');
  const want = runReferenceLayer(layer, inputs)[0]!;
  const [got] = await runLayer(await gpu(), layer, tactic, inputs);
  expect(got!.shape).toEqual(want.shape);
  const label = JSON.stringify(c);
  if (layer.attrs.string('mode') === 'nearest') expect(Array.from(toFloat64(got!)), label).toEqual(Array.from(toFloat64(want)));
  else expect(relL2(got!, want), label).toBeLessThan(1e-5);
}

/** 4-D NCHW geometries: odd sizes, up and down, scales and sizes, unequal axes. */
const GEOMETRIES: Case[] = [
  { x: [2, 3, 5, 7], scales: [1, 1, 2, 2] },
  { x: [1, 2, 7, 9], scales: [1, 1, 0.5, 0.5] },
  { x: [1, 3, 5, 6], scales: [1, 1, 1.7, 0.6] },
  { x: [2, 1, 6, 5], sizes: [2, 1, 13, 3] },
  { x: [1, 2, 9, 4], sizes: [1, 2, 4, 11] },
  { x: [1, 1, 3, 3], sizes: [1, 1, 1, 7] },
];

/**
 * A geometry in coordinate mode `ctm`; tf_crop_and_resize takes a region that leaves the input
 * on both ends of W (extrapolated outputs) and crops H.
 */
function inMode(g: Case, ctm: string, attrs: Attrs): Case {
  const roi = ctm === 'tf_crop_and_resize' ? [0, 0, 0.1, -0.2, 1, 1, 0.8, 1.1] : undefined;
  return { ...g, roi, attrs: { ...attrs, coordinate_transformation_mode: ctm, extrapolation_value: -2.5 } };
}

describe('resize.nd nearest: every nearest_mode and coordinate mode (exact)', () => {
  for (const nearest of NEAREST_MODES) {
    for (const ctm of COORD_MODES) {
      it(`${nearest}, ${ctm}`, async () => {
        for (const g of GEOMETRIES) await check(inMode(g, ctm, { mode: 'nearest', nearest_mode: nearest }));
      });
    }
  }
});

describe('resize.nd linear and cubic: every coordinate mode', () => {
  for (const mode of ['linear', 'cubic']) {
    for (const ctm of COORD_MODES) {
      it(`${mode}, ${ctm}`, async () => {
        for (const g of GEOMETRIES) await check(inMode(g, ctm, { mode }));
      });
    }
  }
});

describe('resize.nd cubic options and antialias', () => {
  it('cubic: cubic_coeff_a -0.5 and exclude_outside', async () => {
    for (const g of GEOMETRIES) {
      await check({ ...g, attrs: { mode: 'cubic', cubic_coeff_a: -0.5 } });
      await check({ ...g, attrs: { mode: 'cubic', exclude_outside: 1 } });
      await check({ ...g, attrs: { mode: 'cubic', cubic_coeff_a: -0.5, exclude_outside: 1, coordinate_transformation_mode: 'align_corners' } });
    }
  });
  for (const mode of ['linear', 'cubic']) {
    it(`${mode} antialias: up, down (to 1/4) and mixed, with exclude_outside and cropping`, async () => {
      for (const g of GEOMETRIES) await check({ ...g, attrs: { mode, antialias: 1 } });
      await check({ x: [1, 2, 17, 23], scales: [1, 1, 0.25, 0.3], attrs: { mode, antialias: 1 } });
      await check({ x: [1, 2, 17, 23], sizes: [1, 2, 5, 31], attrs: { mode, antialias: 1, exclude_outside: 1, coordinate_transformation_mode: 'pytorch_half_pixel' } });
      await check({ x: [2, 13, 11], sizes: [4, 3], attrs: { axes: [1, 2], mode, antialias: 1, coordinate_transformation_mode: 'half_pixel_symmetric' } });
      await check({ x: [1, 1, 15, 9], sizes: [6, 4], roi: [0.2, -0.1, 0.9, 0.8], attrs: { axes: [2, 3], mode, antialias: 1, coordinate_transformation_mode: 'tf_crop_and_resize' } });
    });
  }
});

describe('resize.nd: N-D, axes, aspect-ratio policies, dtypes', () => {
  it('3-D and 5-D linear (trilinear) and cubic (tricubic), 1-D nearest and cubic', async () => {
    await check({ x: [2, 5, 9], scales: [1, 1.5, 0.5], attrs: { mode: 'linear' } });
    await check({ x: [1, 2, 3, 4, 5], sizes: [1, 2, 6, 3, 9], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' } });
    await check({ x: [11], sizes: [4], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric' } });
    await check({ x: [2, 5, 9], scales: [1.6, 1.5, 0.5], attrs: { mode: 'cubic', antialias: 1 } });
    await check({ x: [1, 2, 3, 4, 5], sizes: [1, 2, 6, 3, 9], attrs: { mode: 'cubic', exclude_outside: 1 } });
    await check({ x: [11], sizes: [4], attrs: { mode: 'cubic', coordinate_transformation_mode: 'asymmetric' } });
  });
  it('tf_crop_and_resize with axes; integer nearest extrapolates exactly', async () => {
    await check({ x: [1, 3, 7, 6], sizes: [5, 9], roi: [-0.3, 0.1, 1.2, 0.7], attrs: { axes: [3, 2], mode: 'cubic', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: 3 } });
    await check({ x: [2, 3, 5], sizes: [2, 7, 4], roi: [0, -0.5, 0.25, 1, 1.5, 0.75], attrs: { coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: -9 } }, random('i32', [2, 3, 5], 6));
  });
  it('axes attribute and keep_aspect_ratio_policy not_larger / not_smaller', async () => {
    await check({ x: [1, 2, 5, 7], scales: [2.5, 1.5], attrs: { axes: [-2, -1], mode: 'linear' } });
    await check({ x: [1, 2, 5, 7], sizes: [9, 9], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger', mode: 'linear' } });
    await check({ x: [1, 2, 5, 7], sizes: [9, 9], attrs: { axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' } });
  });
  it('nearest on i32 and i64 tensors copies values exactly', async () => {
    await check({ x: [1, 2, 3, 5], scales: [1, 1, 2, 1.5] }, random('i32', [1, 2, 3, 5], 3));
    await check({ x: [2, 3, 5], sizes: [2, 7, 2] }, random('i64', [2, 3, 5], 4));
  });
  it('does not claim linear or cubic on integers, or rank 7', () => {
    for (const mode of ['linear', 'cubic']) {
      const lin = opLayerN('Resize', [random('i32', [1, 1, 2, 2], 1), undefined, { constant: tensor('f32', [4], [1, 1, 2, 2]) }], { mode }, 1).layer;
      expect(tactic.supports(lin)).toBe(false);
    }
    const r7 = opLayerN('Resize', [random('f32', [1, 1, 1, 1, 1, 2, 2], 1), undefined, { constant: tensor('f32', [7], [1, 1, 1, 1, 1, 2, 2]) }], {}, 1).layer;
    expect(tactic.supports(r7)).toBe(false);
  });
});
