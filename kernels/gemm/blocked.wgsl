// Register-blocked GEMM for row-major operands: Y[b] = act(alpha * A[b] x B[b] + beta * C + R[b]),
// A[b] M x K, B[b] K x N, K and N multiples of 4. Each workgroup (16 x 16 threads) computes a
// 128 x 128 tile of Y; K advances in slices of 8. A's slice is stored k-major in workgroup memory
// (as_[k][row / 4], vec4 over rows) and B's as it is (bs[k][col / 4], vec4 over columns), so each
// thread reads, per k, two vec4 of A and two of B and does 16 vec4 FMAs: rows ty * 4 + i and
// 64 + ty * 4 + i, columns tx * 4 + j and 64 + tx * 4 + j (a warp reads two A and sixteen
// consecutive B vec4: no bank conflicts). Every loop bound is a constant, so the compiler can keep
// the 64 accumulators in registers. The workgroup arrays are 2-D so that once the k loop is
// unrolled their first index is a constant and their bounds clamps fold away (flat arrays indexed
// k * Q + lid.y: 2% slower on the H100).
// Tried on the H100 and slower (test/bench/RESULTS.md, 2026-11-23): slices of 16 or 32, double-
// buffered slices with one barrier per slice (through registers or straight into a second buffer),
// 128 x 256 tiles (8 x 16 per thread: spilled), 64 x 128 tiles of 128 threads, and even this
// kernel with its loads written as loops over BK / 8 (6%): the driver's code is sensitive to form.
// Meta and epilogue: kernels/gemm/common.wgsl.
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;
const TILE: u32 = 128u;
const BK: u32 = 8u;
const Q: u32 = TILE / 4u; // vec4 per tile row

@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> c: array<f32>; // A again when there is no bias (has_c = 0)
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

var<workgroup> as_: array<array<vec4<f32>, Q>, BK>; // [k][row / 4]
var<workgroup> bs: array<array<vec4<f32>, Q>, BK>; // [k][col / 4]

// #include common/unary.wgsl

// #include gemm/common.wgsl

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = meta_u32(0u);
  let N = meta_u32(1u);
  let K = meta_u32(2u);
  let off = batch_offsets(wid.z);
  let m0 = wid.y * TILE;
  let n0 = wid.x * TILE;
  let t = lid.y * 16u + lid.x;
  let k4 = K / 4u;
  let n4 = N / 4u;

  // Loads: A row m0 + t / 2, vec4 (t % 2) of the slice; B slice row t / 32, vec4 t % 32.
  let a_row = m0 + t / 2u;
  let a_q = t % 2u;
  let b_row = t / Q;
  let b_col4 = n0 / 4u + t % Q;

  var acc: array<vec4<f32>, 16>; // [row i (8)][column vec4 j (2)]
  for (var k0 = 0u; k0 < K; k0 += BK) {
    var av = vec4<f32>();
    if (a_row < M && k0 / 4u + a_q < k4) { av = a[off.x / 4u + a_row * k4 + k0 / 4u + a_q]; }
    var bv = vec4<f32>();
    if (k0 + b_row < K && b_col4 < n4) { bv = b[off.y / 4u + (k0 + b_row) * n4 + b_col4]; }
    workgroupBarrier(); // the previous slice is no longer read
    let r = t / 2u; // tile row of av
    for (var j = 0u; j < 4u; j++) { as_[a_q * 4u + j][r / 4u][r % 4u] = av[j]; }
    bs[t / Q][t % Q] = bv;
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      let a0 = as_[k][lid.y];
      let a1 = as_[k][16u + lid.y];
      let b0 = bs[k][lid.x];
      let b1 = bs[k][16u + lid.x];
      for (var i = 0u; i < 4u; i++) {
        acc[i * 2u] = fma(vec4<f32>(a0[i]), b0, acc[i * 2u]);
        acc[i * 2u + 1u] = fma(vec4<f32>(a0[i]), b1, acc[i * 2u + 1u]);
        acc[8u + i * 2u] = fma(vec4<f32>(a1[i]), b0, acc[8u + i * 2u]);
        acc[8u + i * 2u + 1u] = fma(vec4<f32>(a1[i]), b1, acc[8u + i * 2u + 1u]);
      }
    }
  }

  let y_off = wid.z * M * N;
  for (var h = 0u; h < 2u; h++) {
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + h * 64u + lid.y * 4u + i;
      if (m >= M) { continue; }
      for (var j = 0u; j < 2u; j++) {
        let n = n0 + j * 64u + lid.x * 4u;
        let v = acc[h * 8u + i * 2u + j];
        for (var e = 0u; e < 4u; e++) {
          if (n + e < N) { epilogue(v[e], m, n + e, y_off + m * N + n + e); }
        }
      }
    }
  }
}
