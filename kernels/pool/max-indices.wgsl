// MaxPool with its optional Indices output: kernels/pool/window.wgsl's max (KIND 0), plus the flat
// position of each max in x, over N and C too: (n * C + c) * D*H*W + the spatial offset, row major
// or, with storage_order 1 (meta [1]), column major (first spatial dim fastest). Ties go to the
// first position in window order; a window wholly in the padding gets index -1. Indices are int64
// tensors stored as i32 words (src/runtime/buffers.ts). One thread per output element, up to 3
// spatial dims (lower ranks get leading dims of size 1, which leave both orders unchanged).
// Meta: [0] total outputs, [1] storage_order, [8..10] input D H W, [11..13] output D H W,
// [14..16] kernel, [17..19] strides, [20..22] dilations, [23..25] pad begins, [26..28] pad ends.
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

fn meta_vec3i(i: u32) -> vec3<i32> { return vec3<i32>(meta_i32(i), meta_i32(i + 1u), meta_i32(i + 2u)); }
fn meta_vec3u(i: u32) -> vec3<u32> { return vec3<u32>(meta_u32(i), meta_u32(i + 1u), meta_u32(i + 2u)); }

// Whether coordinate p lies inside [lo, hi) in every dim.
fn inside(p: vec3<i32>, lo: vec3<i32>, hi: vec3<i32>) -> bool { return all(p >= lo) && all(p < hi); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let col_major = meta_u32(1u) == 1u;
  let in_sz = meta_vec3i(8u);
  let out_sz = meta_vec3u(11u);
  let k = meta_vec3u(14u);
  let stride = meta_vec3i(17u);
  let dil = meta_vec3i(20u);
  let pad_lo = meta_vec3i(23u);

  var r = i;
  let ow = r % out_sz.z; r = r / out_sz.z;
  let oh = r % out_sz.y; r = r / out_sz.y;
  let od = r % out_sz.x; r = r / out_sz.x;
  let plane = u32(in_sz.x * in_sz.y * in_sz.z);
  let xc = r * plane; // r = n * C + c
  let origin = vec3<i32>(vec3<u32>(od, oh, ow)) * stride - pad_lo;

  var best = 0.0;
  var best_at = -1;
  for (var kd = 0u; kd < k.x; kd++) {
    for (var kh = 0u; kh < k.y; kh++) {
      for (var kw = 0u; kw < k.z; kw++) {
        let p = origin + vec3<i32>(vec3<u32>(kd, kh, kw)) * dil;
        if (!inside(p, vec3<i32>(0), in_sz)) { continue; }
        let at = (p.x * in_sz.y + p.y) * in_sz.z + p.z;
        let v = x[xc + u32(at)];
        if (best_at < 0 || v > best) {
          best = v;
          best_at = select(at, p.x + in_sz.x * (p.y + in_sz.y * p.z), col_major);
        }
      }
    }
  }
  y[i] = best;
  indices[i] = select(i32(xc) + best_at, -1, best_at < 0);
}
