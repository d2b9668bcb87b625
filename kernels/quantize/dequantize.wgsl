// DequantizeLinear: y = f32(x - zero_point) * scale, one thread per element. x and the zero point
// are i32 words (u8, i8 or i32 values), the scale f32 words; the difference is taken in i32 and
// converted once, then one f32 product, as the reference (src/reference/quantize.ts). The scale
// index of element i comes from x viewed as [outer, dim, inner] around the axis (see
// quantGeometry in src/ir/ops/quantize.ts): per tensor, per axis and blocked alike.
// Meta: [0] n, [1] dim, [2] inner, [3] block, [4..6] scale strides (outer, block, inner).
// PACKED: x is 8-bit channel-last, packed 4 channels to a word (src/ir/layout.ts; SIGNED: i8,
// else u8), and the scale per tensor: one thread per word of x, its 4 channels written to y at
// y's strides (either layout). Meta then: [0] words, [1] C, [2] words per pixel, [3] pixels per
// image, [4..6] y's strides of n, c and a pixel.
override WG: u32 = 256;
// 1 when binding 3 holds the zero point. Dawn keeps a binding that only an override-false branch
// reads in the 'auto' layout, so a plan without one binds x there again.
override HAS_ZP: u32 = 0u;
override PACKED: u32 = 0u;
override SIGNED: u32 = 1u;

@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> zero_point: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// #include quantize/common.wgsl

fn dequantize(q: i32, s: u32) -> f32 {
  var v = q;
  if (HAS_ZP == 1u) { v -= zero_point[s]; }
  return f32(v) * scale[s];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  if (PACKED == 0u) {
    y[i] = dequantize(x[i], scale_index(i));
    return;
  }
  let w = packed_word(i);
  var v = unpack4xI8(bitcast<u32>(x[i]));
  if (SIGNED == 0u) { v = vec4<i32>(unpack4xU8(bitcast<u32>(x[i]))); }
  for (var j = 0u; j < 4u; j++) {
    if (w.c0 + j < meta_u32(1u)) { y[w.at + (w.c0 + j) * meta_u32(5u)] = dequantize(v[j], 0u); }
  }
}
