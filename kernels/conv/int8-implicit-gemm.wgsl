// Int8Conv (src/ir/ops/int8.ts) as an implicit GEMM per group, 1-D and 2-D (a 1-D conv comes in as
// H = KH = 1): Y[m, col] = Σ_k dot4I8Packed(W4[m, k], X4[k, col]) with m an output channel of the
// group, col = (n * H_out + oh) * W_out + ow, and k = (kh * KW + kw) * CG4 + c4 a packed word: input
// channels 4 * c4 .. 4 * c4 + 3 of the group at one window position (channels past C / group are 0).
// i8 tensors are one i32 word per element on the GPU (src/runtime/buffers.ts): W4 is bound packed
// ('i8x4', src/tactics/pack.ts), X4 is packed (pack4xI8) as its BK-deep slices are staged in
// workgroup memory, so the multiply loop reads one u32 per 4 multiply-adds and the int32 sums are
// exact. X4, the im2col matrix, is gathered on the
// fly with the padding checks. Each workgroup computes a BM x BN tile of one group's Y, each thread
// a TM x TN block (rows ty + i * WG_M, columns tx + j * WG_N: neighbours read neighbouring words).
// Meta: [0] M, [1] C, [2] C/group, [3] M/group, [4] H, [5] W, [6] H_out, [7] W_out, [8] KH, [9] KW,
//       [10] [11] strides, [12] [13] dilations, [14] [15] pad begins (i32), [16] columns
//       (N * H_out * W_out), [17] CG4 = ceil(C/group / 4), [18] K = KH * KW * CG4, [19] row tiles,
//       [20] column tiles, [21] workgroups (groups * row tiles * column tiles).
// The plan (src/tactics/families/int8-conv.ts) checks that TM, TN <= MAX_T divide BM, BN.
override BM: u32 = 64;
override BN: u32 = 64;
override BK: u32 = 8;
override TM: u32 = 4;
override TN: u32 = 4;
override WG_M: u32 = BM / TM;
override WG_N: u32 = BN / TN;
override NT: u32 = WG_M * WG_N;
const MAX_T: u32 = 8u;
// Bindings, HAS_BIAS, RELU, REQUANT and RESIDUAL: conv/int8-epilogue.wgsl.

var<workgroup> a_tile: array<u32, BK * BM>; // [k][row]
var<workgroup> b_tile: array<u32, BK * BN>; // [k][column]

// #include conv/int8-epilogue.wgsl
// #include conv/int8-common.wgsl

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = linear_workgroup(wid, nwg);
  if (t >= meta_u32(21u)) { return; } // grid() may round the count up; uniform per workgroup
  let m_out = meta_u32(0u);
  let geo = gemm_geometry();
  let cols = meta_u32(16u);
  let k_words = meta_u32(18u);
  let tiles_m = meta_u32(19u);
  let tiles_n = meta_u32(20u);

  let tile_n = t % tiles_n;
  let tile_m = (t / tiles_n) % tiles_m;
  let g = t / (tiles_n * tiles_m);
  let row0 = tile_m * BM;
  let col0 = tile_n * BN;
  let tx = lid % WG_N;
  let ty = lid / WG_N;

  // This thread's column of every B slice (the plan keeps NT a multiple of BN), decoded once.
  let b_col = col0 + lid % BN;
  let column = gemm_column(geo, g, b_col);

  var acc: array<i32, MAX_T * MAX_T>;
  for (var k0 = 0u; k0 < k_words; k0 += BK) {
    // A slice: rows row0.., words k0.. of W4 (0 past the group's rows or K).
    for (var l = lid; l < BM * BK; l += NT) {
      let r = l % BM;
      let k = l / BM;
      let row = row0 + r;
      let kk = k0 + k;
      var word = 0u;
      if (row < geo.mg && kk < k_words) { word = gemm_w_word(geo, g, row, kk); }
      a_tile[k * BM + r] = word;
    }
    // B slice: words k0.., columns col0.. of X4 (X_ZP words in the padding, 0 past the columns or K).
    for (var l = lid; l < BK * BN; l += NT) {
      let k = l / BN;
      let kk = k0 + k;
      var word = 0u;
      if (b_col < cols && kk < k_words) { word = gemm_x_word(geo, column, kk); }
      b_tile[k * BN + l % BN] = word;
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      var a: array<u32, MAX_T>;
      var b: array<u32, MAX_T>;
      for (var i = 0u; i < TM; i++) { a[i] = a_tile[k * BM + ty + i * WG_M]; }
      for (var j = 0u; j < TN; j++) { b[j] = b_tile[k * BN + tx + j * WG_N]; }
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) { acc[i * MAX_T + j] += dot4I8Packed(a[i], b[j]); }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < TM; i++) {
    let row = row0 + ty + i * WG_M;
    if (row >= geo.mg) { continue; }
    let m = g * geo.mg + row;
    for (var j = 0u; j < TN; j++) {
      let col = col0 + tx + j * WG_N;
      if (col >= cols) { continue; }
      int8_epilogue(acc[i * MAX_T + j], m, (col / geo.pixels * m_out + m) * geo.pixels + col % geo.pixels);
    }
  }
}
