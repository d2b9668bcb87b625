// Scalar unary functions on f32, by op code (the codes of src/tactics/families/unary.ts):
// the pointwise unary kernel and the conv and GEMM epilogues call unary_op with an override
// constant as the code, so each pipeline compiles to one straight-line function.
// A kernel takes this file with the line `// #include common/unary.wgsl`.

// erfc(|v|) with fractional error < 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit).
fn erfc_abs(v: f32) -> f32 {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.5 * a);
  return t * exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
         t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
         t * (-0.82215223 + t * 0.17087277)))))))));
}

// erf(v): its Taylor series near 0 (where 1 - erfc would cancel), 1 - erfc(|v|) beyond.
fn erf_approx(v: f32) -> f32 {
  if (abs(v) < 0.5) {
    let z = v * v;
    return 1.1283791670955126 * v * (1.0 - z * (1.0 / 3.0 - z * (0.1 - z * (1.0 / 42.0 - z * (1.0 / 216.0 -
           z * (1.0 / 1320.0 - z / 9360.0))))));
  }
  let r = 1.0 - erfc_abs(v);
  return select(-r, r, v >= 0.0);
}

// Gelu = 0.5 v (1 + erf(v / sqrt 2)) = 0.5 v erfc(-v / sqrt 2): for v < 0 erfc is taken directly.
fn gelu_erf(v: f32) -> f32 {
  let z = v * 0.7071067811865476;
  if (v < 0.0) { return 0.5 * v * erfc_abs(z); }
  return 0.5 * v * (1.0 + erf_approx(z));
}

// log(1 + e) for e in [0, 1]: a series below 0.01, where 1 + e would round away e's digits.
fn log1p_unit(e: f32) -> f32 {
  if (e < 0.01) { return e * (1.0 - e * (0.5 - e * (0.3333333333 - e * 0.25))); }
  return log(1.0 + e);
}

fn softplus(v: f32) -> f32 {
  return max(v, 0.0) + log1p_unit(exp(-abs(v)));
}

// tanh with full relative precision near 0 (builtin tanh may lose it; Mish needs it).
fn tanh_small(s: f32) -> f32 {
  if (abs(s) < 0.01) { let s2 = s * s; return s * (1.0 - s2 * (0.3333333333 - s2 * 0.1333333333)); }
  return tanh(s);
}

fn unary_op(op: u32, v: f32, alpha: f32, beta: f32) -> f32 {
  switch op {
    case 0u: { return max(v, 0.0); }                                   // Relu
    case 1u: { return select(alpha * v, v, v >= 0.0); }                // LeakyRelu
    case 2u: { return 1.0 / (1.0 + exp(-v)); }                         // Sigmoid
    case 3u: { return tanh_small(v); }                                 // Tanh
    case 4u: { return clamp(alpha * v + beta, 0.0, 1.0); }             // HardSigmoid
    case 5u: { return v * clamp(v / 6.0 + 0.5, 0.0, 1.0); }            // HardSwish
    case 6u: { return gelu_erf(v); }                                   // Gelu (erf)
    case 7u: { return v / (1.0 + exp(-1.5957691216057308 * (v + 0.044715 * v * v * v))); } // Gelu (tanh): 0.5 v (1 + tanh u) = v sigmoid(2u)
    case 8u: { return select(alpha * (exp(v) - 1.0), v, v >= 0.0); }   // Elu
    case 9u: { return beta * select(alpha * (exp(v) - 1.0), v, v > 0.0); } // Selu (alpha, gamma)
    case 10u: { return softplus(v); }                                  // Softplus
    case 11u: { return v * tanh_small(softplus(v)); }                  // Mish
    case 12u: { return exp(v); }
    case 13u: { return log(v); }
    case 14u: { return sqrt(v); }
    case 15u: { return abs(v); }
    case 16u: { return -v; }
    case 17u: { return 1.0 / v; }
    case 18u: { return floor(v); }
    case 19u: { return ceil(v); }
    case 20u: { return erf_approx(v); }
    case 21u: { return min(max(v, alpha), beta); }                     // Clip (alpha = min, beta = max; min > max gives max)
    case 23u: { return v / (1.0 + abs(v)); }                           // Softsign
    default: { return v; }                                             // Identity
  }
}
