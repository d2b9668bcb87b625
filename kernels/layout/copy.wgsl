// Contiguous copy of n 32-bit words: Reshape, Flatten, Squeeze, Unsqueeze and Identity on
// non-f32 tensors (any dtype: words are moved, never converted). Meta: [n].
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  y[i] = x[i];
}
