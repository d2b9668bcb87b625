// The epilogue every Int8Conv kernel shares (kernels/conv/int8-direct.wgsl, int8-implicit-gemm.wgsl,
// int8-mma.wgsl, int8-nhwc.wgsl, int8-split-k-reduce.wgsl): its bindings, 1 to 6, and
// src/ir/ops/int8.ts's semantics:
//   y = act(f32(acc) * x_scale * w_scale[m] + bias[m] + residual[i]),
// written as an f32 word, or with REQUANT as the i8 value saturate(round_half_even(y / y_scale) +
// Y_ZP) in an i32 word (WGSL's round() rounds ties to even). y is u32 words (both output kinds
// are bit-cast into it); i is y's word, in whatever layout the kernel writes.
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
