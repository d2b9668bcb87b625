/** Element types of the IR. f16 values are stored as their IEEE half bit patterns. */
export type DType = 'f32' | 'f16' | 'i8' | 'u8' | 'i32' | 'i64' | 'bool';

export const DTYPES: readonly DType[] = ['f32', 'f16', 'i8', 'u8', 'i32', 'i64', 'bool'];

export interface TypedArrayOf {
  f32: Float32Array;
  f16: Uint16Array;
  i8: Int8Array;
  u8: Uint8Array;
  i32: Int32Array;
  i64: BigInt64Array;
  bool: Uint8Array;
}
export type TypedArray = TypedArrayOf[DType];

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  f32: 4, f16: 2, i8: 1, u8: 1, i32: 4, i64: 8, bool: 1,
};

export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && (DTYPES as readonly string[]).includes(s);
}

export function isFloat(d: DType): boolean {
  return d === 'f32' || d === 'f16';
}

export function allocate<D extends DType>(dtype: D, n: number): TypedArrayOf[D] {
  const make: { [K in DType]: (n: number) => TypedArrayOf[K] } = {
    f32: (k) => new Float32Array(k),
    f16: (k) => new Uint16Array(k),
    i8: (k) => new Int8Array(k),
    u8: (k) => new Uint8Array(k),
    i32: (k) => new Int32Array(k),
    i64: (k) => new BigInt64Array(k),
    bool: (k) => new Uint8Array(k),
  };
  return make[dtype](n);
}

// ---- IEEE half conversion (round to nearest even) -------------------------------------------
const f32Buf = new Float32Array(1);
const u32Buf = new Uint32Array(f32Buf.buffer);

export function f32ToF16Bits(v: number): number {
  f32Buf[0] = v;
  const x = u32Buf[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
