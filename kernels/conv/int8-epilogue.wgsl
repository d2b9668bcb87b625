// The epilogue of the Int8Conv kernels (kernels/conv/int8-direct.wgsl, int8-implicit-gemm.wgsl),
// src/ir/ops/int8.ts's semantics: y = act(f32(acc) * x_scale * w_scale[m] + bias[m]), written as
// an f32 word, or with REQUANT as the i8 value saturate(round_half_even(y / y_scale)) in an i32
// word (WGSL's round() rounds ties to even). The including kernel declares bias, x_scale,
// w_scale, y_scale (f32 arrays) and y (u32 words: both output kinds are bit-cast into it), and
// the overrides HAS_BIAS, RELU and REQUANT.
fn int8_epilogue(acc: i32, m: u32, i: u32) {
  var v = f32(acc) * (x_scale[0] * w_scale[m]);
  if (HAS_BIAS == 1u) { v += bias[m]; }
  if (RELU == 1u) { v = max(v, 0.0); }
  if (REQUANT == 1u) {
    y[i] = bitcast<u32>(i32(clamp(round(v / y_scale[0]), -128.0, 127.0)));
  } else {
    y[i] = bitcast<u32>(v);
  }
}
