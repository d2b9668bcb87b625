// The adapter's peak memory bandwidth (src/tune/peaks.ts): a vec4 copy, each 16-byte word read
// once and written once. Meta: [n] (vec4 words).
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  y[i] = x[i];
}
