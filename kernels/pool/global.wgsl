// GlobalMaxPool (KIND 0) and GlobalAveragePool (KIND 1): one workgroup per (n, c) row of S
// spatial values; each thread folds a strided slice, then a tree reduction in workgroup memory.
// WG must be a power of two. Meta: [0] rows (N * C), [1] S, [2] C, [3] [4] [5] x's element
// strides for n, c and the spatial position (x row-major or channel-last, src/ir/layout.ts).
override WG: u32 = 256;
override KIND: u32 = 0u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> part: array<f32, WG>;

fn combine(a: f32, b: f32) -> f32 {
  if (KIND == 0u) { return max(a, b); }
  return a + b;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = linear_workgroup(wid, nwg);
  if (row >= meta_u32(0u)) { return; }
  let s = meta_u32(1u);
  let c = meta_u32(2u);
  let base = (row / c) * meta_u32(3u) + (row % c) * meta_u32(4u);
  let step = meta_u32(5u);
  // Max starts from the row's first value so that threads with nothing to fold stay neutral.
  var acc = select(0.0, x[base], KIND == 0u);
  for (var j = lid; j < s; j += WG) { acc = combine(acc, x[base + j * step]); }
  part[lid] = acc;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (lid < half) { part[lid] = combine(part[lid], part[lid + half]); }
    workgroupBarrier();
  }
  if (lid == 0u) { y[row] = select(part[0], part[0] / f32(s), KIND == 1u); }
}
