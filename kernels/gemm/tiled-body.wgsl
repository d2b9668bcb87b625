// The body of the tiled GEMM kernels (kernels/gemm/tiled.wgsl in f32, kernels/gemm/tiled-f16.wgsl
// in half precision); what it computes and its tiles are described there, its meta and epilogue in
// kernels/gemm/common.wgsl. The including kernel declares the bindings a, b, c, residual and y, the
// type `tile_t` of the staged tiles and the hooks load_a and load_b (an operand element as tile_t)
// and mac (acc + a * b, as an f32), and includes common/unary.wgsl and gemm/common.wgsl.
override WG_M: u32 = 16;
override WG_N: u32 = 16;
override TM: u32 = 4; // at most MAX_T
override TN: u32 = 4; // at most MAX_T
override KT: u32 = 16;
override TILE_M: u32 = WG_M * TM;
override TILE_N: u32 = WG_N * TN;
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;
const MAX_T: u32 = 4u;

var<workgroup> a_tile: array<tile_t, KT * TILE_M>; // [k][m]
var<workgroup> b_tile: array<tile_t, KT * TILE_N>; // [k][n]

@compute @workgroup_size(WG_N, WG_M)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = meta_u32(0u);
  let N = meta_u32(1u);
  let K = meta_u32(2u);
  let s_am = meta_u32(4u);
  let s_ak = meta_u32(5u);
  let s_bk = meta_u32(6u);
  let s_bn = meta_u32(7u);

  let off = batch_offsets(wid.z);
  let a_off = off.x;
  let b_off = off.y;

  let m0 = wid.y * TILE_M;
  let n0 = wid.x * TILE_N;
  let nt = WG_M * WG_N;
  let t = lid.y * WG_N + lid.x;
  var acc: array<f32, 16>; // MAX_T * MAX_T, zero-initialized

  for (var k0 = 0u; k0 < K; k0 += KT) {
    for (var e = t; e < TILE_M * KT; e += nt) {
      let mm = e / KT;
      let kk = e % KT;
      let gm = m0 + mm;
      let gk = k0 + kk;
      var v = tile_t();
      if (gm < M && gk < K) { v = load_a(a_off + gm * s_am + gk * s_ak); }
      a_tile[kk * TILE_M + mm] = v;
    }
    for (var e = t; e < TILE_N * KT; e += nt) {
      let kk = e / TILE_N;
      let nn = e % TILE_N;
      let gk = k0 + kk;
      let gn = n0 + nn;
      var v = tile_t();
      if (gk < K && gn < N) { v = load_b(b_off + gk * s_bk + gn * s_bn); }
      b_tile[kk * TILE_N + nn] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk++) {
      var ar: array<tile_t, MAX_T>;
      var br: array<tile_t, MAX_T>;
      for (var i = 0u; i < TM; i++) { ar[i] = a_tile[kk * TILE_M + lid.y + i * WG_M]; }
      for (var j = 0u; j < TN; j++) { br[j] = b_tile[kk * TILE_N + lid.x + j * WG_N]; }
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) { acc[i * MAX_T + j] = mac(ar[i], br[j], acc[i * MAX_T + j]); }
      }
    }
    workgroupBarrier();
  }

  let y_off = wid.z * M * N;
  for (var i = 0u; i < TM; i++) {
    let m = m0 + lid.y + i * WG_M;
    if (m >= M) { continue; }
    for (var j = 0u; j < TN; j++) {
      let n = n0 + lid.x + j * WG_N;
      if (n < N) { epilogue(acc[i * MAX_T + j], m, n, y_off + m * N + n); }
    }
  }
}
