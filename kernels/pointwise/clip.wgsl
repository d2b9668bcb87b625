// Clip(x, min?, max?) on f32 words with its bounds read from storage: one-element tensors known
// only at run time (the pointwise unary kernel takes build-time constant bounds from the meta).
// y = min(max(x, lo), hi), so min > max gives max everywhere (as ONNX); an absent bound does not clip.
// HAS_MIN / HAS_MAX are 1 when bindings 2 / 3 hold the bound; Dawn keeps a binding that only an
// override-false branch reads in the 'auto' layout, so a plan without one binds x there again.
// Meta: [0] n.
override WG: u32 = 256;
override HAS_MIN: u32 = 0u;
override HAS_MAX: u32 = 0u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> lo: array<f32>;
@group(0) @binding(3) var<storage, read> hi: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  var v = x[i];
  if (HAS_MIN == 1u) { v = max(v, lo[0]); }
  if (HAS_MAX == 1u) { v = min(v, hi[0]); }
  y[i] = v;
}
