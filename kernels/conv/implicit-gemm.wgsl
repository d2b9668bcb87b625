// Convolution as an implicit GEMM (1-D and 2-D, any memory layout, group 1): Y[m, col] = sum_k W[m, k] * X'[k, col]
// with M = C_out, N = batch * H_out * W_out (col = (n * H_out + oh) * W_out + ow) and
// K = C_in * KH * KW (k = (ci * KH + kh) * KW + kw). W is the weight as stored ([C_out, K], row major);
// X' is the im2col matrix of the input, never materialized: each B tile is gathered from x on the
// fly, with the padding checks. A 1-D conv comes in as H = KH = 1.
// Each workgroup computes a BM x BN tile of Y; BK-deep slices of W and X' are staged in workgroup
// memory, and each thread accumulates a TM x TN block in registers (rows ty + i * WG_M, columns
// tx + j * WG_N: neighbouring threads read neighbouring tile words and write neighbouring outputs).
// Meta: [0] M, [1] N (columns), [2] K, [3] C_in, [4] H, [5] W, [6] H_out, [7] W_out, [8] KH, [9] KW,
//       [10] [11] strides, [12] [13] dilations, [14] [15] pad begins (i32), [16] column tiles,
//       [17] [18] the activation's alpha and beta, [19..22] x's element strides for n, c, h, w,
//       [23..25] y's for n, m and the output pixel (the residual is laid out as y): the layouts
//       (src/ir/layout.ts) are only strides here.
// The next K slice is read from global memory into registers while the current one is multiplied.
// Tile sizes are override constants; the plan (src/tactics/families/conv.ts, implicitGemmTiles)
// checks that TM, TN <= MAX_T divide BM, BN, that the WG_M * WG_N threads split the A tile evenly
// (at most MAX_LOAD words each), that they split into BK rows of B, each thread gathering
// B_COLS <= MAX_LOAD columns of one row.
override BM: u32 = 64;
override BN: u32 = 64;
override BK: u32 = 16;
override TM: u32 = 4;
override TN: u32 = 4;
override WG_M: u32 = BM / TM;
override WG_N: u32 = BN / TN;
// The epilogue, as in kernels/conv/direct.wgsl: y = act(acc + bias[m] + residual[i]). HAS_BIAS is 1
// when binding 3 holds the bias (else the weight again, unread), HAS_RESIDUAL 1 when binding 4 holds a
// tensor of y's shape (else the input again, unread); ACT is an op code of kernels/common/unary.wgsl.
override HAS_BIAS: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;
override NT: u32 = WG_M * WG_N;
override A_LOADS: u32 = BM * BK / NT; // A words per thread and slice
override B_THREADS: u32 = NT / BK; // threads per B row
override B_COLS: u32 = BN / B_THREADS; // B columns per thread (n = tx_b + c * B_THREADS)
const MAX_T: u32 = 8u;
const MAX_LOAD: u32 = 8u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

// A tile [k][m] with one word of padding per row, so that storing a column of BK consecutive
// weights (one row of W) hits BK different banks; B tile [k][n].
override A_STRIDE: u32 = BM + 1u;
var<workgroup> a_tile: array<f32, BK * A_STRIDE>;
var<workgroup> b_tile: array<f32, BK * BN>;

// #include common/unary.wgsl

// Hook: what happens to output element i (of output channel m) once its sum is complete.
fn epilogue(acc: f32, m: u32, i: u32) {
  var v = acc;
  if (HAS_BIAS == 1u) { v += bias[m]; }
  if (HAS_RESIDUAL == 1u) { v += residual[i]; }
  y[i] = unary_op(ACT, v, meta_f32(17u), meta_f32(18u));
}

@compute @workgroup_size(WG_N, WG_M)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = meta_u32(0u);
  let N = meta_u32(1u);
  let K = meta_u32(2u);
  let H = meta_u32(4u);
  let W = meta_u32(5u);
  let hw_out = meta_u32(6u) * meta_u32(7u);
  let kw_size = meta_u32(9u);
  let khw = meta_u32(8u) * kw_size;
  let dil = vec2<u32>(meta_u32(12u), meta_u32(13u));
  let tiles_n = meta_u32(16u);

  let tile = linear_workgroup(wid, nwg);
  if (tile >= tiles_n * ((M + BM - 1u) / BM)) { return; } // a workgroup past the end of a folded grid
  let m0 = (tile / tiles_n) * BM;
  let n0 = (tile % tiles_n) * BN;
  let t = lid.y * WG_N + lid.x;

  // B: this thread gathers row b_row of every slice, at columns b_tx + c * B_THREADS (neighbouring
  // threads on neighbouring output pixels). Per column, once: where its window starts, and the
  // offset in x of (ci, kh, kw) = (0, 0, 0) (an i32: negative where the window starts in the padding).
  let b_row = t / B_THREADS;
  let b_tx = t % B_THREADS;
  var col_ok: array<bool, MAX_LOAD>;
  var col_ih: array<i32, MAX_LOAD>;
  var col_iw: array<i32, MAX_LOAD>;
  var col_base: array<i32, MAX_LOAD>;
  let xs = vec4<i32>(meta_i32(19u), meta_i32(20u), meta_i32(21u), meta_i32(22u));
  for (var c = 0u; c < B_COLS; c++) {
    let col = n0 + b_tx + c * B_THREADS;
    let pix = col % hw_out;
    col_ok[c] = col < N;
    col_ih[c] = i32(pix / meta_u32(7u)) * meta_i32(10u) - meta_i32(14u);
    col_iw[c] = i32(pix % meta_u32(7u)) * meta_i32(11u) - meta_i32(15u);
    col_base[c] = i32(col / hw_out) * xs.x + col_ih[c] * xs.z + col_iw[c] * xs.w;
  }

  // Software pipeline: step s reads slice s from global memory into registers, multiplies slice
  // s - 1 (in workgroup memory) while those reads are in flight, then stores slice s. One step more
  // than there are slices; the last one reads zeros.
  var a_next: array<f32, MAX_LOAD>;
  var b_next: array<f32, MAX_LOAD>;
  var acc: array<f32, 64>; // MAX_T * MAX_T, zero-initialized
  let steps = (K + BK - 1u) / BK + 1u;
  for (var s = 0u; s < steps; s++) {
    let k0 = s * BK;
    // A: consecutive threads on consecutive k (contiguous in W).
    for (var r = 0u; r < A_LOADS; r++) {
      let e = t + r * NT;
      let gm = m0 + e / BK;
      let gk = k0 + e % BK;
      var v = 0.0;
      if (gm < M && gk < K) { v = w[gm * K + gk]; }
      a_next[r] = v;
    }
    // B: k = (ci, kh, kw) decoded once per slice, one bounds check per column.
    let gk = k0 + b_row;
    let ci = gk / khw;
    let rem = gk % khw;
    let dh = (rem / kw_size) * dil.x;
    let dw = (rem % kw_size) * dil.y;
    let k_off = i32(ci) * xs.y + i32(dh) * xs.z + i32(dw) * xs.w;
    for (var c = 0u; c < B_COLS; c++) {
      let ih = col_ih[c] + i32(dh);
      let iw = col_iw[c] + i32(dw);
      var v = 0.0;
      if (gk < K && col_ok[c] && u32(ih) < H && u32(iw) < W) { v = x[u32(col_base[c] + k_off)]; }
      b_next[c] = v;
    }
    if (s > 0u) {
      for (var kk = 0u; kk < BK; kk++) {
        var ar: array<f32, MAX_T>;
        var br: array<f32, MAX_T>;
        for (var i = 0u; i < TM; i++) { ar[i] = a_tile[kk * A_STRIDE + lid.y + i * WG_M]; }
        for (var j = 0u; j < TN; j++) { br[j] = b_tile[kk * BN + lid.x + j * WG_N]; }
        for (var i = 0u; i < TM; i++) {
          for (var j = 0u; j < TN; j++) { acc[i * MAX_T + j] = fma(ar[i], br[j], acc[i * MAX_T + j]); }
        }
      }
    }
    workgroupBarrier(); // every thread is done multiplying slice s - 1
    for (var r = 0u; r < A_LOADS; r++) {
      let e = t + r * NT;
      a_tile[(e % BK) * A_STRIDE + e / BK] = a_next[r];
    }
    for (var c = 0u; c < B_COLS; c++) { b_tile[b_row * BN + b_tx + c * B_THREADS] = b_next[c]; }
    workgroupBarrier();
  }

  for (var j = 0u; j < TN; j++) {
    let c = n0 + lid.x + j * WG_N;
    if (c >= N) { continue; }
    let out_base = (c / hw_out) * meta_u32(23u) + (c % hw_out) * meta_u32(25u);
    for (var i = 0u; i < TM; i++) {
      let m = m0 + lid.y + i * WG_M;
      if (m < M) { epilogue(acc[i * MAX_T + j], m, out_base + m * meta_u32(24u)); }
    }
  }
}
