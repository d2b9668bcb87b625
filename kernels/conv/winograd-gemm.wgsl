// Winograd F(m x m, 3 x 3) convolution, step 2 of 3: α² independent GEMMs, one per transform
// point ξ (the grid's z): M[ξ] (K x P) = U[ξ] (K x C) x V[ξ] (C x P), where U is the weight
// transformed once at upload (src/tactics/pack.ts, 'winograd-2x2' / 'winograd-4x4') and V the
// input transform (conv/winograd-input.wgsl) at the start of scratch; M goes to scratch after V
// (meta word 20), for conv/winograd-output.wgsl. The tiling is gemm/tiled.wgsl's: each
// workgroup computes a TILE_M x TILE_N tile, KT-deep slices of U and V staged in workgroup memory,
// each thread a TM x TN block in registers.
// Meta: conv/winograd-input.wgsl.
override WG_M: u32 = 16;
override WG_N: u32 = 16;
override TM: u32 = 4; // at most MAX_T
override TN: u32 = 4; // at most MAX_T
override KT: u32 = 16;
override TILE_M: u32 = WG_M * TM;
override TILE_N: u32 = WG_N * TN;
const MAX_T: u32 = 4u;

@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read_write> scratch: array<f32>;

var<workgroup> a_tile: array<f32, KT * TILE_M>; // [c][k]
var<workgroup> b_tile: array<f32, KT * TILE_N>; // [c][p]

@compute @workgroup_size(WG_N, WG_M)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let C = meta_u32(1u);
  let K = meta_u32(2u);
  let P = meta_u32(3u);
  let xi = wid.z;
  let a_off = xi * K * C;
  let b_off = xi * C * P;
  let y_off = meta_u32(20u) + xi * K * P;

  let m0 = wid.y * TILE_M;
  let n0 = wid.x * TILE_N;
  let nt = WG_M * WG_N;
  let t = lid.y * WG_N + lid.x;
  var acc: array<f32, 16>; // MAX_T * MAX_T, zero-initialized

  for (var k0 = 0u; k0 < C; k0 += KT) {
    for (var e = t; e < TILE_M * KT; e += nt) {
      let mm = e / KT;
      let kk = e % KT;
      var v = 0.0;
      if (m0 + mm < K && k0 + kk < C) { v = u[a_off + (m0 + mm) * C + k0 + kk]; }
      a_tile[kk * TILE_M + mm] = v;
    }
    for (var e = t; e < TILE_N * KT; e += nt) {
      let kk = e / TILE_N;
      let nn = e % TILE_N;
      var v = 0.0;
      if (k0 + kk < C && n0 + nn < P) { v = scratch[b_off + (k0 + kk) * P + n0 + nn]; }
      b_tile[kk * TILE_N + nn] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk++) {
      var ar: array<f32, MAX_T>;
      var br: array<f32, MAX_T>;
      for (var i = 0u; i < TM; i++) { ar[i] = a_tile[kk * TILE_M + lid.y + i * WG_M]; }
      for (var j = 0u; j < TN; j++) { br[j] = b_tile[kk * TILE_N + lid.x + j * WG_N]; }
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) { acc[i * MAX_T + j] = fma(ar[i], br[j], acc[i * MAX_T + j]); }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < TM; i++) {
    let m = m0 + lid.y + i * WG_M;
    if (m >= K) { continue; }
    for (var j = 0u; j < TN; j++) {
      let n = n0 + lid.x + j * WG_N;
      if (n < P) { scratch[y_off + m * P + n] = acc[i * MAX_T + j]; }
    }
  }
}
