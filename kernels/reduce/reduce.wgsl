// Reduce{Sum,Mean,Max,Min}. LANES threads cooperate on one output element (LANES = 1: one thread
// per output; LANES = WG: one workgroup per output): each strides over the reduced elements with
// an f32 accumulator, then the lanes combine theirs in a tree reduction in workgroup memory.
// The kept and the reduced dimensions are each merged into at most 4 (dim, input stride) pairs.
// Meta: [0] outputs, [1] reduced count, [2] 1/count (f32), [3] the accumulator's start (f32),
//       [4..7] kept dims, [8..11] kept strides, [12..15] reduced dims, [16..19] reduced strides
//       (outermost first, padded in front with dim 1).
override WG: u32 = 256;
override LANES: u32 = 1; // a power of two dividing WG
override KIND: u32 = 0; // 0 sum, 1 mean, 2 max, 3 min

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, WG>;

fn combine(a: f32, b: f32) -> f32 {
  switch KIND {
    case 2u: { return max(a, b); }
    case 3u: { return min(a, b); }
    default: { return a + b; }
  }
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
  var acc = meta_f32(3u);
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
  if (lane == 0u && out < outputs) { y[out] = select(acc, acc * meta_f32(2u), KIND == 1u); }
}
