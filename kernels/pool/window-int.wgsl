// MaxPool on i32 words (u8, i8, i32 and i64 tensors, see src/runtime/buffers.ts): one thread per
// output element, up to 3 spatial dims (lower ranks get leading dims of size 1). The max is
// exact; padded positions never enter it (a window wholly in the padding, possible only with
// dilations, gives 0 as in kernels/pool/window.wgsl).
// x and y row-major or, for 2 spatial dims, channel-last, as in kernels/pool/window.wgsl: x through
// its strides, y through Y_NHWC (thread i is output word i). An 8-bit channel-last tensor is packed,
// 4 channels to a word (src/ir/layout.ts; SIGNED: i8, else u8): X_PACKED reads x's byte of channel
// c from word c / 4 of its pixel (meta [2] and [4] count words, [3] is unused); Y_PACKED runs one
// thread per word of y, its 4 channels (from one word of x per tap when x is packed too).
// Meta as kernels/pool/window.wgsl: [0] total outputs (words of y), [1] C, [2] x's stride of n, [3]
// of c, [4] of a spatial position, [8..10] input D H W, [11..13] output D H W, [14..16] kernel,
// [17..19] strides, [20..22] dilations, [23..25] pad begins.
override WG: u32 = 256;
override Y_NHWC: u32 = 0u;
override X_PACKED: u32 = 0u;
override Y_PACKED: u32 = 0u;
override SIGNED: u32 = 1u;

@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<i32>;

fn meta_vec3i(i: u32) -> vec3<i32> { return vec3<i32>(meta_i32(i), meta_i32(i + 1u), meta_i32(i + 2u)); }
fn meta_vec3u(i: u32) -> vec3<u32> { return vec3<u32>(meta_u32(i), meta_u32(i + 1u), meta_u32(i + 2u)); }

// The 4 channels of packed word c / 4 of image n at spatial position pos (X_PACKED).
fn x_word(n: u32, c: u32, pos: u32) -> vec4<i32> {
  let word = bitcast<u32>(x[n * meta_u32(2u) + pos * meta_u32(4u) + c / 4u]);
  if (SIGNED == 1u) { return unpack4xI8(word); }
  return vec4<i32>(unpack4xU8(word));
}

// Channel c of image n at spatial position pos.
fn x_at(n: u32, c: u32, pos: u32) -> i32 {
  if (X_PACKED == 1u) { return x_word(n, c, pos)[c % 4u]; }
  return x[n * meta_u32(2u) + c * meta_u32(3u) + pos * meta_u32(4u)];
}

// The max over the window of output position o (D, H, W) of channel c of image n; with quad,
// of channels c .. c + 3 (x packed, c a multiple of 4: one word per tap), else in .x.
fn window_max(n: u32, c: u32, o: vec3<u32>, quad: bool) -> vec4<i32> {
  let in_sz = meta_vec3i(8u);
  let k = meta_vec3u(14u);
  let dil = meta_vec3i(20u);
  let origin = vec3<i32>(o) * meta_vec3i(17u) - meta_vec3i(23u);
  var best = vec4<i32>(0);
  var found = false;
  for (var kd = 0u; kd < k.x; kd++) {
    for (var kh = 0u; kh < k.y; kh++) {
      for (var kw = 0u; kw < k.z; kw++) {
        let p = origin + vec3<i32>(vec3<u32>(kd, kh, kw)) * dil;
        if (!(all(p >= vec3<i32>(0)) && all(p < in_sz))) { continue; }
        let pos = u32((p.x * in_sz.y + p.y) * in_sz.z + p.z);
        var v = vec4<i32>(x_at(n, c, pos));
        if (quad) { v = x_word(n, c, pos); }
        best = select(v, max(best, v), found);
        found = true;
      }
    }
  }
  return best;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let out_sz = meta_vec3u(11u);
  let channels = meta_u32(1u);
  var r = i;
  var c = 0u;
  if (Y_PACKED == 1u) {
    let c4 = (channels + 3u) / 4u;
    c = 4u * (r % c4);
    r = r / c4;
  } else if (Y_NHWC == 1u) { c = r % channels; r = r / channels; }
  let ow = r % out_sz.z; r = r / out_sz.z;
  let oh = r % out_sz.y; r = r / out_sz.y;
  let od = r % out_sz.x; r = r / out_sz.x;
  let o = vec3<u32>(od, oh, ow);
  if (Y_PACKED == 1u) {
    var v = vec4<i32>(0); // channels past C: zero bytes
    if (X_PACKED == 1u) {
      v = window_max(r, c, o, true); // x's padding bytes are zero too
    } else {
      for (var j = 0u; j < 4u; j++) {
        if (c + j < channels) { v[j] = window_max(r, c + j, o, false).x; }
      }
    }
    y[i] = bitcast<i32>(pack4xI8(v));
    return;
  }
  if (Y_NHWC == 0u) { c = r % channels; r = r / channels; }
  y[i] = window_max(r, c, o, false).x; // r = n
}
