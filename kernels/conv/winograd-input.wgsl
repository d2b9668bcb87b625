// Winograd F(m x m, 3 x 3) convolution, step 1 of 3: the input transform. One thread per
// (input channel c, output tile p): it reads the α x α input patch (α = m + 2) under output tile p,
// zeros where the patch leaves the image (the pads), and writes V = Bᵀ d B to scratch as α² C x P
// row-major matrices V[ξ][c][p]: the B operands of the batched GEMM (conv/winograd-gemm.wgsl).
// Bᵀ (Lavin & Gray, arXiv:1509.09308), F(2, 3): [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1];
// F(4, 3), points 0, ±1, ±2, ∞: [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
// 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
// Meta (shared by the three Winograd kernels, see src/tactics/families/conv-winograd.ts):
// [0] N, [1] C, [2] K (output channels), [3] P (tiles over the batch), [4] [5] input H W,
// [6] [7] output H W, [8] [9] tiles along H and W, [10] [11] pad top and left (i32),
// [12..15] x strides (n, c, h, w), [16..19] y strides, [20] where the GEMM's product starts in
// scratch (words), [21] [22] the activation's alpha and beta.
override WG: u32 = 128;
override WM: u32 = 4; // m: 2 or 4
const A6: u32 = 6u; // row length of the patch arrays: the largest α

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> scratch: array<f32>;

// The 1-D transform Bᵀ v of α values (entries past α unused). WM is constant per pipeline, so
// one branch remains.
fn bt(v: array<f32, 6>) -> array<f32, 6> {
  var o: array<f32, 6>;
  if (WM == 2u) {
    o[0] = v[0] - v[2];
    o[1] = v[1] + v[2];
    o[2] = v[2] - v[1];
    o[3] = v[1] - v[3];
  } else {
    o[0] = 4.0 * v[0] - 5.0 * v[2] + v[4];
    o[1] = v[3] + v[4] - 4.0 * (v[1] + v[2]);
    o[2] = 4.0 * (v[1] - v[2]) + v[4] - v[3];
    o[3] = 2.0 * (v[3] - v[1]) + v[4] - v[2];
    o[4] = 2.0 * (v[1] - v[3]) + v[4] - v[2];
    o[5] = 4.0 * v[1] - 5.0 * v[3] + v[5];
  }
  return o;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  let C = meta_u32(1u);
  let P = meta_u32(3u);
  if (i >= C * P) { return; }
  let c = i / P; // p fastest: consecutive threads write consecutive words of each V[ξ]
  let p = i % P;
  let per_image = meta_u32(8u) * meta_u32(9u);
  let n = p / per_image;
  let t = p % per_image;
  let h0 = i32((t / meta_u32(9u)) * WM) - meta_i32(10u);
  let w0 = i32((t % meta_u32(9u)) * WM) - meta_i32(11u);
  let H = i32(meta_u32(4u));
  let W = i32(meta_u32(5u));
  let base = n * meta_u32(12u) + c * meta_u32(13u);
  let sh = meta_u32(14u);
  let sw = meta_u32(15u);
  let a = WM + 2u;

  var d: array<f32, 36>; // the patch, [row][column] with rows of A6
  for (var r = 0u; r < a; r++) {
    let h = h0 + i32(r);
    for (var s = 0u; s < a; s++) {
      let w = w0 + i32(s);
      var v = 0.0;
      if (h >= 0 && h < H && w >= 0 && w < W) { v = x[base + u32(h) * sh + u32(w) * sw]; }
      d[r * A6 + s] = v;
    }
  }
  // Bᵀ d: each column; then (Bᵀ d) B: each row.
  var col: array<f32, 6>;
  for (var s = 0u; s < a; s++) {
    for (var r = 0u; r < a; r++) { col[r] = d[r * A6 + s]; }
    let o = bt(col);
    for (var r = 0u; r < a; r++) { d[r * A6 + s] = o[r]; }
  }
  let plane = C * P;
  for (var r = 0u; r < a; r++) {
    var row: array<f32, 6>;
    for (var s = 0u; s < a; s++) { row[s] = d[r * A6 + s]; }
    let o = bt(row);
    for (var s = 0u; s < a; s++) { scratch[(r * a + s) * plane + i] = o[s]; } // i = c * P + p
  }
}
