// ReduceMax (KIND 2) and ReduceMin (KIND 3) on i32 words: integer and bool tensors (see
// src/runtime/buffers.ts), exact. LANES threads cooperate on one output element as in
// kernels/reduce/reduce.wgsl: each strides over the reduced elements, then the lanes combine
// theirs in a tree reduction in workgroup memory.
// Meta: [0] outputs, [1] reduced count, [2] unused, [3] the accumulator's start (i32: the
//       smallest word for max, the largest for min), [4..7] kept dims, [8..11] kept strides,
//       [12..15] reduced dims, [16..19] reduced strides (outermost first, padded in front with dim 1).
override WG: u32 = 256;
override LANES: u32 = 1; // a power of two dividing WG
override KIND: u32 = 2; // 2 max, 3 min

@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<i32>;

var<workgroup> partial: array<i32, WG>;

fn combine(a: i32, b: i32) -> i32 {
  if (KIND == 3u) { return min(a, b); }
  return max(a, b);
}

// Input offset of element i of a row-major index space described at meta[dims..dims+3].
fn offset(i: u32, dims: u32) -> u32 {
  var rest = i;
  var off = 0u;
  for (var d = 3u; d < 4u; d--) {
    let n = meta_u32(dims + d);
    off += (rest % n) * meta_u32(dims + 4u + d);
    rest = rest / n;
  }
  return off;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let outputs = meta_u32(0u);
  let count = meta_u32(1u);
  let out = linear_workgroup(wid, nwg) * (WG / LANES) + lid.x / LANES;
  let lane = lid.x % LANES;
  var acc = meta_i32(3u);
  if (out < outputs) {
    let base = offset(out, 4u);
    for (var r = lane; r < count; r += LANES) { acc = combine(acc, x[base + offset(r, 12u)]); }
  }
  if (LANES > 1u) {
    partial[lid.x] = acc;
    workgroupBarrier();
    for (var s = LANES / 2u; s > 0u; s = s / 2u) {
      if (lane < s) { partial[lid.x] = combine(partial[lid.x], partial[lid.x + s]); }
      workgroupBarrier();
    }
    acc = partial[lid.x];
  }
  if (lane == 0u && out < outputs) { y[out] = acc; }
}
