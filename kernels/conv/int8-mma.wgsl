// Int8Conv (src/ir/ops/int8.ts) as an implicit GEMM on tensor cores, through subgroup matrices
// (Dawn's chromium_experimental_subgroup_matrix; on the H100 through Vulkan, int8 x int8 -> int32
// at M16 N16 K32). The GEMM is the one of kernels/conv/int8-implicit-gemm.wgsl, groups 1 only:
// Y[m, col] = Σ_k W[m, k] X[k, col], m an output channel, col = (n * H_out + oh) * W_out + ow,
// k = (kh * KW + kw) * CG4 + c4 a packed word of 4 input channels. A workgroup computes a BM x BN
// tile of Y; each of its subgroups a (16 SM) x (16 SN) block of it, in SM x SN accumulators.
// Per step of KW words (4 KW int8 of K), the threads stage both operands in workgroup memory,
// packed as they are read (i8 tensors are one i32 word per element on the GPU), then every
// subgroup loads 16 x 32 int8 matrices from there and multiplies:
//   W tile [row][word]: the left matrix, row-major, stride KW words;
//   X tile [col][word]: the right matrix (K rows, columns), column-major, stride KW words
// (an i8 matrix's offset and stride count the array's i32 elements: Dawn checks it so);
// so an MMA step reads 32 int8 of K, 8 words of each row and column. After the last step each
// subgroup stores its accumulators, one at a time, into its own 16 x 16 slot of the same workgroup
// memory, and its lanes apply the float epilogue of int8-common.wgsl (bias, Relu, requantize).
// Subgroups are told apart by subgroup_id (WGSL wants the store offset uniform per subgroup, which
// local_invocation_index / SG is not to its analysis); the tactic asks for the 'subgroups' feature
// and a subgroup size of SG.
// Meta: as int8-implicit-gemm.wgsl ([0] M, [1] C, [2] C, [3] M, [4] H ... [21] workgroups), with
// [22] 1 when every column is one pixel (a GEMM: x and y rows are contiguous along K and M).
enable subgroups;
enable chromium_experimental_subgroup_matrix;

override BM: u32 = 64;
override BN: u32 = 64;
override SM: u32 = 2; // accumulator rows per subgroup (16 each)
override SN: u32 = 2; // accumulator columns per subgroup (16 each)
override KW: u32 = 8; // K words staged per step, a multiple of 8 (32 int8: one MMA step)
override SG: u32 = 32;
override SUBS_N: u32 = BN / (16u * SN);
override SUBS: u32 = (BM / (16u * SM)) * SUBS_N;
override NT: u32 = SUBS * SG;
override SMEM: u32 = max((BM + BN) * KW, SUBS * 256u);
const MAX_S: u32 = 4u; // SM, SN <= MAX_S (the plan checks)
// Bindings, HAS_BIAS, RELU, REQUANT and RESIDUAL: conv/int8-common.wgsl.

// W tile at 0 (BM x KW words), X tile at BM * KW (BN x KW words); after the K loop, the
// accumulator slots (256 words per subgroup).
var<workgroup> smem: array<i32, SMEM>;

// #include conv/int8-common.wgsl

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_id) sg: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let t = linear_workgroup(wid, nwg);
  if (t >= meta_u32(21u)) { return; } // uniform per workgroup
  let m_out = meta_u32(0u);
  let geo = gemm_geometry();
  let cols = meta_u32(16u);
  let k_words = meta_u32(18u);
  let tiles_n = meta_u32(20u);
  let gemm = meta_u32(22u) == 1u;

  let row0 = (t / tiles_n) * BM;
  let col0 = (t % tiles_n) * BN;
  let sub_row = (sg / SUBS_N) * 16u * SM;
  let sub_col = (sg % SUBS_N) * 16u * SN;
  let b_base = BM * KW;

  // A convolution's X tile: this thread's column, decoded once (NT is a multiple of BN).
  let x_col = col0 + lid % BN;
  let column = gemm_column(geo, 0u, x_col);

  var acc: array<array<subgroup_matrix_result<i32, 16, 16>, MAX_S>, MAX_S>;
  for (var k0 = 0u; k0 < k_words; k0 += KW) {
    // W tile: word k of row r at r * KW + k (consecutive threads: consecutive words of a row).
    for (var l = lid; l < BM * KW; l += NT) {
      let r = l / KW;
      let kk = k0 + l % KW;
      let row = row0 + r;
      var word = 0u;
      if (row < m_out && kk < k_words) { word = gemm_w_word(geo, 0u, row, kk); }
      smem[l] = bitcast<i32>(word);
    }
    // X tile: word k of column c at c * KW + k. A GEMM's row of x is contiguous along K, so
    // consecutive threads take consecutive words of a column; a convolution's pixels are
    // contiguous, so consecutive threads take consecutive columns.
    for (var l = lid; l < BN * KW; l += NT) {
      let ci = select(l % BN, l / KW, gemm);
      let k = select(l / BN, l % KW, gemm);
      let col = col0 + ci;
      let kk = k0 + k;
      var word = 0u;
      if (col < cols && kk < k_words) {
        var c = column;
        if (gemm) { c = gemm_column(geo, 0u, col); } // a GEMM's columns are images: cheap to decode
        word = gemm_x_word(geo, c, kk);
      }
      smem[b_base + ci * KW + k] = bitcast<i32>(word);
    }
    workgroupBarrier();
    for (var ks = 0u; ks < KW; ks += 8u) {
      var left: array<subgroup_matrix_left<i8, 32, 16>, MAX_S>;
      for (var i = 0u; i < SM; i++) {
        left[i] = subgroupMatrixLoad<subgroup_matrix_left<i8, 32, 16>, row_major>(&smem, (sub_row + i * 16u) * KW + ks, KW);
      }
      for (var j = 0u; j < SN; j++) {
        let right = subgroupMatrixLoad<subgroup_matrix_right<i8, 16, 32>, col_major>(&smem, b_base + (sub_col + j * 16u) * KW + ks, KW);
        for (var i = 0u; i < SM; i++) {
          acc[i][j] = subgroupMatrixMultiplyAccumulate(left[i], right, acc[i][j]);
        }
      }
    }
    workgroupBarrier();
  }

  // Epilogue: each accumulator through this subgroup's slot. A GEMM writes y rows contiguous
  // along M (consecutive lanes: consecutive rows), a convolution contiguous along pixels.
  let slot = sg * 256u;
  for (var i = 0u; i < SM; i++) {
    for (var j = 0u; j < SN; j++) {
      subgroupMatrixStore<row_major>(&smem, slot, acc[i][j], 16u);
      workgroupBarrier();
      for (var e = lane; e < 256u; e += SG) {
        let r = select(e / 16u, e % 16u, gemm);
        let cc = select(e % 16u, e / 16u, gemm);
        let row = row0 + sub_row + i * 16u + r;
        let col = col0 + sub_col + j * 16u + cc;
        if (row < m_out && col < cols) {
          int8_epilogue(smem[slot + r * 16u + cc], row, (col / geo.pixels * m_out + row) * geo.pixels + col % geo.pixels);
        }
      }
      workgroupBarrier();
    }
  }
}
