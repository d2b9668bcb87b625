// Where(cond, x, y) with numpy broadcasting of all three operands; x and y are moved as raw
// 32-bit words, so every dtype works. Meta: [n, out_shape[6], c_strides[6], x_strides[6], y_strides[6]].
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> cond: array<i32>;
@group(0) @binding(2) var<storage, read> x: array<u32>;
@group(0) @binding(3) var<storage, read> y: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  var rem = i;
  var off = vec3<u32>(0u, 0u, 0u);
  for (var k = 5; k >= 0; k--) {
    let ax = u32(k);
    let d = meta_u32(1u + ax);
    let c = rem % d;
    rem = rem / d;
    off += c * vec3<u32>(meta_u32(7u + ax), meta_u32(13u + ax), meta_u32(19u + ax));
  }
  out[i] = select(y[off.z], x[off.y], cond[off.x] != 0);
}
