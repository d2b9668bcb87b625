// What the GEMM kernels (gemm/tiled.wgsl, gemm/gemv.wgsl) share: their meta layout, the batch
// offsets and the epilogue. The including kernel declares a, b, c, residual and y (arrays of f32)
// and the overrides HAS_RESIDUAL and ACT, and includes common/unary.wgsl before this file.
// Meta: [0] M, [1] N, [2] K, [3] has_c, [4] A row stride, [5] A k stride, [6] B k stride,
//       [7] B column stride, [8] C row stride, [9] C column stride (0 where C broadcasts),
//       [10] alpha, [11] beta, [12..15] batch dims, [16..19] A batch strides, [20..23] B batch strides,
//       [24] [25] the activation's alpha and beta.

// Element offsets of batch `z`'s A and B matrices (innermost batch dim last).
fn batch_offsets(z: u32) -> vec2<u32> {
  var rest = z;
  var off = vec2<u32>();
  for (var d = 3; d >= 0; d--) {
    let dim = meta_u32(12u + u32(d));
    let i = rest % dim;
    rest = rest / dim;
    off += i * vec2<u32>(meta_u32(16u + u32(d)), meta_u32(20u + u32(d)));
  }
  return off;
}

// Hook: what happens to a finished accumulator of y[m, n] at y's index out_index:
// y = act(alpha * acc + beta * C + residual).
fn epilogue(acc: f32, m: u32, n: u32, out_index: u32) {
  var v = meta_f32(10u) * acc;
  if (meta_u32(3u) != 0u) { v += meta_f32(11u) * c[m * meta_u32(8u) + n * meta_u32(9u)]; }
  if (HAS_RESIDUAL == 1u) { v += residual[out_index]; }
  y[out_index] = unary_op(ACT, v, meta_f32(24u), meta_f32(25u));
}
