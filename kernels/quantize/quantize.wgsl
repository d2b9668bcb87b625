// QuantizeLinear: y = saturate(round_half_to_even(x / scale) + zero_point), one thread per
// element. x and the scale are f32 words (f16 values widened); the zero point and y are i32 words
// holding u8 or i8 values. As the reference (src/reference/quantize.ts): the quotient is taken in
// f32, NaN quantizes as 0 (to the zero point), infinities saturate. WGSL's round() rounds ties to
// even. The scale index of element i comes from x viewed as [outer, dim, inner] around the axis
// (see quantGeometry in src/ir/ops/quantize.ts): per tensor, per axis and blocked alike.
// Meta: [0] n, [1] dim, [2] inner, [3] block, [4..6] scale strides (outer, block, inner),
//       [7] lowest and [8] highest output value (i32).
// PACKED: y is 8-bit channel-last, packed 4 channels to a word (src/ir/layout.ts), and the scale
// per tensor: one thread per word of y, its 4 channels read from x at x's strides (either
// layout). Meta then: [0] words, [1] C, [2] words per pixel, [3] pixels per image, [4..6] x's
// strides of n, c and a pixel, [7] [8] as above.
override WG: u32 = 256;
// 1 when binding 3 holds the zero point. Dawn keeps a binding that only an override-false branch
// reads in the 'auto' layout, so a plan without one binds the (read-only) scale there again.
override HAS_ZP: u32 = 0u;
override PACKED: u32 = 0u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> zero_point: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<i32>;

// #include quantize/common.wgsl

fn quantize(v: f32, s: u32) -> i32 {
  var q = v / scale[s];
  if ((bitcast<u32>(q) & 0x7fffffffu) > 0x7f800000u) { q = 0.0; } // NaN
  var r = round(q);
  if (HAS_ZP == 1u) { r += f32(zero_point[s]); }
  return i32(clamp(r, f32(meta_i32(7u)), f32(meta_i32(8u))));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  if (PACKED == 0u) {
    y[i] = quantize(x[i], scale_index(i));
    return;
  }
  let w = packed_word(i);
  var q = vec4<i32>(0); // channels past C: zero bytes
  for (var j = 0u; j < 4u; j++) {
    if (w.c0 + j < meta_u32(1u)) { q[j] = quantize(x[w.at + (w.c0 + j) * meta_u32(5u)], 0u); }
  }
  y[i] = bitcast<i32>(pack4xI8(q));
}
