// One LayerNormalization row per workgroup, shared by kernels/norm/layernorm.wgsl and
// layernorm-stats.wgsl (taken with `// #include common/layernorm-row.wgsl`). The including kernel
// declares WG, HAS_BIAS, DIMS and the bindings x, scale, bias, y; the meta words are those the
// kernels describe: [1] L, [2] eps, [4..9] normalized dims, [10..15] scale and [16..21] bias strides.

var<workgroup> part: array<f32, WG>;

// Sum of v over the workgroup; every thread gets the result.
fn workgroup_sum(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half / 2u) {
    if (lid < half) { part[lid] += part[lid + half]; }
    workgroupBarrier();
  }
  let total = part[0];
  workgroupBarrier(); // part is reused by the next reduction
  return total;
}

// Offset of element j of the normalized shape in a parameter with strides at meta[first..].
fn param_offset(j: u32, first: u32) -> u32 {
  var r = j;
  var off = 0u;
  for (var d = DIMS; d > 0u; d--) {
    let dim = meta_u32(3u + d);
    off += (r % dim) * meta_u32(first + d - 1u);
    r = r / dim;
  }
  return off;
}

// A row's statistics. Values are taken relative to the row's first one (shift): x - shift is
// exact for nearby values, so a large common offset does not cost the mean its precision.
struct RowStats {
  shift: f32,
  mean: f32, // of x - shift
  inv: f32,  // 1 / sqrt(var + eps)
}

// Two passes with workgroup tree reductions: the mean, then the variance around it.
fn row_stats(lid: u32, base: u32, l: u32) -> RowStats {
  let shift = x[base];
  var acc = 0.0;
  for (var j = lid; j < l; j += WG) { acc += x[base + j] - shift; }
  let mean = workgroup_sum(lid, acc) / f32(l);
  acc = 0.0;
  for (var j = lid; j < l; j += WG) {
    let d = x[base + j] - shift - mean;
    acc += d * d;
  }
  return RowStats(shift, mean, 1.0 / sqrt(workgroup_sum(lid, acc) / f32(l) + meta_f32(2u)));
}

// y = (x - mean) * inv * scale + bias over the row, scale and bias broadcast through their strides.
fn write_normalized(lid: u32, base: u32, l: u32, s: RowStats) {
  for (var j = lid; j < l; j += WG) {
    var v = (x[base + j] - s.shift - s.mean) * s.inv * scale[param_offset(j, 10u)];
    if (HAS_BIAS == 1u) { v += bias[param_offset(j, 16u)]; }
    y[base + j] = v;
  }
}
