/**
 * Checking a candidate's outputs before it is timed: a tactic is trusted for a shape only once it
 * has computed that shape right. Float outputs must be within a relative L2 error of the expected
 * ones (summation order differs between tactics, so not bitwise), with NaN where a NaN is
 * expected; integer and boolean outputs must be equal.
 */
import { isFloat } from '../ir/dtype.js';
import { sameShape, toFloat64, type Tensor } from '../ir/tensor.js';

/**
 * Relative L2 error allowed for f32 outputs, and for f16 outputs or outputs of an fp16 tactic
 * (Tactic.precision: f16 operands and products, ~5e-4 relative error on random data).
 */
export const F32_REL_L2 = 1e-3;
export const F16_REL_L2 = 1e-2;

/**
 * Why `got` differs from `want` (output `index`), or undefined when it matches. `fp16`: `got` was
 * computed in half precision, and is held to F16_REL_L2.
 */
export function outputMismatch(got: Tensor | undefined, want: Tensor | undefined, at: { readonly index: number; readonly fp16?: boolean }): string | undefined {
  const index = at.index;
  if (!want) return got ? `output ${index} should be absent` : undefined;
  if (!got) return `output ${index} is missing`;
  if (got.dtype !== want.dtype || !sameShape(got.shape, want.shape)) {
    return `output ${index} is ${got.dtype}[${got.shape.join('x')}], expected ${want.dtype}[${want.shape.join('x')}]`;
  }
  const a = toFloat64(got);
  const b = toFloat64(want);
  if (!isFloat(want.dtype)) {
    const i = b.findIndex((v, k) => v !== a[k]);
    return i < 0 ? undefined : `output ${index} element ${i} is ${a[i]}, expected ${b[i]}`;
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (Number.isNaN(y) || Number.isNaN(x)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return `output ${index} element ${i} is ${x}, expected ${y}`;
      continue;
    }
    if (!Number.isFinite(y) || !Number.isFinite(x)) {
      if (x !== y) return `output ${index} element ${i} is ${x}, expected ${y}`;
      continue;
    }
    num += (x - y) ** 2;
    den += y ** 2;
  }
  const err = Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
  const limit = want.dtype === 'f16' || at.fp16 ? F16_REL_L2 : F32_REL_L2;
  return err <= limit || num === 0 ? undefined : `output ${index} has relative L2 error ${err.toExponential(2)} (limit ${limit})`;
}

/** The first mismatch between two output lists, or undefined (`fp16`: see outputMismatch). */
export function outputsMismatch(got: readonly (Tensor | undefined)[], want: readonly (Tensor | undefined)[], fp16 = false): string | undefined {
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    const why = outputMismatch(got[i], want[i], { index: i, fp16 });
    if (why) return why;
  }
  return undefined;
}
