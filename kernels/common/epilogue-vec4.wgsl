// The vec4 convolution epilogue of kernels/conv/implicit-gemm-nhwc.wgsl and
// kernels/conv/split-k-reduce.wgsl: y = act(acc + bias[m] + residual) for four channels
// m4 * 4 .. m4 * 4 + 3 at y's vec4 index i. The including kernel declares bias, residual and y
// (arrays of vec4<f32>), the overrides HAS_BIAS, HAS_RESIDUAL and ACT (an op code of
// common/unary.wgsl, included before this), and puts the activation's alpha and beta in the
// meta words ACT_ALPHA and ACT_ALPHA + 1.
fn epilogue4(acc: vec4<f32>, m4: u32, i: u32) {
  var v = acc;
  if (HAS_BIAS == 1u) { v += bias[m4]; }
  if (HAS_RESIDUAL == 1u) { v += residual[i]; }
  let a = meta_f32(ACT_ALPHA);
  let b = meta_f32(ACT_ALPHA + 1u);
  y[i] = vec4<f32>(unary_op(ACT, v.x, a, b), unary_op(ACT, v.y, a, b), unary_op(ACT, v.z, a, b), unary_op(ACT, v.w, a, b));
}
