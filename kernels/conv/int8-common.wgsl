// What the Int8Conv kernels (kernels/conv/int8-direct.wgsl, int8-implicit-gemm.wgsl, int8-mma.wgsl)
// share: their bindings, packing 4 channels of x or w into a u32 for dot4I8Packed, and the
// epilogue, src/ir/ops/int8.ts's semantics:
//   y = act(f32(acc) * x_scale * w_scale[m] + bias[m] + residual[i]),
// written as an f32 word, or with REQUANT as the i8 value saturate(round_half_even(y / y_scale) +
// Y_ZP) in an i32 word (WGSL's round() rounds ties to even). x and w are i32 words (one per i8 element);
// y is u32 words (both output kinds are bit-cast into it).
// HAS_BIAS: binding 3 holds the bias (else w_scale again, unread); RELU: the activation;
// REQUANT: binding 6 holds y_scale and y is i8 (else x_scale again, unread, and y is f32);
// RESIDUAL: binding 8 holds an f32 tensor of y's shape, added before the activation (else
// w_scale again, unread). Dawn keeps a binding that only an override-false branch reads in the
// 'auto' layout, so the stand-ins stay bound.
override HAS_BIAS: u32 = 0u;
override RELU: u32 = 0u;
override REQUANT: u32 = 0u;
override RESIDUAL: u32 = 0u;
// The zero points (int8 values): X_ZP is what a tap in the padding counts as (the graph pass folds
// its correction into the bias); Y_ZP is added when requantizing.
override X_ZP: i32 = 0;
override Y_ZP: i32 = 0;

@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> w: array<i32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> x_scale: array<f32>;
@group(0) @binding(5) var<storage, read> w_scale: array<f32>;
@group(0) @binding(6) var<storage, read> y_scale: array<f32>;
@group(0) @binding(7) var<storage, read_write> y: array<u32>;
@group(0) @binding(8) var<storage, read> residual: array<f32>;

fn int8_epilogue(acc: i32, m: u32, i: u32) {
  var v = f32(acc) * (x_scale[0] * w_scale[m]);
  if (HAS_BIAS == 1u) { v += bias[m]; }
  if (RESIDUAL == 1u) { v += residual[i]; }
  if (RELU == 1u) { v = max(v, 0.0); }
  if (REQUANT == 1u) {
    y[i] = bitcast<u32>(i32(clamp(round(v / y_scale[0]) + f32(Y_ZP), -128.0, 127.0)));
  } else {
    y[i] = bitcast<u32>(v);
  }
}

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
