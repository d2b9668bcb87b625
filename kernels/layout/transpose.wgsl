// N-D transpose (up to 6 axes after merging), indexed by output element: output axis k walks
// the input with stride in_strides[k] (the input stride of axis perm[k]).
// Meta: [n, out_shape[6], in_strides[6]].
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  var rem = i;
  var src = 0u;
  for (var k = 5; k >= 0; k--) {
    let ax = u32(k);
    let d = meta_u32(1u + ax);
    src += (rem % d) * meta_u32(7u + ax);
    rem = rem / d;
  }
  y[i] = x[src];
}
