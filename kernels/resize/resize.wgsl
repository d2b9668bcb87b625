// Resize, N-D (up to 6 axes), after ONNX's reference implementation (see src/reference/resize.ts).
// Each output coordinate o maps to the input coordinate fma(o, a[k], b[k]): every ONNX
// coordinate_transformation_mode is affine per axis, so the host folds the mode into (a, b).
// MODE 0 nearest (NEAREST: 0 round_prefer_floor, 1 round_prefer_ceil, 2 floor, 3 ceil).
// MODE 1 linear, 2 cubic: a separable filter over the axes in `mask` (the axes that really
// resize). On such an axis the taps are base + i, i in [1 - m, m], base = ceil(c) - 1, weighted
// by kernel((i - (c - base)) * s) where s is the antialias scale (min(scale, 1), else 1) and m
// the half-width the host computed; taps outside the input read the edge. EXCLUDE zeroes the
// weights of taps outside the input; ANTIALIAS and EXCLUDE divide the weights by their sum.
// CROP (tf_crop_and_resize): an output whose coordinate lies outside [0, length - 1] on some
// axis is the fill word (extrapolation_value).
// Meta: [n, out_shape[6], in_dim[6], in_strides[6], a[6] (f32), b[6] (f32), mask,
//        s[6] (f32), m[6], cubic_coeff_a (f32), fill].
override WG: u32 = 256;
override MODE: u32 = 0;
override NEAREST: u32 = 0;
override EXCLUDE: u32 = 0;
override ANTIALIAS: u32 = 0;
override CROP: u32 = 0;

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

// Coordinates within float noise of a multiple of 0.5 count as on it (as snapCoordinate in
// src/reference/resize.ts): float32 scales and formulas must not move a rounding decision.
fn snap(x: f32) -> f32 {
  let k = round(x * 2.0) * 0.5;
  return select(x, k, abs(x - k) <= min(0.01, 1e-5 * max(1.0, abs(x))));
}

fn nearest(x: f32) -> f32 {
  let c = snap(x);
  switch NEAREST {
    case 0u: { return select(round(c), floor(c), c == floor(c) + 0.5); } // round() breaks ties to even; ties are handled here
    case 1u: { return select(round(c), ceil(c), c == floor(c) + 0.5); }
    case 2u: { return floor(c); }
    default: { return ceil(c); }
  }
}

// The interpolation kernel at distance t: the tent (linear) or Keys' cubic with a = cubic_coeff_a.
fn filter_kernel(t: f32) -> f32 {
  let d = abs(t);
  if (MODE == 1u) { return max(0.0, 1.0 - d); }
  let a = meta_f32(44u);
  if (d <= 1.0) { return ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0; }
  if (d < 2.0) { return ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a; }
  return 0.0;
}

// Per axis, for MODE 1 and 2: first tap (base + 1 - m), distance of the first tap from the
// coordinate, the weight normalizer, and the tap count 2m (1 on axes outside the mask).
var<private> first: array<i32, 6>;
var<private> ratio: array<f32, 6>;
var<private> norm: array<f32, 6>;
var<private> taps: array<u32, 6>;

// Weight of tap j (0 <= j < taps[ax]) on a resized axis.
fn tap_weight(ax: u32, j: u32) -> f32 {
  let at = first[ax] + i32(j);
  let last = i32(meta_u32(7u + ax)) - 1;
  if (EXCLUDE == 1u && (at < 0 || at > last)) { return 0.0; }
  return filter_kernel((f32(j) - ratio[ax]) * meta_f32(32u + ax)) / norm[ax];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let mask = meta_u32(31u);
  var rem = i;
  var src = 0u;
  var outside = false;
  for (var k = 5; k >= 0; k--) {
    let ax = u32(k);
    let d = meta_u32(1u + ax);
    let o = rem % d;
    rem = rem / d;
    let last = f32(meta_u32(7u + ax)) - 1.0;
    let c = fma(f32(o), meta_f32(19u + ax), meta_f32(25u + ax));
    let stride = meta_u32(13u + ax);
    // Within float noise of an end counts as inside (outsideCrop in src/reference/resize.ts).
    let tol = 1e-5 * max(1.0, last);
    if (CROP == 1u && (c < -tol || c > last + tol)) { outside = true; }
    if (MODE == 0u) {
      src += u32(clamp(nearest(c), 0.0, last)) * stride;
    } else if (((mask >> ax) & 1u) == 0u) {
      src += o * stride; // not resampled: reads o itself
      taps[ax] = 1u;
    } else {
      let base = ceil(c) - 1.0;
      let m = i32(meta_u32(38u + ax));
      first[ax] = i32(base) + 1 - m;
      ratio[ax] = c - base + f32(m - 1); // tap j lies j - ratio[ax] from c
      taps[ax] = u32(2 * m);
      norm[ax] = 1.0;
      if (ANTIALIAS == 1u || EXCLUDE == 1u) {
        var sum = 0.0;
        for (var j = 0u; j < taps[ax]; j++) { sum += tap_weight(ax, j); }
        norm[ax] = sum;
      }
    }
  }
  if (CROP == 1u && outside) {
    y[i] = meta_u32(45u);
    return;
  }
  if (MODE == 0u) {
    y[i] = x[src];
    return;
  }
  // Every combination of one tap per resized axis (src holds the other axes' offset).
  var count = 1u;
  for (var ax = 0u; ax < 6u; ax++) { count *= taps[ax]; }
  var sum = 0.0;
  for (var t = 0u; t < count; t++) {
    var r = t;
    var w = 1.0;
    var at = src;
    for (var ax = 0u; ax < 6u; ax++) {
      if (((mask >> ax) & 1u) == 0u) { continue; }
      let j = r % taps[ax];
      r = r / taps[ax];
      w *= tap_weight(ax, j);
      let last = i32(meta_u32(7u + ax)) - 1;
      at += u32(clamp(first[ax] + i32(j), 0, last)) * meta_u32(13u + ax);
    }
    sum += w * bitcast<f32>(x[at]);
  }
  y[i] = bitcast<u32>(sum);
}
