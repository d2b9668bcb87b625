// Elementwise unary ops on f32, four elements per thread through vec4 loads and stores (the
// `vec: 4` point of pointwise.unary; element count a multiple of 4). OP as in unary.wgsl.
// Meta: [n / 4, alpha, beta].
override WG: u32 = 256;
override OP: u32 = 0;

@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

// #include common/unary.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let v = x[i];
  let a = meta_f32(1u);
  let b = meta_f32(2u);
  y[i] = vec4<f32>(unary_op(OP, v.x, a, b), unary_op(OP, v.y, a, b), unary_op(OP, v.z, a, b), unary_op(OP, v.w, a, b));
}
