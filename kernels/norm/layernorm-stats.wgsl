// LayerNormalization with its optional outputs Mean and InvStdDev (ONNX outputs 1 and 2): the
// kernels/norm/layernorm.wgsl computation, plus one statistic per row written to binding 5 —
// the row's mean (STAT 0) or 1 / sqrt(var + eps) (STAT 1). A separate file because an absent
// output leaves nothing to bind: when both are wanted the plan dispatches this kernel twice, the
// second time with WRITE_Y 0 (y stays bound but is not written again).
// One workgroup per row (the L values of the normalized dims [axis, rank)). Two passes with
// workgroup tree reductions (mean, then variance around the mean), then
// y = (x - mean) / sqrt(var + eps) * scale + bias, with scale and bias broadcast over the
// normalized shape through per-dim strides (0 where a parameter dim is 1 or missing).
// WG must be a power of two. Meta: [0] rows, [1] L, [2] eps, [4..9] normalized dims (leading 1s),
// [10..15] scale strides, [16..21] bias strides.
override WG: u32 = 256;
// 1 when binding 3 holds the bias; without one the plan binds the scale there again (Dawn keeps
// a binding that only an override-false branch reads in the 'auto' layout).
override HAS_BIAS: u32 = 0u;
override STAT: u32 = 0u;
override WRITE_Y: u32 = 1u;
const DIMS: u32 = 6u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> stat: array<f32>;

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

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = linear_workgroup(wid, nwg);
  if (row >= meta_u32(0u)) { return; }
  let l = meta_u32(1u);
  let base = row * l;
  // Values are taken relative to the row's first one: x - shift is exact for nearby values, so a
  // large common offset does not cost the mean its precision.
  let shift = x[base];
  var acc = 0.0;
  for (var j = lid; j < l; j += WG) { acc += x[base + j] - shift; }
  let mean = workgroup_sum(lid, acc) / f32(l); // mean of x - shift
  acc = 0.0;
  for (var j = lid; j < l; j += WG) {
    let d = x[base + j] - shift - mean;
    acc += d * d;
  }
  let inv = 1.0 / sqrt(workgroup_sum(lid, acc) / f32(l) + meta_f32(2u));
  if (lid == 0u) { stat[row] = select(shift + mean, inv, STAT == 1u); }
  if (WRITE_Y == 0u) { return; }
  for (var j = lid; j < l; j += WG) {
    var v = (x[base + j] - shift - mean) * inv * scale[param_offset(j, 10u)];
    if (HAS_BIAS == 1u) { v += bias[param_offset(j, 16u)]; }
    y[base + j] = v;
  }
}
