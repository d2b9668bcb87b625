// The body of the implicit GEMM convolution kernels (kernels/conv/implicit-gemm.wgsl in f32,
// kernels/conv/implicit-gemm-f16.wgsl in half precision); what it computes, its tiles and its meta
// are described there. The including kernel declares the bindings x, w, bias, residual and y, the
// type `tile_t` of the staged tiles, and the hooks load_w (a weight element as tile_t), load_x (an
// input element as tile_t) and mac (acc + a * b, as an f32), and includes common/unary.wgsl.
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

// A tile [k][m] with one word of padding per row, so that storing a column of BK consecutive
// weights (one row of W) hits BK different banks; B tile [k][n].
override A_STRIDE: u32 = BM + 1u;
var<workgroup> a_tile: array<tile_t, BK * A_STRIDE>;
var<workgroup> b_tile: array<tile_t, BK * BN>;

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
  var a_next: array<tile_t, MAX_LOAD>;
  var b_next: array<tile_t, MAX_LOAD>;
  var acc: array<f32, 64>; // MAX_T * MAX_T, zero-initialized
  let steps = (K + BK - 1u) / BK + 1u;
  for (var s = 0u; s < steps; s++) {
    let k0 = s * BK;
    // A: consecutive threads on consecutive k (contiguous in W).
    for (var r = 0u; r < A_LOADS; r++) {
      let e = t + r * NT;
      let gm = m0 + e / BK;
      let gk = k0 + e % BK;
      var v = tile_t();
      if (gm < M && gk < K) { v = load_w(gm * K + gk); }
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
      var v = tile_t();
      if (gk < K && col_ok[c] && u32(ih) < H && u32(iw) < W) { v = load_x(u32(col_base[c] + k_off)); }
      b_next[c] = v;
    }
    if (s > 0u) {
      for (var kk = 0u; kk < BK; kk++) {
        var ar: array<tile_t, MAX_T>;
        var br: array<tile_t, MAX_T>;
        for (var i = 0u; i < TM; i++) { ar[i] = a_tile[kk * A_STRIDE + lid.y + i * WG_M]; }
        for (var j = 0u; j < TN; j++) { br[j] = b_tile[kk * BN + lid.x + j * WG_N]; }
        for (var i = 0u; i < TM; i++) {
          for (var j = 0u; j < TN; j++) { acc[i * MAX_T + j] = mac(ar[i], br[j], acc[i * MAX_T + j]); }
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
