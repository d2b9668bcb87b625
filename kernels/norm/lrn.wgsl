// LRN (local response normalization across channels), one thread per element:
// y = x / (bias + alpha / size * sum of x^2 over channels [c - before, c + after] within [0, C))^beta.
// Meta: [0] total elements, [1] C, [2] inner size (product of dims after C), [3] before, [4] after,
// [5] alpha / size, [6] beta, [7] bias.
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let c_count = meta_u32(1u);
  let inner = meta_u32(2u);
  let c = (i / inner) % c_count;
  let base = i - c * inner; // element (n, 0, spatial)
  let first = select(0u, c - meta_u32(3u), c >= meta_u32(3u));
  let last = min(c_count - 1u, c + meta_u32(4u));
  var sq = 0.0;
  for (var j = first; j <= last; j++) {
    let v = x[base + j * inner];
    sq += v * v;
  }
  y[i] = x[i] / pow(meta_f32(7u) + meta_f32(5u) * sq, meta_f32(6u));
}
