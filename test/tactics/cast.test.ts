import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/ir/dtype.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { CAST } from '../../src/tactics/families/cast.js';
import { candidates } from '../../src/tactics/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { fromFloat64, getNumber, type Tensor } from '../../src/ir/tensor.js';
import { randomF32 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayer } from '../helpers/op-layer.js';

const gpu = useGpu();

const values = (t: Tensor) => Array.from({ length: t.data.length }, (_, i) => getNumber(t.data, t.dtype, i));

/** Values of every source dtype: fractional, negative, zero, and beyond i8/u8 and f16 precision. */
function source(dtype: DType, n: number): Tensor {
  const r = randomF32([n], n, -300, 300);
  const v = Array.from(r.data as Float32Array, (x, i) => (i % 7 === 0 ? 0 : dtype === 'bool' ? (x > 0 ? 1 : 0) : x));
  return fromFloat64(dtype, [n], v.map((x) => (dtype === 'f32' || dtype === 'f16' ? x : Math.trunc(x))));
}

const DTYPES: DType[] = ['f32', 'f16', 'i32', 'i64', 'i8', 'u8', 'bool'];

describe('pointwise.cast vs reference (exact)', () => {
  for (const from of DTYPES) {
    for (const to of DTYPES) {
      if (from === to) continue;
      it(`${from} -> ${to}`, async () => {
        const x = source(from, 301);
        const { layer, inputs } = opLayer('Cast', [x], { to });
        expect(candidates(layer)).toContain(CAST);
        const want = runReferenceLayer(layer, inputs)[0]!;
        const got = (await runLayer(await gpu(), layer, CAST, inputs))[0]!;
        expect(got.dtype).toBe(to);
        expect(values(got)).toEqual(values(want));
      });
    }
  }

  it('f32 -> f16 rounds ties to even and overflows to infinity', async () => {
    const x = fromFloat64('f32', [6], [1 + 2 ** -11, 1 + 3 * 2 ** -11, 0.1, 70000, -70000, 65504]);
    const { layer, inputs } = opLayer('Cast', [x], { to: 'f16' });
    const got = (await runLayer(await gpu(), layer, CAST, inputs))[0]!;
    expect(Array.from(got.data as Uint16Array)).toEqual(Array.from(runReferenceLayer(layer, inputs)[0]!.data as Uint16Array));
  });

  it('f32 -> i32 and f32 -> f16 on a large odd-sized tensor', async () => {
    for (const to of ['i32', 'f16'] as const) {
      const x = randomF32([1000, 67], 3, -1000, 1000);
      const { layer, inputs } = opLayer('Cast', [x], { to });
      const got = (await runLayer(await gpu(), layer, CAST, inputs))[0]!;
      expect(values(got)).toEqual(values(runReferenceLayer(layer, inputs)[0]!));
    }
  });
});
