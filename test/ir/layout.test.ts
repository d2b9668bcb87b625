// Memory layouts (src/ir/layout.ts): the buffer an activation has in each layout, against words
// computed here from the logical NCHW indices. An 8-bit channel-last tensor is packed 4 channels
// to a little-endian word, C padded with zero bytes; everything else is one element per word.
import { describe, expect, it } from 'vitest';
import { fromPhysical, isPacked, physicalType, toPhysical } from '../../src/ir/layout.js';
import { fromFloat64, toFloat64 } from '../../src/ir/tensor.js';

const [N, C, H, W] = [2, 6, 3, 2];
const values = Array.from({ length: N * C * H * W }, (_, i) => ((i * 37) % 256) - 128);
const at = (n: number, c: number, h: number, w: number) => ((n * C + c) * H + h) * W + w;

describe('physical layouts', () => {
  it('i8 channel-last: words N x H x W x ceil(C / 4), channel c in byte c % 4 of word c / 4, the bytes past C zero', () => {
    const t = fromFloat64('i8', [N, C, H, W], values);
    expect(isPacked(t, 'nhwc')).toBe(true);
    const type = physicalType(t, 'nhwc');
    expect(type).toEqual({ dtype: 'i32', shape: [N, H, W, 2] });
    const p = toPhysical(t, 'nhwc');
    expect(p.shape).toEqual(type.shape);
    const bytes = new DataView((p.data as Int32Array).buffer);
    for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < 8; c++) {
      const byte = bytes.getInt8((((n * H + h) * W + w) * 2 + (c >> 2)) * 4 + (c & 3));
      expect(byte, `n${n} c${c} h${h} w${w}`).toBe(c < C ? values[at(n, c, h, w)] : 0);
    }
    expect(toFloat64(fromPhysical(p, t, 'nhwc'))).toEqual(Float64Array.from(values));
  });

  it('u8 channel-last packs the same bytes and reads them back unsigned', () => {
    const t = fromFloat64('u8', [N, C, H, W], values.map((v) => v + 128));
    const p = toPhysical(t, 'nhwc');
    expect(new Uint8Array((p.data as Int32Array).buffer)[0]).toBe(values[at(0, 0, 0, 0)]! + 128);
    expect(toFloat64(fromPhysical(p, t, 'nhwc'))).toEqual(Float64Array.from(values, (v) => v + 128));
  });

  it('other dtypes, and every dtype row-major, stay one element per word', () => {
    const f = fromFloat64('f32', [N, C, H, W], values);
    expect(isPacked(f, 'nhwc')).toBe(false);
    expect(physicalType(f, 'nhwc')).toEqual({ dtype: 'f32', shape: [N, H, W, C] });
    const p = toPhysical(f, 'nhwc');
    expect((p.data as Float32Array)[((1 * H + 2) * W + 1) * C + 5]).toBe(values[at(1, 5, 2, 1)]);
    expect(toFloat64(fromPhysical(p, f, 'nhwc'))).toEqual(Float64Array.from(values));
    const i = fromFloat64('i8', [N, C, H, W], values);
    expect(isPacked(i, 'nchw')).toBe(false);
    expect(physicalType(i, 'nchw')).toEqual({ dtype: 'i8', shape: [N, C, H, W] });
    expect(toPhysical(i, 'nchw')).toBe(i);
  });
});
