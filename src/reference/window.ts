import type { WindowGeometry } from '../ir/ops/index.js';
import { sizeOf, stridesOf, type Shape } from '../ir/tensor.js';

/** Calls fn with every index of `shape` in row-major order (and its flat position). */
export function forEachIndex(shape: Shape, fn: (idx: readonly number[], flat: number) => void): void {
  const n = sizeOf(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    fn(idx, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/** One position of a Conv or pool window. */
export interface Tap {
  /** Flat index of the position within the kernel (the weight's spatial offset for Conv). */
  readonly kernel: number;
  /** Flat spatial offset into the input, or -1 where the position falls outside the input. */
  readonly offset: number;
  /** Whether the position lies inside the input grown by its pads (what count_include_pad counts). */
  readonly inPadded: boolean;
}

/** The window positions that output position `out` reads (ONNX: in = out*stride - pad_begin + k*dilation). */
export function windowTaps(geo: WindowGeometry, inSpatial: Shape, out: readonly number[]): Tap[] {
  const rank = inSpatial.length;
  const inStrides = stridesOf(inSpatial);
  const taps: Tap[] = [];
  forEachIndex(geo.kernel, (k, kernel) => {
    let offset = 0;
    let inside = true;
    let inPadded = true;
    for (let d = 0; d < rank; d++) {
      const p = out[d]! * geo.strides[d]! - geo.pads[d]! + k[d]! * geo.dilations[d]!;
      if (p < 0 || p >= inSpatial[d]!) inside = false;
      if (p < -geo.pads[d]! || p >= inSpatial[d]! + geo.pads[d + rank]!) inPadded = false;
      offset += p * inStrides[d]!;
    }
    taps.push({ kernel, offset: inside ? offset : -1, inPadded });
  });
  return taps;
}

/**
 * The column-major (first dim fastest) position of the element at row-major position `offset`
 * of `shape`: MaxPool's Indices with storage_order=1.
 */
export function columnMajorOffset(offset: number, shape: Shape): number {
  let r = offset;
  let out = 0;
  let stride = sizeOf(shape);
  for (let d = shape.length - 1; d >= 0; d--) {
    stride /= shape[d]!;
    out += (r % shape[d]!) * stride;
    r = Math.floor(r / shape[d]!);
  }
  return out;
}
