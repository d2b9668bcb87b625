// Gather along one axis: x viewed as [outer, axis_dim, inner], indices as a flat list of
// n_idx entries, y as [outer, n_idx, inner]. Negative indices count from the end; indices
// out of range are clamped (ONNX leaves them undefined; the reference rejects them).
// Meta: [n, axis_dim, n_idx, inner].
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let dim = meta_u32(1u);
  let n_idx = meta_u32(2u);
  let inner = meta_u32(3u);
  let j = i % inner;
  let k = (i / inner) % n_idx;
  let o = i / (inner * n_idx);
  var at = indices[k];
  if (at < 0) { at += i32(dim); }
  let a = u32(clamp(at, 0, i32(dim) - 1));
  y[i] = x[(o * dim + a) * inner + j];
}
