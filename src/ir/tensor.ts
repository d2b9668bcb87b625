import { GraphError } from '../errors.js';
import { allocate, f16BitsToF32, f32ToF16Bits, type DType, type TypedArrayOf } from './dtype.js';

export type Shape = readonly number[];

/** A dense tensor value on the CPU. */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: Shape;
  readonly data: TypedArrayOf[D];
}

/** The static type of a tensor in the graph. */
export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Bytes a tensor takes on the GPU row-major: one 32-bit word per element (see src/runtime/buffers.ts; a layout's: tensorBytes in src/engine/memory.ts). */
export function gpuBytes(t: TensorType): number {
  return Math.max(4, sizeOf(t.shape) * 4);
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function tensor<D extends DType>(dtype: D, shape: Shape, data?: TypedArrayOf[D] | ArrayLike<number>): Tensor<D> {
  const n = sizeOf(shape);
  let arr: TypedArrayOf[D];
  if (data === undefined) arr = allocate(dtype, n);
  else if (ArrayBuffer.isView(data)) arr = data as TypedArrayOf[D];
  else arr = fromNumbers(dtype, data);
  if (arr.length !== n) {
    throw new GraphError(`tensor of shape ${shapeToString(shape)} needs ${n} elements, got ${arr.length}`);
  }
  return { dtype, shape: [...shape], data: arr };
}

export function fromNumbers<D extends DType>(dtype: D, values: ArrayLike<number>): TypedArrayOf[D] {
  const out = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) setNumber(out, dtype, i, values[i]!);
  return out;
}

/** Element i as a JS number (i64 converted, f16 decoded, bool as 0/1). */
export function getNumber(data: TypedArrayOf[DType], dtype: DType, i: number): number {
  const v = data[i]!;
  if (dtype === 'f16') return f16BitsToF32(v as number);
  return typeof v === 'bigint' ? Number(v) : v;
}

export function setNumber(data: TypedArrayOf[DType], dtype: DType, i: number, v: number): void {
  switch (dtype) {
    case 'i64':
      (data as BigInt64Array)[i] = BigInt(Number.isFinite(v) ? Math.trunc(v) : 0);
      return;
    case 'f16':
      (data as Uint16Array)[i] = f32ToF16Bits(v);
      return;
    case 'bool':
      (data as Uint8Array)[i] = v ? 1 : 0;
      return;
    default:
      (data as Float32Array)[i] = v;
  }
}

/** All elements as float64 numbers: the reference executor's working form. */
export function toFloat64(t: Tensor): Float64Array {
  const n = t.data.length;
  const out = new Float64Array(n);
  if (t.dtype === 'i64') for (let i = 0; i < n; i++) out[i] = Number((t.data as BigInt64Array)[i]);
  else if (t.dtype === 'f16') for (let i = 0; i < n; i++) out[i] = f16BitsToF32((t.data as Uint16Array)[i]!);
  else out.set(t.data as Float32Array);
  return out;
}

/** Integers of a small constant tensor (shapes, axes, pads): the form attributes-as-inputs take. */
export function toInts(t: Tensor): number[] {
  return Array.from(toFloat64(t), (v) => Math.trunc(v));
}

export function fromFloat64<D extends DType>(dtype: D, shape: Shape, values: Float64Array | number[]): Tensor<D> {
  const out = allocate(dtype, values.length);
  if (dtype === 'f32') (out as Float32Array).set(values);
  else for (let i = 0; i < values.length; i++) setNumber(out, dtype, i, values[i]!);
  return tensor(dtype, shape, out);
}
