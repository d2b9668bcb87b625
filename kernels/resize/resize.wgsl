// Resize, N-D (up to 6 axes). Each output coordinate o maps to the input coordinate
// fma(o, a[k], b[k]): every ONNX coordinate_transformation_mode is affine per axis, so the
// host folds the mode into (a, b). MODE 0 nearest (NEAREST: 0 round_prefer_floor,
// 1 round_prefer_ceil, 2 floor, 3 ceil), MODE 1 linear: the weighted sum over the corners of
// the axes in `mask` (the axes that really resize), neighbours clamped to the edge.
// Meta: [n, out_shape[6], in_dim[6], in_strides[6], a[6] (f32), b[6] (f32), mask].
override WG: u32 = 256;
override MODE: u32 = 0;
override NEAREST: u32 = 0;

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

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  var lo: array<u32, 6>;
  var hi: array<u32, 6>;
  var frac: array<f32, 6>;
  var rem = i;
  var src = 0u;
  for (var k = 5; k >= 0; k--) {
    let ax = u32(k);
    let d = meta_u32(1u + ax);
    let o = rem % d;
    rem = rem / d;
    let last = f32(meta_u32(7u + ax)) - 1.0;
    let c = fma(f32(o), meta_f32(19u + ax), meta_f32(25u + ax));
    let stride = meta_u32(13u + ax);
    if (MODE == 0u) {
      src += u32(clamp(nearest(c), 0.0, last)) * stride;
    } else {
      let f = floor(c);
      frac[ax] = c - f;
      lo[ax] = u32(clamp(f, 0.0, last)) * stride;
      hi[ax] = u32(clamp(f + 1.0, 0.0, last)) * stride;
    }
  }
  if (MODE == 0u) {
    y[i] = x[src];
    return;
  }
  let mask = meta_u32(31u);
  var sum = 0.0;
  for (var corner = 0u; corner < 64u; corner++) {
    if ((corner & ~mask) != 0u) { continue; }
    var w = 1.0;
    var at = 0u;
    for (var ax = 0u; ax < 6u; ax++) {
      let up = ((corner >> ax) & 1u) != 0u;
      if (((mask >> ax) & 1u) != 0u) { w *= select(1.0 - frac[ax], frac[ax], up); }
      at += select(lo[ax], hi[ax], up);
    }
    sum += w * bitcast<f32>(x[at]);
  }
  y[i] = bitcast<u32>(sum);
}
