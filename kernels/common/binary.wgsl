// Scalar binary arithmetic on f32, by op code (the codes of src/tactics/families/binary.ts):
// the pointwise binary kernel calls binary_op with an override constant as the code, and the
// generated chain() of a fused pointwise chain with literal codes.
// A kernel takes this file with the line `// #include common/binary.wgsl`.

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

fn binary_op(op: u32, x: f32, z: f32) -> f32 {
  switch op {
    case 0u: { return x + z; }                                  // Add
    case 1u: { return x - z; }                                  // Sub
    case 2u: { return x * z; }                                  // Mul
    case 3u: { return x / z; }                                  // Div
    case 4u: { return pow_f(x, z); }                            // Pow
    case 5u: { return min(x, z); }                              // Min
    case 6u: { return max(x, z); }                              // Max
    case 7u: { return select(x, z * x, x < 0.0); }              // PRelu (z is the slope)
    case 8u: { return x - z * floor(x / z); }                   // Mod: sign of the divisor
    default: { return x % z; }                                  // 9: Mod fmod=1, sign of the dividend
  }
}
