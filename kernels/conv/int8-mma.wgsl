// Int8Conv (src/ir/ops/int8.ts) as an implicit GEMM on tensor cores, through subgroup matrices
// (Dawn's chromium_experimental_subgroup_matrix; on the H100 through Vulkan, int8 x int8 -> int32
// at M16 N16 K32). The GEMM is the one of kernels/conv/int8-implicit-gemm.wgsl, groups 1 only:
// Y[m, col] = Σ_k W[m, k] X[k, col], m an output channel, col = (n * H_out + oh) * W_out + ow,
// k = (kh * KW + kw) * CG4 + c4 a packed word of 4 input channels. A workgroup computes a BM x BN
// tile of Y; each of its subgroups a (16 SM) x (16 SN) block of it, SM, SN 1 or 2.
// Per step of KW words (4 KW int8 of K), the threads stage both operands in workgroup memory,
// packed as they are read (i8 tensors are one i32 word per element on the GPU), then every
// subgroup loads 16 x 32 int8 matrices from there and multiplies:
//   W tile [row][word]: the left matrix, row-major, stride KW words;
//   X tile [col][word]: the right matrix (K rows, columns), column-major, stride KW words
// (an i8 matrix's offset and stride count the array's i32 elements: Dawn checks it so);
// so an MMA step reads 32 int8 of K, 8 words of each row and column.
// The accumulators are four named variables, the ones SM and SN leave out never touched: held in
// arrays indexed in loops, as this kernel first did, it took 1.7x as long on the H100, and staging
// one word per thread instead of 4 (w4, x4 below) 1.6x as long again (test/bench/RESULTS.md).
// After the last step each subgroup stores its accumulators, one at a time, into its own 16 x 16
// slot of the same workgroup memory, and its lanes apply the float epilogue of int8-common.wgsl
// (bias, Relu, requantize).
// Subgroups are told apart by subgroup_id (WGSL wants the store offset uniform per subgroup, which
// local_invocation_index / SG is not to its analysis); the tactic asks for the 'subgroups' feature
// and a subgroup size of SG.
// Staging reads 4 words at once where it can: the packed weight's rows through w4 when they are a
// multiple of 4 words long, a GEMM's x rows (4 channels per vec4 of i32 elements) through x4;
// w4 and x4 are the same buffers as w and x, bound a second time as vec4 arrays.
// Meta: as int8-implicit-gemm.wgsl ([0] M, [1] C, [2] C, [3] M, [4] H ... [21] workgroups), with
// [22] 1 when every column is one pixel (a GEMM: x and y rows are contiguous along K and M),
// [23] 1 when w4 may be read (K words a multiple of 4), [24] 1 when x4 may be read (a GEMM of a
// 1 x 1 kernel over 1 x 1 pixels with C a multiple of 4: word k of column n is x4[n * K words + k]).
enable subgroups;
enable chromium_experimental_subgroup_matrix;

alias Left = subgroup_matrix_left<i8, 32, 16>;
alias Right = subgroup_matrix_right<i8, 16, 32>;
alias Acc = subgroup_matrix_result<i32, 16, 16>;

override BM: u32 = 64;
override BN: u32 = 64;
override SM: u32 = 2; // accumulator rows per subgroup (16 each): 1 or 2
override SN: u32 = 2; // accumulator columns per subgroup (16 each): 1 or 2
override KW: u32 = 8; // K words staged per step, a multiple of 8 (32 int8: one MMA step)
override SG: u32 = 32;
override SUBS_N: u32 = BN / (16u * SN);
override SUBS: u32 = (BM / (16u * SM)) * SUBS_N;
override NT: u32 = SUBS * SG;
override SMEM: u32 = max((BM + BN) * KW, SUBS * 256u);
// Bindings, HAS_BIAS, RELU, REQUANT and RESIDUAL: conv/int8-epilogue.wgsl.

// W tile at 0 (BM x KW words), X tile at BM * KW (BN x KW words); after the K loop, the
// accumulator slots (256 words per subgroup).
var<workgroup> smem: array<i32, SMEM>;

// #include conv/int8-epilogue.wgsl
// #include conv/int8-common.wgsl
@group(0) @binding(9) var<storage, read> w4: array<vec4<i32>>;
@group(0) @binding(10) var<storage, read> x4: array<vec4<i32>>;

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
  let w_vec = meta_u32(23u) == 1u;
  let x_vec = meta_u32(24u) == 1u;

  let row0 = (t / tiles_n) * BM;
  let col0 = (t % tiles_n) * BN;
  let sub_row = (sg / SUBS_N) * 16u * SM;
  let sub_col = (sg % SUBS_N) * 16u * SN;
  let b_base = BM * KW;

  // A convolution's X tile: this thread's column, decoded once (NT is a multiple of BN).
  let x_col = col0 + lid % BN;
  let column = gemm_column(geo, 0u, x_col);
  // When CG4 is a multiple of KW (channels a multiple of 4 KW), a step's words lie in one window
  // tap: counted along with the steps (c4, tap_h, tap_w) instead of divided out of every word.
  let by_tap = !gemm && !x_vec && geo.cg4 % KW == 0u;
  var c4 = 0u;
  var tap_h = 0u;
  var tap_w = 0u;

  var a00 = Acc();
  var a01 = Acc();
  var a10 = Acc();
  var a11 = Acc();
  for (var k0 = 0u; k0 < k_words; k0 += KW) {
    // W tile: word k of row r at r * KW + k (consecutive threads: consecutive words of a row).
    if (w_vec) {
      for (var l = lid; l < BM * KW / 4u; l += NT) {
        let r = l / (KW / 4u);
        let k = (l % (KW / 4u)) * 4u;
        let row = row0 + r;
        var v = vec4<i32>(0);
        if (row < m_out && k0 + k < k_words) { v = w4[(row * k_words + k0 + k) / 4u]; }
        let d = r * KW + k;
        smem[d] = v.x;
        smem[d + 1u] = v.y;
        smem[d + 2u] = v.z;
        smem[d + 3u] = v.w;
      }
    } else {
      for (var l = lid; l < BM * KW; l += NT) {
        let r = l / KW;
        let kk = k0 + l % KW;
        let row = row0 + r;
        var word = 0u;
        if (row < m_out && kk < k_words) { word = gemm_w_word(geo, 0u, row, kk); }
        smem[l] = bitcast<i32>(word);
      }
    }
    // X tile: word k of column c at c * KW + k. A GEMM's row of x is contiguous along K, so
    // consecutive threads take consecutive words of a column; a convolution's pixels are
    // contiguous, so consecutive threads take consecutive columns.
    if (by_tap) {
      let ih = column.ih0 + i32(tap_h) * geo.dil.x;
      let iw = column.iw0 + i32(tap_w) * geo.dil.y;
      let inside = x_col < cols && ih >= 0 && ih < geo.in_h && iw >= 0 && iw < geo.in_w;
      let pixel = column.base + u32(ih * geo.in_w + iw);
      for (var l = lid; l < BN * KW; l += NT) {
        let k = l / BN;
        let c0 = (c4 + k) * 4u;
        var word = select(0u, pad_word(), x_col < cols);
        if (inside) { word = pack_x(pixel + c0 * geo.plane, geo.plane, min(4u, geo.cg - c0)); }
        smem[b_base + (l % BN) * KW + k] = bitcast<i32>(word);
      }
      c4 += KW;
      if (c4 == geo.cg4) {
        c4 = 0u;
        tap_w += 1u;
        if (tap_w == geo.kw_n) {
          tap_w = 0u;
          tap_h += 1u;
        }
      }
    } else if (x_vec) {
      for (var l = lid; l < BN * KW; l += NT) {
        let col = col0 + l / KW;
        let kk = k0 + l % KW;
        var word = 0u;
        if (col < cols && kk < k_words) { word = pack4xI8(x4[col * k_words + kk]); }
        smem[b_base + l] = bitcast<i32>(word);
      }
    } else {
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
    }
    workgroupBarrier();
    for (var ks = 0u; ks < KW; ks += 8u) {
      let l0 = subgroupMatrixLoad<Left, row_major>(&smem, sub_row * KW + ks, KW);
      let r0 = subgroupMatrixLoad<Right, col_major>(&smem, b_base + sub_col * KW + ks, KW);
      a00 = subgroupMatrixMultiplyAccumulate(l0, r0, a00);
      if (SN == 2u) {
        let r1 = subgroupMatrixLoad<Right, col_major>(&smem, b_base + (sub_col + 16u) * KW + ks, KW);
        a01 = subgroupMatrixMultiplyAccumulate(l0, r1, a01);
        if (SM == 2u) {
          let l1 = subgroupMatrixLoad<Left, row_major>(&smem, (sub_row + 16u) * KW + ks, KW);
          a10 = subgroupMatrixMultiplyAccumulate(l1, r0, a10);
          a11 = subgroupMatrixMultiplyAccumulate(l1, r1, a11);
        }
      } else if (SM == 2u) {
        let l1 = subgroupMatrixLoad<Left, row_major>(&smem, (sub_row + 16u) * KW + ks, KW);
        a10 = subgroupMatrixMultiplyAccumulate(l1, r0, a10);
      }
    }
    workgroupBarrier();
  }

  // Epilogue: each accumulator through this subgroup's slot.
  let tile0 = vec2<u32>(row0 + sub_row, col0 + sub_col);
  let slot = sg * 256u;
  epilogue_tile(a00, tile0, slot, lane, geo);
  if (SN == 2u) { epilogue_tile(a01, tile0 + vec2<u32>(0u, 16u), slot, lane, geo); }
  if (SM == 2u) { epilogue_tile(a10, tile0 + vec2<u32>(16u, 0u), slot, lane, geo); }
  if (SM == 2u && SN == 2u) { epilogue_tile(a11, tile0 + vec2<u32>(16u, 16u), slot, lane, geo); }
}

// One accumulator, rows and columns from `tile0`, through the subgroup's slot: a GEMM writes y rows
// contiguous along M (consecutive lanes: consecutive rows), a convolution contiguous along pixels.
fn epilogue_tile(acc: Acc, tile0: vec2<u32>, slot: u32, lane: u32, geo: GemmGeometry) {
  let m_out = meta_u32(0u);
  let cols = meta_u32(16u);
  let gemm = meta_u32(22u) == 1u;
  subgroupMatrixStore<row_major>(&smem, slot, acc, 16u);
  workgroupBarrier();
  for (var e = lane; e < 256u; e += SG) {
    let r = select(e / 16u, e % 16u, gemm);
    let c = select(e % 16u, e / 16u, gemm);
    let row = tile0.x + r;
    let col = tile0.y + c;
    if (row < m_out && col < cols) {
      int8_epilogue(smem[slot + r * 16u + c], row, (col / geo.pixels * m_out + row) * geo.pixels + col % geo.pixels);
    }
  }
  workgroupBarrier();
}
