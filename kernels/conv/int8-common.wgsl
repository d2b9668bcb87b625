// What the row-major Int8Conv kernels (kernels/conv/int8-direct.wgsl, int8-implicit-gemm.wgsl,
// int8-mma.wgsl) share besides the epilogue (conv/int8-epilogue.wgsl, included first): x and w
// (bindings 7 and 8, i32 words, one per i8 element), packing 4 channels of x or w into a u32 for
// dot4I8Packed, and the implicit GEMM's operand words (at the end).
@group(0) @binding(7) var<storage, read> x: array<i32>;
@group(0) @binding(8) var<storage, read> w: array<i32>;

// A packed word of x in the padding: four X_ZP.
fn pad_word() -> u32 {
  return pack4xI8(vec4<i32>(X_ZP));
}

// `count` (1..4) words of x from `base`, `stride` apart, packed as 4 x i8 (the rest 0).
fn pack_x(base: u32, stride: u32, count: u32) -> u32 {
  if (count >= 4u) { return pack4xI8(vec4<i32>(x[base], x[base + stride], x[base + 2u * stride], x[base + 3u * stride])); }
  var v = vec4<i32>(0);
  for (var j = 0u; j < count; j++) { v[j] = x[base + j * stride]; }
  return pack4xI8(v);
}

fn pack_w(base: u32, stride: u32, count: u32) -> u32 {
  if (count >= 4u) { return pack4xI8(vec4<i32>(w[base], w[base + stride], w[base + 2u * stride], w[base + 3u * stride])); }
  var v = vec4<i32>(0);
  for (var j = 0u; j < count; j++) { v[j] = w[base + j * stride]; }
  return pack4xI8(v);
}

// The implicit GEMM of kernels/conv/int8-implicit-gemm.wgsl and int8-mma.wgsl, whose meta share
// [0] M, [1] C, [2] C/group, [3] M/group, [4] H, [5] W, [6] H_out, [7] W_out, [8] KH, [9] KW,
// [10] [11] strides, [12] [13] dilations, [14] [15] pad begins (i32), [16] columns, [17] CG4,
// [18] K words: its geometry, read once per workgroup, and its operands as packed words. Word kk
// of K is input channels 4 * (kk % CG4) .. + 3 of the group at window tap kk / CG4.
struct GemmGeometry {
  c_in: u32, cg: u32, mg: u32, cg4: u32, ksize: u32, kw_n: u32,
  in_h: i32, in_w: i32, out_w: u32, pixels: u32, plane: u32,
  stride: vec2<i32>, dil: vec2<i32>, pad: vec2<i32>,
}

fn gemm_geometry() -> GemmGeometry {
  let in_h = meta_i32(4u);
  let in_w = meta_i32(5u);
  return GemmGeometry(
    meta_u32(1u), meta_u32(2u), meta_u32(3u), meta_u32(17u), meta_u32(8u) * meta_u32(9u), meta_u32(9u),
    in_h, in_w, meta_u32(7u), meta_u32(6u) * meta_u32(7u), u32(in_h * in_w),
    vec2<i32>(meta_i32(10u), meta_i32(11u)), vec2<i32>(meta_i32(12u), meta_i32(13u)), vec2<i32>(meta_i32(14u), meta_i32(15u)));
}

// Word kk of output channel `row` of group g's weight rows: the weight is bound packed as the
// GEMM's A operand ('i8x4' in src/tactics/pack.ts: [M, K words], word kk = tap * CG4 + c4).
fn gemm_w_word(geo: GemmGeometry, g: u32, row: u32, kk: u32) -> u32 {
  return bitcast<u32>(w[(g * geo.mg + row) * geo.ksize * geo.cg4 + kk]);
}

// Column col (= (n * H_out + oh) * W_out + ow) of group g's im2col matrix, decoded once per
// thread and column so that each word below costs at most two divisions, not eight: where its image's
// channels start in x (group g's first), and the window's top-left input pixel.
struct GemmColumn { base: u32, ih0: i32, iw0: i32 }

fn gemm_column(geo: GemmGeometry, g: u32, col: u32) -> GemmColumn {
  var n = col; // one output pixel per image (a GEMM): no division
  var oh = 0u;
  var ow = 0u;
  if (geo.pixels > 1u) {
    n = col / geo.pixels;
    let p = col - n * geo.pixels;
    oh = p / geo.out_w;
    ow = p - oh * geo.out_w;
  }
  return GemmColumn((n * geo.c_in + g * geo.cg) * geo.plane, i32(oh) * geo.stride.x - geo.pad.x, i32(ow) * geo.stride.y - geo.pad.y);
}

// Word kk of a column: four X_ZP for a tap in the padding.
fn gemm_x_word(geo: GemmGeometry, c: GemmColumn, kk: u32) -> u32 {
  var tap = 0u; // a 1 x 1 kernel (most of a ResNet's): no division
  if (geo.ksize > 1u) { tap = kk / geo.cg4; }
  let c0 = (kk - tap * geo.cg4) * 4u;
  var kh = tap;
  if (geo.kw_n > 1u) { kh = tap / geo.kw_n; }
  let ih = c.ih0 + i32(kh) * geo.dil.x;
  let iw = c.iw0 + i32(tap - kh * geo.kw_n) * geo.dil.y;
  if (ih < 0 || ih >= geo.in_h || iw < 0 || iw >= geo.in_w) { return pad_word(); }
  return pack_x(c.base + c0 * geo.plane + u32(ih * geo.in_w + iw), geo.plane, min(4u, geo.cg - c0));
}
