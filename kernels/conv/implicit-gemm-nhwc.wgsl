// Convolution as an implicit GEMM over channel-last tensors, vectorized (2-D, group 1,
// C_in % 4 == 0, C_out % 4 == 0): Y[p, m] = sum_k X'[p, k] * W'[k, m] with P = batch * H_out * W_out
// pixels (p = (n * H_out + oh) * W_out + ow), M = C_out and K = KH * KW * C_in
// (k = (kh * KW + kw) * C_in + ci).
// x is N x H x W x C_in (memory layout 'nhwc', src/ir/layout.ts): four consecutive k of one pixel
// are one vec4 load. w is the weight packed as KH x KW x C_in x C_out when the engine's weights are
// uploaded (Binding.perm): four consecutive m are one vec4 load. y and the residual are
// N x H_out x W_out x C_out: one vec4 per four channels.
// Each workgroup computes a BP x BM tile of Y; BK-deep slices of X' ([p][k], vec4 along k) and W'
// ([k][m], vec4 along m) are staged in workgroup memory, and each thread accumulates TP pixels
// (rows ty * TP + i) x TV vec4 column groups (tx + v * WG_X) in registers.
// Meta: [0] M, [1] P, [2] K, [3] C_in, [4] H, [5] W, [6] H_out, [7] W_out, [8] KH, [9] KW,
//       [10] [11] strides, [12] [13] dilations, [14] [15] pad begins (i32), [16] column tiles,
//       [17] [18] the activation's alpha and beta.
//       [19] K per split (a multiple of BK).
// Split-K (SPLIT > 1, for layers with too few tiles to fill the GPU): workgroup tile + split * tiles
// sums only its split's K range and writes the raw sums to partial[split][p][m]; the second
// dispatch (kernels/conv/split-k-reduce.wgsl) adds the splits up and applies the epilogue.
// The next K slice is read from global memory into registers while the current one is multiplied.
// The plan (src/tactics/families/conv.ts, nhwcTiles) checks that the threads split both slices
// evenly, at most MAX_LOAD vec4 each, and that TP <= MAX_TP, TV <= MAX_TV, BK % 4 == 0.
override BP: u32 = 64;
override BM: u32 = 64;
override BK: u32 = 16;
override TP: u32 = 4;
override TV: u32 = 1;
override WG_X: u32 = BM / (4u * TV);
override WG_Y: u32 = BP / TP;
override NT: u32 = WG_X * WG_Y;
override KQ: u32 = BK / 4u; // vec4 per X' tile row
override MQ: u32 = BM / 4u; // vec4 per W' tile row
override A_LOADS: u32 = BP * KQ / NT;
override B_LOADS: u32 = BK * MQ / NT;
// The epilogue: y = act(acc + bias[m] + residual). HAS_BIAS is 1 when binding 3 holds the bias
// (else the weight again, unread), HAS_RESIDUAL 1 when binding 4 holds a tensor of y's shape and
// layout (else x again, unread); ACT is an op code of kernels/common/unary.wgsl.
override HAS_BIAS: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;
override SPLIT: u32 = 1u;
const ACT_ALPHA: u32 = 17u; // meta word of the activation's alpha (common/epilogue-vec4.wgsl)
const MAX_TP: u32 = 8u;
const MAX_TV: u32 = 2u;
const MAX_LOAD: u32 = 4u;

@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> partial: array<vec4<f32>>; // split-K only (else a few unused bytes)

var<workgroup> a_tile: array<vec4<f32>, BP * KQ>; // [p][k / 4]
var<workgroup> b_tile: array<vec4<f32>, BK * MQ>; // [k][m / 4]

// #include common/unary.wgsl

// #include common/epilogue-vec4.wgsl

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = meta_u32(0u);
  let P = meta_u32(1u);
  let K = meta_u32(2u);
  let C = meta_u32(3u);
  let H = meta_u32(4u);
  let W = meta_u32(5u);
  let w_out = meta_u32(7u);
  let hw_out = meta_u32(6u) * w_out;
  let kw_size = meta_u32(9u);
  let dil = vec2<i32>(meta_i32(12u), meta_i32(13u));
  let tiles_m = meta_u32(16u);
  let m4_count = M / 4u;

  let tiles = tiles_m * ((P + BP - 1u) / BP);
  let wg_index = linear_workgroup(wid, nwg);
  if (wg_index >= tiles * SPLIT) { return; } // a workgroup past the end of a folded grid
  let tile = wg_index % tiles;
  let split = wg_index / tiles;
  let k_begin = split * meta_u32(19u);
  let k_end = min(K, k_begin + meta_u32(19u));
  let p0 = (tile / tiles_m) * BP;
  let m0 = (tile % tiles_m) * BM;
  let t = lid.y * WG_X + lid.x;

  // X' loads: load r of this thread is pixel row a_row[r], vec4 a_kq[r] of each slice. Per row,
  // once: where its window starts and the vec4 index of its image (n * H * W * C / 4).
  var a_ok: array<bool, MAX_LOAD>;
  var a_ih: array<i32, MAX_LOAD>;
  var a_iw: array<i32, MAX_LOAD>;
  var a_base: array<u32, MAX_LOAD>;
  for (var r = 0u; r < A_LOADS; r++) {
    let p = p0 + (t + r * NT) / KQ;
    let pix = p % hw_out;
    a_ok[r] = p < P;
    a_ih[r] = i32(pix / w_out) * meta_i32(10u) - meta_i32(14u);
    a_iw[r] = i32(pix % w_out) * meta_i32(11u) - meta_i32(15u);
    a_base[r] = (p / hw_out) * H * W * C / 4u;
  }

  var a_next: array<vec4<f32>, MAX_LOAD>;
  var b_next: array<vec4<f32>, MAX_LOAD>;
  var acc: array<vec4<f32>, 16>; // MAX_TP * MAX_TV, zero-initialized
  let steps = (k_end - min(k_begin, k_end) + BK - 1u) / BK + 1u;
  for (var s = 0u; s < steps; s++) {
    let k0 = k_begin + s * BK;
    for (var r = 0u; r < A_LOADS; r++) {
      let k = k0 + 4u * ((t + r * NT) % KQ);
      let tap = k / C;
      let ih = a_ih[r] + i32(tap / kw_size) * dil.x;
      let iw = a_iw[r] + i32(tap % kw_size) * dil.y;
      var v = vec4<f32>();
      if (a_ok[r] && k < k_end && u32(ih) < H && u32(iw) < W) { v = x[a_base[r] + ((u32(ih) * W + u32(iw)) * C + k % C) / 4u]; }
      a_next[r] = v;
    }
    for (var r = 0u; r < B_LOADS; r++) {
      let e = t + r * NT;
      let k = k0 + e / MQ;
      let m4 = m0 / 4u + e % MQ;
      var v = vec4<f32>();
      if (k < k_end && m4 < m4_count) { v = w[k * m4_count + m4]; }
      b_next[r] = v;
    }
    if (s > 0u) {
      for (var kq = 0u; kq < KQ; kq++) {
        var b: array<vec4<f32>, 8>; // 4 rows x MAX_TV
        for (var q = 0u; q < 4u; q++) {
          for (var v = 0u; v < TV; v++) { b[q * MAX_TV + v] = b_tile[(4u * kq + q) * MQ + lid.x + v * WG_X]; }
        }
        for (var i = 0u; i < TP; i++) {
          let a = a_tile[(lid.y * TP + i) * KQ + kq];
          for (var v = 0u; v < TV; v++) {
            var c = acc[i * MAX_TV + v];
            c = fma(vec4<f32>(a.x), b[v], c);
            c = fma(vec4<f32>(a.y), b[MAX_TV + v], c);
            c = fma(vec4<f32>(a.z), b[2u * MAX_TV + v], c);
            c = fma(vec4<f32>(a.w), b[3u * MAX_TV + v], c);
            acc[i * MAX_TV + v] = c;
          }
        }
      }
    }
    workgroupBarrier(); // every thread is done multiplying slice s - 1
    for (var r = 0u; r < A_LOADS; r++) { a_tile[t + r * NT] = a_next[r]; }
    for (var r = 0u; r < B_LOADS; r++) { b_tile[t + r * NT] = b_next[r]; }
    workgroupBarrier();
  }

  for (var i = 0u; i < TP; i++) {
    let p = p0 + lid.y * TP + i;
    if (p >= P) { break; }
    for (var v = 0u; v < TV; v++) {
      let m4 = m0 / 4u + lid.x + v * WG_X;
      if (m4 >= m4_count) { continue; }
      if (SPLIT > 1u) { partial[(split * P + p) * m4_count + m4] = acc[i * MAX_TV + v]; }
      else { epilogue4(acc[i * MAX_TV + v], m4, p * m4_count + m4); }
    }
  }
}
