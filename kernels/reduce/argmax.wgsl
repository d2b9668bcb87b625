// ArgMax / ArgMin along one axis: x viewed as [outer, dim, inner], y[o * inner + j] the index of
// the extreme of x[o, :, j]. LANES threads cooperate on one output (LANES = 1: one thread per
// output; LANES = WG: one workgroup per output): each keeps the best (key, index) pair of the
// elements it strides over, then the lanes combine theirs in a tree in workgroup memory.
// Every value maps to an order key whose unsigned order is the reference's value order (-0 equal
// to +0, NaN above +inf; see src/reference/index-ops.ts), and the pair is ranked so that the
// lexicographic minimum wins: (~key or key, index or ~index). Being a total order on distinct
// pairs, the result does not depend on how the lanes split the work.
// Meta: [0] outputs (outer * inner), [1] dim, [2] inner.
override WG: u32 = 256;
override LANES: u32 = 1; // a power of two dividing WG
override INT: u32 = 0; // 1 when x holds integer words (i32, i64 narrowed, i8, u8)
override MIN: u32 = 0; // 1 for ArgMin
override LAST: u32 = 0; // 1 with select_last_index

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<i32>;

var<workgroup> part_key: array<u32, WG>;
var<workgroup> part_idx: array<u32, WG>;

// Unsigned order key of a value word: integers by offsetting the sign, floats by flipping
// negative ones whole and setting the sign bit of positive ones.
fn order_key(w: u32) -> u32 {
  if (INT == 1u) { return w ^ 0x80000000u; }
  var b = w;
  if ((b & 0x7fffffffu) == 0u) { b = 0u; } // -0 as +0
  else if ((b & 0x7fffffffu) > 0x7f800000u) { b = 0x7fc00000u; } // every NaN as one, above +inf
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

fn better(ka: u32, ia: u32, kb: u32, ib: u32) -> bool {
  return ka < kb || (ka == kb && ia < ib);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let outputs = meta_u32(0u);
  let dim = meta_u32(1u);
  let inner = meta_u32(2u);
  let out = linear_workgroup(wid, nwg) * (WG / LANES) + lid.x / LANES;
  let lane = lid.x % LANES;
  var best_key = 0xffffffffu;
  var best_idx = 0xffffffffu;
  if (out < outputs) {
    let base = (out / inner) * dim * inner + out % inner;
    for (var r = lane; r < dim; r += LANES) {
      let k = order_key(x[base + r * inner]);
      let key = select(~k, k, MIN == 1u);
      let idx = select(r, ~r, LAST == 1u);
      if (better(key, idx, best_key, best_idx)) {
        best_key = key;
        best_idx = idx;
      }
    }
  }
  if (LANES > 1u) {
    part_key[lid.x] = best_key;
    part_idx[lid.x] = best_idx;
    workgroupBarrier();
    for (var s = LANES / 2u; s > 0u; s = s / 2u) {
      if (lane < s && better(part_key[lid.x + s], part_idx[lid.x + s], part_key[lid.x], part_idx[lid.x])) {
        part_key[lid.x] = part_key[lid.x + s];
        part_idx[lid.x] = part_idx[lid.x + s];
      }
      workgroupBarrier();
    }
    best_idx = part_idx[lid.x];
  }
  if (lane == 0u && out < outputs) { y[out] = bitcast<i32>(select(best_idx, ~best_idx, LAST == 1u)); }
}
