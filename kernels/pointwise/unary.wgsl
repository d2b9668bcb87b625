// Elementwise unary ops on f32. OP selects the function at pipeline creation (an override
// constant, so each op compiles to its own straight-line kernel). Meta: [n, alpha, beta].
override WG: u32 = 256;
override OP: u32 = 0;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

// #include common/unary.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  y[i] = unary_op(OP, x[i], meta_f32(1u), meta_f32(2u));
}
