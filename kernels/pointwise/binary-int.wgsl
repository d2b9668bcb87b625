// Elementwise binary ops on i32 words (integer and bool tensors) with numpy broadcasting.
// OP codes as in binary.wgsl, plus the logical ops 15 And, 16 Or, 17 Xor (nonzero is true).
// Div truncates toward zero (WGSL: x / 0 gives x); Mod 8 takes the divisor's sign, 9 the dividend's.
// Meta: [n, out_shape[6], a_strides[6], b_strides[6]].
override WG: u32 = 256;
override OP: u32 = 0;

@group(0) @binding(1) var<storage, read> a: array<i32>;
@group(0) @binding(2) var<storage, read> b: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

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

// x^e by repeated squaring; negative exponents give the truncated float power (0 unless |x| = 1).
fn pow_i(x: i32, e: i32) -> i32 {
  if (e < 0) {
    if (x == 1) { return 1; }
    if (x == -1) { return select(1, -1, (e & 1) != 0); }
    return 0;
  }
  var r = 1;
  var base = x;
  var k = e;
  while (k != 0) {
    if ((k & 1) != 0) { r = r * base; }
    base = base * base;
    k = k >> 1u;
  }
  return r;
}

fn flag(c: bool) -> i32 { return select(0, 1, c); }

fn apply(x: i32, z: i32) -> i32 {
  switch OP {
    case 0u: { return x + z; }
    case 1u: { return x - z; }
    case 2u: { return x * z; }
    case 3u: { return x / z; }
    case 4u: { return pow_i(x, z); }
    case 5u: { return min(x, z); }
    case 6u: { return max(x, z); }
    case 7u: { return select(x, z * x, x < 0); }
    case 8u: {
      let r = x % z;
      return select(r, r + z, r != 0 && ((r < 0) != (z < 0)));
    }
    case 9u: { return x % z; }
    case 10u: { return flag(x == z); }
    case 11u: { return flag(x < z); }
    case 12u: { return flag(x > z); }
    case 13u: { return flag(x <= z); }
    case 14u: { return flag(x >= z); }
    case 15u: { return flag(x != 0 && z != 0); }
    case 16u: { return flag(x != 0 || z != 0); }
    default: { return flag((x != 0) != (z != 0)); }              // 17: Xor
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let off = operand_offsets(i);
  y[i] = apply(a[off.x], b[off.y]);
}
