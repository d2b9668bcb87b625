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

// x^e with WGSL's pow (defined for x > 0 only) extended to x <= 0 and integer exponents.
fn pow_f(x: f32, e: f32) -> f32 {
  if (e == 0.0) { return 1.0; }
  if (x == 0.0) { return select(1.0 / x, 0.0, e > 0.0); }
  let m = pow(abs(x), e);
  if (x > 0.0) { return m; }
  // A negative base to a fractional power is NaN (built from x so it is no constant expression).
  if (fract(e) != 0.0) { return bitcast<f32>(0x7fc00000u | (bitcast<u32>(x) & 0u)); }
  return select(m, -m, fract(e * 0.5) != 0.0);
}

fn word(v: f32) -> u32 { return bitcast<u32>(v); }
fn flag(c: bool) -> u32 { return select(0u, 1u, c); }

fn apply(x: f32, z: f32) -> u32 {
  switch OP {
    case 0u: { return word(x + z); }
    case 1u: { return word(x - z); }
    case 2u: { return word(x * z); }
    case 3u: { return word(x / z); }
    case 4u: { return word(pow_f(x, z)); }
    case 5u: { return word(min(x, z)); }
    case 6u: { return word(max(x, z)); }
    case 7u: { return word(select(x, z * x, x < 0.0)); }       // PRelu (z is the slope)
    case 8u: { return word(x - z * floor(x / z)); }             // Mod: sign of the divisor
    case 9u: { return word(x % z); }                            // Mod fmod=1: sign of the dividend
    case 10u: { return flag(x == z); }
    case 11u: { return flag(x < z); }
    case 12u: { return flag(x > z); }
    case 13u: { return flag(x <= z); }
    default: { return flag(x >= z); }                           // 14: GreaterOrEqual
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let off = operand_offsets(i);
  y[i] = apply(a[off.x], b[off.y]);
}
