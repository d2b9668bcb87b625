// BatchNormalization (inference), pointwise: y = (x - mean[c]) * scale[c] / sqrt(var[c] + eps) + bias[c]
// with c the axis-1 index. Meta: [0] total elements, [1] C, [2] inner size (product of dims after C), [3] eps.
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> variance: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let c = (i / meta_u32(2u)) % meta_u32(1u);
  y[i] = (x[i] - mean[c]) / sqrt(variance[c] + meta_f32(3u)) * scale[c] + bias[c];
}
