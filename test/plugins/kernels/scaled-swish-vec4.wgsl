// ScaledSwish on f32, four elements per invocation through vec4 loads and stores (the tensor's
// element count is a multiple of 4: see the tactic's supports()). Same formula as
// scaled-swish.wgsl. Meta: [0] n / 4, [1] beta, [2] scale.
override WG: u32 = 64;

@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let v = x[i];
  y[i] = meta_f32(2u) * v / (vec4<f32>(1.0) + exp(-meta_f32(1u) * v));
}
