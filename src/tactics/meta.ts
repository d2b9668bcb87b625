/**
 * Builds the metadata words a kernel reads from its uniform (binding 0). All values are 32-bit
 * words: integers as u32 (negative ints wrap, read with bitcast<i32>), floats bit-cast.
 * The WGSL side reads them with `meta_u32(i)`, `meta_i32(i)`, `meta_f32(i)` from
 * kernels/common/prelude.wgsl.
 */
export const META_WORDS = 128;

const f = new Float32Array(1);
const u = new Uint32Array(f.buffer);

export class Meta {
  readonly words: number[] = [];
  u32(...v: number[]): this {
    for (const x of v) this.words.push(x >>> 0);
    return this;
  }
  i32(...v: number[]): this {
    for (const x of v) this.words.push((x | 0) >>> 0);
    return this;
  }
  f32(...v: number[]): this {
    for (const x of v) {
      f[0] = x;
      this.words.push(u[0]!);
    }
    return this;
  }
  /** A list of `n` words padded with `fill` (for fixed-size shape/stride slots). */
  padded(v: readonly number[], n: number, fill = 0): this {
    if (v.length > n) throw new Error(`meta: ${v.length} values do not fit ${n} slots`);
    for (let i = 0; i < n; i++) this.u32(i < v.length ? v[i]! : fill);
    return this;
  }
  done(): number[] {
    if (this.words.length > META_WORDS) throw new Error(`meta: ${this.words.length} words exceed ${META_WORDS}`);
    return this.words;
  }
}

/** Splits a 1-D count of workgroups over x and y so that neither exceeds the WebGPU limit. */
export function grid(workgroups: number, maxPerDim = 65535): [number, number, number] {
  const n = Math.max(1, Math.ceil(workgroups));
  if (n <= maxPerDim) return [n, 1, 1];
  const y = Math.ceil(n / maxPerDim);
  return [Math.ceil(n / y), y, 1];
}
