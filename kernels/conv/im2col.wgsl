// im2col: the first dispatch of conv.im2col (src/tactics/families/conv-im2col.ts). Lays out every
// image's receptive fields as a K x P row-major matrix in scratch, col[n][k][p] with
// k = (c * KH + kh) * KW + kw (the order of a weight row [C, KH, KW]) and p = oh * OW + ow, zeros
// where a window reaches into the pads; gemm/tiled.wgsl then multiplies the [C_out, K] weight by
// it, one image per grid z. One thread per element, p fastest: neighbouring threads write
// neighbouring words. x is row-major N x C x H x W (a 1-D conv has H = KH = 1).
// Meta: [0] elements (N * K * P), [1] C, [2] [3] input H W, [4] [5] output H W, [6] [7] kernel,
// [8] [9] strides, [10] [11] dilations, [12] [13] pad top and left (i32).
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> col: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let C = meta_u32(1u);
  let H = meta_u32(2u);
  let W = meta_u32(3u);
  let OW = meta_u32(5u);
  let KH = meta_u32(6u);
  let KW = meta_u32(7u);
  let P = meta_u32(4u) * OW;
  let K = C * KH * KW;
  let p = i % P;
  let k = (i / P) % K;
  let n = i / (P * K);
  let c = k / (KH * KW);
  let kh = (k / KW) % KH;
  let kw = k % KW;
  let ih = i32((p / OW) * meta_u32(8u) + kh * meta_u32(10u)) - meta_i32(12u);
  let iw = i32((p % OW) * meta_u32(9u) + kw * meta_u32(11u)) - meta_i32(13u);
  var v = 0.0;
  if (ih >= 0 && ih < i32(H) && iw >= 0 && iw < i32(W)) { v = x[((n * C + c) * H + u32(ih)) * W + u32(iw)]; }
  col[i] = v;
}
