// Softmax / LogSoftmax as softmax.wgsl (one workgroup per row), with subgroup reductions: each
// subgroup reduces its values with subgroupMax / subgroupAdd, its first lane writes the result to
// its own slot of `partial` (the others write the identity), and every thread then folds the
// whole array, four slots per read. Which threads form a subgroup is left to the driver (WGSL does
// not promise contiguous ranges), so no step relies on it. Needs the 'subgroups' feature.
// Meta as softmax.wgsl: [0] rows, [1] axis length, [2] inner, [3] -inf (f32).
enable subgroups;

override WG: u32 = 256; // a multiple of 4
override LOG: u32 = 0; // 1: LogSoftmax

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<vec4<f32>, WG / 4u>;

fn workgroup_reduce(v: f32, t: u32, lane: u32, take_max: bool) -> f32 {
  let identity = select(0.0, meta_f32(3u), take_max);
  let r = select(subgroupAdd(v), subgroupMax(v), take_max);
  partial[t / 4u][t % 4u] = select(identity, r, lane == 0u);
  workgroupBarrier();
  var acc = vec4<f32>(identity);
  for (var i = 0u; i < WG / 4u; i++) { acc = select(acc + partial[i], max(acc, partial[i]), take_max); }
  workgroupBarrier();
  return select(acc.x + acc.y + acc.z + acc.w, max(max(acc.x, acc.y), max(acc.z, acc.w)), take_max);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let row = linear_workgroup(wid, nwg);
  if (row >= meta_u32(0u)) { return; }
  let len = meta_u32(1u);
  let inner = meta_u32(2u);
  let base = (row / inner) * len * inner + row % inner;
  let t = lid.x;

  var m = meta_f32(3u);
  for (var j = t; j < len; j += WG) { m = max(m, x[base + j * inner]); }
  m = workgroup_reduce(m, t, lane, true);
  var s = 0.0;
  for (var j = t; j < len; j += WG) { s += exp(x[base + j * inner] - m); }
  s = workgroup_reduce(s, t, lane, false);
  let log_s = log(s);
  for (var j = t; j < len; j += WG) {
    let v = x[base + j * inner] - m;
    y[base + j * inner] = select(exp(v) / s, v - log_s, LOG == 1u);
  }
}
