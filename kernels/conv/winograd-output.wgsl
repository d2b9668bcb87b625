// Winograd F(m x m, 3 x 3) convolution, step 3 of 3: the output transform and the epilogue. One
// thread per (output channel k, tile p): it gathers the α² products M[ξ][k][p] of the GEMM
// (conv/winograd-gemm.wgsl), computes the m x m outputs Aᵀ M A, and writes each one inside the
// image through the epilogue, y = act(acc + bias[k] + residual), at y's strides (any layout).
// Aᵀ, F(2, 3): [1 1 1 0; 0 1 -1 -1]; F(4, 3): [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0;
// 0 1 -1 8 -8 1].
// Meta: conv/winograd-input.wgsl. HAS_BIAS, HAS_RESIDUAL and ACT as in conv/direct.wgsl (an
// absent bias or residual binding holds another read-only tensor, unread).
override WG: u32 = 128;
override WM: u32 = 4; // m: 2 or 4
override HAS_BIAS: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;
const A6: u32 = 6u;

@group(0) @binding(1) var<storage, read> scratch: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> residual: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// #include common/unary.wgsl

// Hook: what happens to output element i (of output channel k) once its sum is complete.
fn epilogue(acc: f32, k: u32, i: u32) {
  var v = acc;
  if (HAS_BIAS == 1u) { v += bias[k]; }
  if (HAS_RESIDUAL == 1u) { v += residual[i]; }
  y[i] = unary_op(ACT, v, meta_f32(21u), meta_f32(22u));
}

// The 1-D transform Aᵀ v: α values to m (entries past m unused).
fn at(v: array<f32, 6>) -> array<f32, 6> {
  var o: array<f32, 6>;
  if (WM == 2u) {
    o[0] = v[0] + v[1] + v[2];
    o[1] = v[1] - v[2] - v[3];
  } else {
    let s12 = v[1] + v[2];
    let d12 = v[1] - v[2];
    let s34 = v[3] + v[4];
    let d34 = v[3] - v[4];
    o[0] = v[0] + s12 + s34;
    o[1] = d12 + 2.0 * d34;
    o[2] = s12 + 4.0 * s34;
    o[3] = d12 + 8.0 * d34 + v[5];
  }
  return o;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  let K = meta_u32(2u);
  let P = meta_u32(3u);
  if (i >= K * P) { return; }
  let k = i / P;
  let p = i % P;
  let a = WM + 2u;
  let plane = K * P;
  let m_off = meta_u32(20u);

  var d: array<f32, 36>; // [row][column] with rows of A6
  for (var r = 0u; r < a; r++) {
    for (var s = 0u; s < a; s++) { d[r * A6 + s] = scratch[m_off + (r * a + s) * plane + i]; } // i = k * P + p
  }
  // Aᵀ M: each column (m rows result); then (Aᵀ M) A: each of those rows.
  var col: array<f32, 6>;
  for (var s = 0u; s < a; s++) {
    for (var r = 0u; r < a; r++) { col[r] = d[r * A6 + s]; }
    let o = at(col);
    for (var r = 0u; r < WM; r++) { d[r * A6 + s] = o[r]; }
  }

  let per_image = meta_u32(8u) * meta_u32(9u);
  let n = p / per_image;
  let t = p % per_image;
  let oh0 = (t / meta_u32(9u)) * WM;
  let ow0 = (t % meta_u32(9u)) * WM;
  let OH = meta_u32(6u);
  let OW = meta_u32(7u);
  let base = n * meta_u32(16u) + k * meta_u32(17u);
  for (var r = 0u; r < WM; r++) {
    var row: array<f32, 6>;
    for (var s = 0u; s < a; s++) { row[s] = d[r * A6 + s]; }
    let o = at(row);
    let oh = oh0 + r;
    for (var s = 0u; s < WM; s++) {
      let ow = ow0 + s;
      if (oh < OH && ow < OW) { epilogue(o[s], k, base + oh * meta_u32(18u) + ow * meta_u32(19u)); }
    }
  }
}
