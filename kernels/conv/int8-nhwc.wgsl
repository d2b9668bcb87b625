// Int8Conv (src/ir/ops/int8.ts) over channel-last tensors as an implicit GEMM (2-D, group 1,
// C_out % 4 == 0): kernels/conv/implicit-gemm-nhwc.wgsl in int8. Y[p, m] =
// Σ_k dot4I8Packed(X4[p, k], W4[k, m]) with P = batch * H_out * W_out pixels (p = (n * H_out + oh) *
// W_out + ow), M = C_out, and k = (kh * KW + kw) * C4 + c4 a packed word of K: input channels
// 4 c4 .. 4 c4 + 3 at one window tap (C4 = ceil(C_in / 4)).
// x is N x H x W x C_in, i8 channel-last, so packed (src/ir/layout.ts): C4 words per pixel, the
// bytes past C_in zero. A word of K is one load of x. w is the weight packed at upload as K x M
// words ('i8x4t', src/tactics/pack.ts, its channels past C_in zero too): four consecutive m of one
// k are one vec4 load. y is N x H_out x W_out x C_out: i8 packed (M / 4 words per pixel) with
// REQUANT, else f32 words; the residual f32 words p * M + m.
// Each workgroup computes a BP x BM tile of Y; BK-word slices of X4 ([p][k]) and W4 ([k][m / 4])
// are staged in workgroup memory (the next slice read into registers while the current one is
// multiplied), and each thread sums TP pixels (rows ty * TP + i) x TV vec4 of channels (tx + v *
// WG_X) in i32, exactly.
// Meta: [0] M, [1] P, [2] K words, [3] C4, [4] H, [5] W, [6] H_out, [7] W_out, [8] KH, [9] KW,
//       [10] [11] strides, [12] [13] dilations, [14] [15] pad begins (i32), [16] channel tiles,
//       [17] K words per split (a multiple of BK).
// Split-K (SPLIT > 1, for layers with too few tiles to fill the GPU): workgroup tile + split * tiles
// sums its split's K range and writes the i32 sums to partial[split][p][m]; the second dispatch
// (kernels/conv/int8-split-k-reduce.wgsl) adds them up and applies the epilogue.
// The plan (src/tactics/families/int8-conv.ts, int8NhwcTiles) checks that the threads split both
// slices evenly, at most MAX_LOAD each, and that TP <= MAX_TP, TV <= MAX_TV.
override BP: u32 = 64;
override BM: u32 = 64;
override BK: u32 = 16;
override TP: u32 = 4;
override TV: u32 = 1;
override SPLIT: u32 = 1u;
override WG_X: u32 = BM / (4u * TV);
override WG_Y: u32 = BP / TP;
override NT: u32 = WG_X * WG_Y;
override MQ: u32 = BM / 4u; // vec4 per W4 tile row
// X_VEC4 (C4 a multiple of 4, BK too): 4 words of a K slice lie in one tap, 16-byte aligned, and
// each x load is one vec4 of them; else one word per load.
override X_VEC4: u32 = 0u;
override XW: u32 = select(1u, 4u, X_VEC4 == 1u); // words per x load
override A_LOADS: u32 = BP * BK / (XW * NT);
override B_LOADS: u32 = BK * MQ / NT;
const MAX_TP: u32 = 8u;
const MAX_TV: u32 = 2u;
const MAX_LOAD: u32 = 4u;
// Bindings 1 to 6, HAS_BIAS, RELU, REQUANT, RESIDUAL and the zero points: conv/int8-epilogue.wgsl.

@group(0) @binding(7) var<storage, read> x: array<u32>;
@group(0) @binding(10) var<storage, read> x4: array<vec4<u32>>; // x again, read as vec4 (X_VEC4)
@group(0) @binding(8) var<storage, read> w4: array<vec4<u32>>;
@group(0) @binding(9) var<storage, read_write> partial: array<vec4<i32>>; // split-K only (else a few unused bytes)

var<workgroup> a_tile: array<u32, BP * BK>; // [p][k]
var<workgroup> b_tile: array<vec4<u32>, BK * MQ>; // [k][m / 4]

// #include conv/int8-epilogue.wgsl

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = meta_u32(0u);
  let P = meta_u32(1u);
  let K = meta_u32(2u);
  let C4 = meta_u32(3u);
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
  let k_begin = split * meta_u32(17u);
  let k_end = min(K, k_begin + meta_u32(17u));
  let p0 = (tile / tiles_m) * BP;
  let m0 = (tile % tiles_m) * BM;
  let t = lid.y * WG_X + lid.x;
  let pad = pack4xI8(vec4<i32>(X_ZP)); // a word of x in the padding

  // X4 loads: load r of this thread is pixel row (t + r NT) / (BK / XW), words XW ((t + r NT) %
  // (BK / XW)) .. + XW - 1 of each slice. Per row, once: where its window starts and where its image.
  var a_ok: array<bool, MAX_LOAD>;
  var a_ih: array<i32, MAX_LOAD>;
  var a_iw: array<i32, MAX_LOAD>;
  var a_base: array<u32, MAX_LOAD>;
  for (var r = 0u; r < A_LOADS; r++) {
    let p = p0 + (t + r * NT) / (BK / XW);
    let pix = p % hw_out;
    a_ok[r] = p < P;
    a_ih[r] = i32(pix / w_out) * meta_i32(10u) - meta_i32(14u);
    a_iw[r] = i32(pix % w_out) * meta_i32(11u) - meta_i32(15u);
    a_base[r] = (p / hw_out) * H * W * C4;
  }

  var a_next: array<vec4<u32>, MAX_LOAD>;
  var b_next: array<vec4<u32>, MAX_LOAD>;
  var acc: array<vec4<i32>, 16>; // MAX_TP * MAX_TV, zero-initialized
  let steps = (k_end - min(k_begin, k_end) + BK - 1u) / BK + 1u;
  for (var s = 0u; s < steps; s++) {
    let k0 = k_begin + s * BK;
    for (var r = 0u; r < A_LOADS; r++) {
      let k = k0 + ((t + r * NT) % (BK / XW)) * XW;
      let tap = k / C4;
      let ih = a_ih[r] + i32(tap / kw_size) * dil.x;
      let iw = a_iw[r] + i32(tap % kw_size) * dil.y;
      var words = vec4<u32>();
      if (a_ok[r] && k < k_end) {
        words = vec4<u32>(pad);
        if (u32(ih) < H && u32(iw) < W) {
          let at = a_base[r] + (u32(ih) * W + u32(iw)) * C4 + k - tap * C4;
          if (X_VEC4 == 1u) { words = x4[at / 4u]; } else { words.x = x[at]; }
        }
      }
      a_next[r] = words;
    }
    for (var r = 0u; r < B_LOADS; r++) {
      let e = t + r * NT;
      let k = k0 + e / MQ;
      let m4 = m0 / 4u + e % MQ;
      var v = vec4<u32>();
      if (k < k_end && m4 < m4_count) { v = w4[k * m4_count + m4]; }
      b_next[r] = v;
    }
    if (s > 0u) {
      for (var k = 0u; k < BK; k++) {
        var b: array<vec4<u32>, MAX_TV>;
        for (var v = 0u; v < TV; v++) { b[v] = b_tile[k * MQ + lid.x + v * WG_X]; }
        for (var i = 0u; i < TP; i++) {
          let a = a_tile[(lid.y * TP + i) * BK + k];
          for (var v = 0u; v < TV; v++) {
            let q = b[v];
            acc[i * MAX_TV + v] += vec4<i32>(dot4I8Packed(a, q.x), dot4I8Packed(a, q.y), dot4I8Packed(a, q.z), dot4I8Packed(a, q.w));
          }
        }
      }
    }
    workgroupBarrier(); // every thread is done multiplying slice s - 1
    for (var r = 0u; r < A_LOADS; r++) {
      for (var j = 0u; j < XW; j++) { a_tile[(t + r * NT) * XW + j] = a_next[r][j]; }
    }
    for (var r = 0u; r < B_LOADS; r++) { b_tile[t + r * NT] = b_next[r]; }
    workgroupBarrier();
  }

  for (var i = 0u; i < TP; i++) {
    let p = p0 + lid.y * TP + i;
    if (p >= P) { break; }
    for (var v = 0u; v < TV; v++) {
      let m4 = m0 / 4u + lid.x + v * WG_X;
      if (m4 >= m4_count) { continue; }
      let a = acc[i * MAX_TV + v];
      if (SPLIT > 1u) {
        partial[(split * P + p) * m4_count + m4] = a;
      } else {
        int8_epilogue4(a, 4u * m4, p * M + 4u * m4);
      }
    }
  }
}
