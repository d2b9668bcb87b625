import { allocate, type DType, type TypedArray } from '../ir/dtype.js';
import { sizeOf, stridesOf, tensor, type Shape, type Tensor } from '../ir/tensor.js';

/**
 * Element-moving helpers shared by the binary and layout reference kernels: numpy broadcasting
 * offsets and "each output element comes from one input element" copies that keep the dtype's
 * raw values (i64 stays bigint, f16 stays bits).
 */

type Elements = { [i: number]: number | bigint };

/** Copies element `si` of `src` to element `di` of `dst` (same dtype). */
export function copyElement(dst: TypedArray, di: number, src: TypedArray, si: number): void {
  (dst as unknown as Elements)[di] = (src as unknown as Elements)[si]!;
}

/** Calls `f(coords, i)` for every element of `shape` in row-major order (coords is reused). */
export function forEachIndex(shape: Shape, f: (coords: readonly number[], i: number) => void): void {
  const n = sizeOf(shape);
  const c = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    f(c, i);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++c[k]! < shape[k]!) break;
      c[k] = 0;
    }
  }
}

/**
 * For every element of the broadcast shape `out`, the flat index of the element of an operand
 * of shape `s` that numpy broadcasting reads (s is aligned to the right; size-1 axes repeat).
 */
export function broadcastOffsets(s: Shape, out: Shape): Int32Array {
  const strides = stridesOf(s);
  const lead = out.length - s.length;
  const offsets = new Int32Array(sizeOf(out));
  forEachIndex(out, (c, i) => {
    let o = 0;
    for (let k = 0; k < s.length; k++) if (s[k] !== 1) o += c[k + lead]! * strides[k]!;
    offsets[i] = o;
  });
  return offsets;
}

/**
 * A new tensor of `outShape` whose element at `coords` is x's element `source(coords)`, or
 * `fill` (set with setNumber-style value of the dtype) where source returns -1.
 */
export function mapElements(
  x: Tensor,
  outShape: Shape,
  source: (coords: readonly number[]) => number,
  fill?: (out: TypedArray, i: number) => void,
): Tensor {
  const out = allocate(x.dtype as DType, sizeOf(outShape));
  forEachIndex(outShape, (c, i) => {
    const s = source(c);
    if (s >= 0) copyElement(out, i, x.data, s);
    else fill?.(out, i);
  });
  return tensor(x.dtype, outShape, out);
}
