// What kernels/quantize/quantize.wgsl and dequantize.wgsl share (their meta as they say): where
// element i finds its scale, and, with PACKED, where the channels of packed word i lie on the
// other (unpacked) side.

// The scale index of element i: x viewed as [outer, dim, inner] around the axis (quantGeometry in
// src/ir/ops/quantize.ts), per tensor, per axis and blocked alike.
fn scale_index(i: u32) -> u32 {
  let dim = meta_u32(1u);
  let inner = meta_u32(2u);
  let j = i % inner;
  let d = (i / inner) % dim;
  let o = i / (inner * dim);
  return o * meta_u32(4u) + (d / meta_u32(3u)) * meta_u32(5u) + j * meta_u32(6u);
}

// Packed word i holds channels c0 .. c0 + 3 of one pixel; `at` is that pixel's channel 0 on the
// unpacked side, whose channel c is element at + c * meta [5].
struct PackedWord { c0: u32, at: u32 }

fn packed_word(i: u32) -> PackedWord {
  let c4 = meta_u32(2u);
  let pixel = i / c4;
  let plane = meta_u32(3u);
  let n = pixel / plane;
  return PackedWord(4u * (i - pixel * c4), n * meta_u32(4u) + (pixel - n * plane) * meta_u32(6u));
}
