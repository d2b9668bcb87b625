// GEMM with few rows (M <= MAX_ROWS, e.g. a classifier head at batch 1) as matrix-vector products:
// Y[b] = act(alpha * A[b] x B[b] + beta * C + R[b]). Tiled GEMM would give such a layer a handful
// of thin tiles; here each workgroup computes all M rows of NPW = NT / TK output columns, TK
// threads sharing each column's K range (thread lane sums k = lane, lane + TK, ...), and the TK
// partial sums are added in workgroup memory. Threads next to each other read memory next to each
// other: along k when B's k stride is 1 (K_FAST = 1, e.g. transB), else along n.
// Meta and epilogue: kernels/gemm/common.wgsl.
override NT: u32 = 256;
override TK: u32 = 64; // divides NT; a power of two
override NPW: u32 = NT / TK;
override ROWS: u32 = 1u; // M, at most MAX_ROWS
override K_FAST: u32 = 1u;
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;
const MAX_ROWS: u32 = 4u;

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>; // A again when there is no bias (has_c = 0)
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, MAX_ROWS * NT>; // [row][lane][column]

// #include common/unary.wgsl

// #include gemm/common.wgsl

@compute @workgroup_size(NT)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let N = meta_u32(1u);
  let K = meta_u32(2u);
  let s_am = meta_u32(4u);
  let s_ak = meta_u32(5u);
  let s_bk = meta_u32(6u);
  let s_bn = meta_u32(7u);
  let off = batch_offsets(wid.z);
  var lane = t / NPW;
  var col = t % NPW;
  if (K_FAST == 1u) {
    lane = t % TK;
    col = t / TK;
  }
  let n = wid.x * NPW + col;

  var acc: array<f32, MAX_ROWS>;
  if (n < N) {
    for (var k = lane; k < K; k += TK) {
      let bv = b[off.y + k * s_bk + n * s_bn];
      for (var m = 0u; m < ROWS; m++) { acc[m] = fma(a[off.x + m * s_am + k * s_ak], bv, acc[m]); }
    }
  }
  for (var m = 0u; m < ROWS; m++) { partial[(m * TK + lane) * NPW + col] = acc[m]; }
  for (var half = TK / 2u; half > 0u; half /= 2u) {
    workgroupBarrier();
    if (lane < half) {
      for (var m = 0u; m < ROWS; m++) {
        let i = (m * TK + lane) * NPW + col;
        partial[i] += partial[i + half * NPW];
      }
    }
  }
  if (lane == 0u && n < N) {
    let y_off = wid.z * ROWS * N;
    for (var m = 0u; m < ROWS; m++) { epilogue(partial[m * TK * NPW + col], m, n, y_off + m * N + n); }
  }
}
