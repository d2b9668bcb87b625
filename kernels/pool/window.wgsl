// MaxPool (KIND 0) and AveragePool (KIND 1): one thread per output element, up to 3 spatial dims
// (lower ranks get leading dims of size 1). Padded positions never enter a max; an average divides
// by the positions inside the input, or with count_include_pad by those inside the padded input.
// x and y are row-major (N x C x D x H x W) or, for 2 spatial dims, channel-last (N x H x W x C,
// src/ir/layout.ts): x through its strides, y through Y_NHWC. Thread i is output element i in y's
// memory order, so neighbouring threads write (and, channel-last, read) neighbouring words.
// Meta: [0] total outputs, [1] C, [2] x's stride of n, [3] of c, [4] of a spatial position,
// [7] count_include_pad, [8..10] input D H W, [11..13] output D H W,
// [14..16] kernel, [17..19] strides, [20..22] dilations, [23..25] pad begins, [26..28] pad ends.
override WG: u32 = 256;
override KIND: u32 = 0u;
override Y_NHWC: u32 = 0u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn meta_vec3i(i: u32) -> vec3<i32> { return vec3<i32>(meta_i32(i), meta_i32(i + 1u), meta_i32(i + 2u)); }
fn meta_vec3u(i: u32) -> vec3<u32> { return vec3<u32>(meta_u32(i), meta_u32(i + 1u), meta_u32(i + 2u)); }

// Whether coordinate p lies inside [lo, hi) in every dim.
fn inside(p: vec3<i32>, lo: vec3<i32>, hi: vec3<i32>) -> bool { return all(p >= lo) && all(p < hi); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let include_pad = meta_u32(7u) == 1u;
  let in_sz = meta_vec3i(8u);
  let out_sz = meta_vec3u(11u);
  let k = meta_vec3u(14u);
  let stride = meta_vec3i(17u);
  let dil = meta_vec3i(20u);
  let pad_lo = meta_vec3i(23u);
  let pad_hi = meta_vec3i(26u);

  let channels = meta_u32(1u);
  var r = i;
  var c = 0u;
  if (Y_NHWC == 1u) { c = r % channels; r = r / channels; }
  let ow = r % out_sz.z; r = r / out_sz.z;
  let oh = r % out_sz.y; r = r / out_sz.y;
  let od = r % out_sz.x; r = r / out_sz.x;
  if (Y_NHWC == 0u) { c = r % channels; r = r / channels; }
  let xc = r * meta_u32(2u) + c * meta_u32(3u); // r = n
  let x_pos = meta_u32(4u);
  let origin = vec3<i32>(vec3<u32>(od, oh, ow)) * stride - pad_lo;

  var best = 0.0;
  var sum = 0.0;
  var found = 0u;
  var counted = 0u;
  for (var kd = 0u; kd < k.x; kd++) {
    for (var kh = 0u; kh < k.y; kh++) {
      for (var kw = 0u; kw < k.z; kw++) {
        let p = origin + vec3<i32>(vec3<u32>(kd, kh, kw)) * dil;
        if (inside(p, -pad_lo, in_sz + pad_hi)) { counted++; }
        if (!inside(p, vec3<i32>(0), in_sz)) { continue; }
        let v = x[xc + u32((p.x * in_sz.y + p.y) * in_sz.z + p.z) * x_pos];
        best = select(v, max(best, v), found > 0u);
        sum += v;
        found++;
      }
    }
  }
  if (KIND == 0u) {
    y[i] = best;
  } else {
    y[i] = sum / f32(select(found, counted, include_pad));
  }
}
