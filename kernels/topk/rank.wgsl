// TopK by rank, one workgroup per row: x viewed as [outer, dim, inner], a row is x[o, :, j].
// Element e's rank is the number of row elements that come before it in the output order (better
// value, or an equal value at a lower index): a total order, so ranks are distinct, and the
// elements of rank < k write themselves to position rank of values[o, :, j] and indices[o, :, j].
// The row is read in tiles of WG order keys through workgroup memory. O(dim^2 / WG) per row: the
// fallback for any dim (see bitonic.wgsl for rows that fit in workgroup memory).
// Meta: [0] rows (outer * inner), [1] dim, [2] inner, [3] k.
override WG: u32 = 64;
override INT: u32 = 0; // 1 when x holds integer words
override LARGEST: u32 = 1; // 0 for the k smallest

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> values: array<u32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

var<workgroup> tile: array<u32, WG>;

// Unsigned order key of a value word (as kernels/reduce/argmax.wgsl): -0 equals +0, NaN above +inf.
fn order_key(w: u32) -> u32 {
  if (INT == 1u) { return w ^ 0x80000000u; }
  var b = w;
  if ((b & 0x7fffffffu) == 0u) { b = 0u; }
  else if ((b & 0x7fffffffu) > 0x7f800000u) { b = 0x7fc00000u; }
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

// Keys in output order: ascending (key, index) is the order TopK writes.
fn sort_key(w: u32) -> u32 {
  let k = order_key(w);
  return select(k, ~k, LARGEST == 1u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = linear_workgroup(wid, nwg);
  if (row >= meta_u32(0u)) { return; }
  let dim = meta_u32(1u);
  let inner = meta_u32(2u);
  let k = meta_u32(3u);
  let base = (row / inner) * dim * inner + row % inner;
  let out_base = (row / inner) * k * inner + row % inner;
  for (var jb = 0u; jb < dim; jb += WG) {
    let j = jb + lid.x;
    var kj = 0u;
    if (j < dim) { kj = sort_key(x[base + j * inner]); }
    var rank = 0u;
    for (var cb = 0u; cb < dim; cb += WG) {
      workgroupBarrier();
      let c = cb + lid.x;
      if (c < dim) { tile[lid.x] = sort_key(x[base + c * inner]); }
      workgroupBarrier();
      let n = min(WG, dim - cb);
      for (var t = 0u; t < n; t++) {
        let kt = tile[t];
        rank += select(0u, 1u, kt < kj || (kt == kj && cb + t < j));
      }
    }
    if (j < dim && rank < k) {
      values[out_base + rank * inner] = x[base + j * inner];
      indices[out_base + rank * inner] = i32(j);
    }
  }
}
