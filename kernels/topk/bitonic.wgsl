// TopK by a bitonic sort in workgroup memory, one workgroup per row: x viewed as [outer, dim,
// inner], a row is x[o, :, j]. The row's (order key, index) pairs are padded to P (a power of
// two) with pairs that sort last, sorted ascending by key then index, and the first k written to
// values[o, :, j] and indices[o, :, j]. The keys put the output order first (see sort_key), and
// since indices are distinct the order is total: equal values keep the lower index first.
// Workgroup memory: 8 * P bytes (P <= 2048 fits WebGPU's guaranteed 16 KiB).
// Meta: [0] rows (outer * inner), [1] dim, [2] inner, [3] k.
override WG: u32 = 256;
override P: u32 = 1024; // a power of two >= dim
override INT: u32 = 0; // 1 when x holds integer words
override LARGEST: u32 = 1; // 0 for the k smallest

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> values: array<u32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

var<workgroup> keys: array<u32, P>;
var<workgroup> idxs: array<u32, P>;

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
  for (var i = lid.x; i < P; i += WG) {
    if (i < dim) {
      keys[i] = sort_key(x[base + i * inner]);
      idxs[i] = i;
    } else {
      keys[i] = 0xffffffffu;
      idxs[i] = 0xffffffffu;
    }
  }
  workgroupBarrier();
  for (var size = 2u; size <= P; size = size << 1u) {
    for (var stride = size >> 1u; stride > 0u; stride = stride >> 1u) {
      for (var t = lid.x; t < P / 2u; t += WG) {
        let lo = 2u * stride * (t / stride) + t % stride;
        let hi = lo + stride;
        let ascending = (lo & size) == 0u;
        let ka = keys[lo];
        let kb = keys[hi];
        let ia = idxs[lo];
        let ib = idxs[hi];
        let b_first = kb < ka || (kb == ka && ib < ia);
        if (b_first == ascending) {
          keys[lo] = kb;
          keys[hi] = ka;
          idxs[lo] = ib;
          idxs[hi] = ia;
        }
      }
      workgroupBarrier();
    }
  }
  for (var r = lid.x; r < k; r += WG) {
    let i = idxs[r];
    values[out_base + r * inner] = x[base + i * inner];
    indices[out_base + r * inner] = i32(i);
  }
}
