// Elementwise binary ops on f32 words with numpy broadcasting. OP (an override constant) picks
// the op; the output is one 32-bit word per element: f32 bits for arithmetic, 0/1 for
// comparisons (bool tensors are i32 words on the GPU).
// Meta: [n, out_shape[6], a_strides[6], b_strides[6]]: shapes padded in front with 1, strides
// 0 on broadcast axes (see src/tactics/families/strides.ts).
override WG: u32 = 256;
override OP: u32 = 0;

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;

// Offsets of output element i in both operands.
fn operand_offsets(i: u32) -> vec2<u32> {
  var rem = i;
  var off = vec2<u32>(0u, 0u);
  for (var k = 5; k >= 0; k--) {
    let ax = u32(k);
    let d = meta_u32(1u + ax);
    let c = rem % d;
    rem = rem / d;
    off += c * vec2<u32>(meta_u32(7u + ax), meta_u32(13u + ax));
  }
  return off;
}

// #include common/binary.wgsl

fn word(v: f32) -> u32 { return bitcast<u32>(v); }
fn flag(c: bool) -> u32 { return select(0u, 1u, c); }

fn apply(x: f32, z: f32) -> u32 {
  switch OP {
    case 10u: { return flag(x == z); }
    case 11u: { return flag(x < z); }
    case 12u: { return flag(x > z); }
    case 13u: { return flag(x <= z); }
    case 14u: { return flag(x >= z); }
    default: { return word(binary_op(OP, x, z)); }             // 0..9: arithmetic
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let off = operand_offsets(i);
  y[i] = apply(a[off.x], b[off.y]);
}
