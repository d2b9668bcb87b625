// ScaledSwish on f32, one element per invocation: y = scale * x * sigmoid(beta * x), written
// x / (1 + exp(-beta x)) so that a large -beta x gives x / inf = 0 rather than inf * 0.
// WG is the workgroup size (an override constant, tuned). Meta: [0] n, [1] beta, [2] scale.
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let v = x[i];
  y[i] = meta_f32(2u) * v / (1.0 + exp(-meta_f32(1u) * v));
}
