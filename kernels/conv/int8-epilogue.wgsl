// The epilogue every Int8Conv kernel shares (kernels/conv/int8-direct.wgsl, int8-implicit-gemm.wgsl,
// int8-mma.wgsl, int8-nhwc.wgsl, int8-split-k-reduce.wgsl): its bindings, 1 to 6, and
// src/ir/ops/int8.ts's semantics:
//   y = act(f32(acc) * x_scale * w_scale[m] + bias[m] + residual[i]),
// written as an f32 word, or with REQUANT as the i8 value saturate(round_half_even(y / y_scale) +
// Y_ZP) (WGSL's round() rounds ties to even): an i32 word (int8_epilogue), or a byte of a packed
// channel-last word (int8_epilogue4). y is u32 words (both output kinds are bit-cast into it); i
// is y's element, in whatever layout the kernel writes.
// HAS_BIAS: binding 1 holds the bias (else w_scale again, unread); RELU: the activation;
// REQUANT: binding 4 holds y_scale and y is i8 (else x_scale again, unread, and y is f32);
// RESIDUAL: binding 6 holds an f32 tensor of y's shape and layout, added before the activation
// (else w_scale again, unread). Dawn keeps a binding that only an override-false branch reads in
// the 'auto' layout, so the stand-ins stay bound.
override HAS_BIAS: u32 = 0u;
override RELU: u32 = 0u;
override REQUANT: u32 = 0u;
override RESIDUAL: u32 = 0u;
// The zero points (int8 values): X_ZP is what a tap in the padding counts as (the graph pass folds
// its correction into the bias); Y_ZP is added when requantizing.
override X_ZP: i32 = 0;
override Y_ZP: i32 = 0;

@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read> x_scale: array<f32>;
@group(0) @binding(3) var<storage, read> w_scale: array<f32>;
@group(0) @binding(4) var<storage, read> y_scale: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<u32>;
@group(0) @binding(6) var<storage, read> residual: array<f32>;

// y's value at word i of output channel m before it is stored: f32, or with REQUANT the i8 value.
fn int8_value(acc: i32, m: u32, i: u32) -> f32 {
  var v = f32(acc) * (x_scale[0] * w_scale[m]);
  if (HAS_BIAS == 1u) { v += bias[m]; }
  if (RESIDUAL == 1u) { v += residual[i]; }
  if (RELU == 1u) { v = max(v, 0.0); }
  if (REQUANT == 1u) { v = clamp(round(v / y_scale[0]) + f32(Y_ZP), -128.0, 127.0); }
  return v;
}

// A row-major kernel's epilogue: element i of y, one word.
fn int8_epilogue(acc: i32, m: u32, i: u32) {
  let v = int8_value(acc, m, i);
  y[i] = select(bitcast<u32>(v), bitcast<u32>(i32(v)), REQUANT == 1u);
}

// A channel-last kernel's epilogue (kernels/conv/int8-nhwc.wgsl, int8-split-k-reduce.wgsl): output
// channels m .. m + 3 of one pixel, elements i .. i + 3 of y (i a multiple of 4). With REQUANT y
// is i8 channel-last, stored packed (src/ir/layout.ts): the four values are word i / 4.
fn int8_epilogue4(acc: vec4<i32>, m: u32, i: u32) {
  let v = vec4<f32>(int8_value(acc.x, m, i), int8_value(acc.y, m + 1u, i + 1u), int8_value(acc.z, m + 2u, i + 2u), int8_value(acc.w, m + 3u, i + 3u));
  if (REQUANT == 1u) {
    y[i / 4u] = pack4xI8(vec4<i32>(v));
  } else {
    for (var j = 0u; j < 4u; j++) { y[i + j] = bitcast<u32>(v[j]); }
  }
}
