// InstanceNormalization: one workgroup per (n, c) row of S spatial values. Two passes over the row,
// each closed by a workgroup tree reduction: the mean, then the variance around it (more accurate
// than E[x^2] - E[x]^2), then y = (x - mean) / sqrt(var + eps) * scale[c] + bias[c].
// WG must be a power of two. Meta: [0] rows (N * C), [1] S, [2] C, [3] eps.
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

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

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = linear_workgroup(wid, nwg);
  if (row >= meta_u32(0u)) { return; }
  let s = meta_u32(1u);
  let base = row * s;
  // Values are taken relative to the row's first one: x - shift is exact for nearby values, so a
  // large common offset does not cost the mean its precision.
  let shift = x[base];
  var acc = 0.0;
  for (var j = lid; j < s; j += WG) { acc += x[base + j] - shift; }
  let mean = workgroup_sum(lid, acc) / f32(s); // mean of x - shift
  acc = 0.0;
  for (var j = lid; j < s; j += WG) {
    let d = x[base + j] - shift - mean;
    acc += d * d;
  }
  let inv = 1.0 / sqrt(workgroup_sum(lid, acc) / f32(s) + meta_f32(3u));
  let c = row % meta_u32(2u);
  let a = inv * scale[c];
  let b = bias[c];
  for (var j = lid; j < s; j += WG) { y[base + j] = (x[base + j] - shift - mean) * a + b; }
}
