// Softmax / LogSoftmax over one axis: one workgroup per row (the elements along the axis, `inner`
// apart in memory), with workgroup tree reductions for the row's max and its sum of exp(x - max).
// Meta: [0] rows, [1] axis length, [2] inner (product of the dims after the axis), [3] -inf (f32).
override WG: u32 = 256; // a power of two
override LOG: u32 = 0; // 1: LogSoftmax

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> scratch: array<f32, WG>;

fn workgroup_reduce(v: f32, t: u32, take_max: bool) -> f32 {
  scratch[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (t < s) {
      let o = scratch[t + s];
      scratch[t] = select(scratch[t] + o, max(scratch[t], o), take_max);
    }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = linear_workgroup(wid, nwg);
  if (row >= meta_u32(0u)) { return; }
  let len = meta_u32(1u);
  let inner = meta_u32(2u);
  let base = (row / inner) * len * inner + row % inner;
  let t = lid.x;

  var m = meta_f32(3u);
  for (var j = t; j < len; j += WG) { m = max(m, x[base + j * inner]); }
  m = workgroup_reduce(m, t, true);
  var s = 0.0;
  for (var j = t; j < len; j += WG) { s += exp(x[base + j * inner] - m); }
  s = workgroup_reduce(s, t, false);
  let log_s = log(s);
  for (var j = t; j < len; j += WG) {
    let v = x[base + j * inner] - m;
    y[base + j * inner] = select(exp(v) / s, v - log_s, LOG == 1u);
  }
}
