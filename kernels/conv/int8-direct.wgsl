// Int8Conv (src/ir/ops/int8.ts), direct: one thread per output element, 1-D and 2-D (a 1-D conv
// comes in as H = KH = 1), groups, strides, dilations and pads. i8 tensors are one i32 word per
// element on the GPU (src/runtime/buffers.ts), so every step packs 4 consecutive input channels
// of x and of w at one window position into a u32 each (pack4xI8; channels past C / group are 0)
// and adds their dot product, exact in i32, with dot4I8Packed (packed_4x8_integer_dot_product).
// Meta: [0] total outputs, [1] C, [2] M, [3] C/group, [4] M/group, [5] H, [6] W, [7] H_out,
//       [8] W_out, [9] KH, [10] KW, [11] [12] strides, [13] [14] dilations, [15] [16] pad begins (i32).
// Bindings, HAS_BIAS, RELU, REQUANT and RESIDUAL: conv/int8-epilogue.wgsl.
override WG: u32 = 256;

// #include conv/int8-epilogue.wgsl
// #include conv/int8-common.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let c_in = meta_u32(1u);
  let m_out = meta_u32(2u);
  let cg = meta_u32(3u);
  let mg = meta_u32(4u);
  let in_h = meta_i32(5u);
  let in_w = meta_i32(6u);
  let out_h = meta_u32(7u);
  let out_w = meta_u32(8u);
  let kh_n = meta_u32(9u);
  let kw_n = meta_u32(10u);
  let stride = vec2<i32>(meta_i32(11u), meta_i32(12u));
  let dil = vec2<i32>(meta_i32(13u), meta_i32(14u));
  let pad = vec2<i32>(meta_i32(15u), meta_i32(16u));

  // i = ((n * M + m) * H_out + oh) * W_out + ow
  let ow = i % out_w;
  let oh = (i / out_w) % out_h;
  let m = (i / (out_w * out_h)) % m_out;
  let n = i / (out_w * out_h * m_out);
  let g = m / mg;
  let origin = vec2<i32>(i32(oh), i32(ow)) * stride - pad;
  let plane = u32(in_h * in_w); // x's channel stride
  let ksize = kh_n * kw_n; // w's channel stride

  var acc = 0;
  for (var c0 = 0u; c0 < cg; c0 += 4u) {
    let count = min(4u, cg - c0);
    let xc = (n * c_in + g * cg + c0) * plane;
    let wc = (m * cg + c0) * ksize;
    for (var kh = 0u; kh < kh_n; kh++) {
      let ih = origin.x + i32(kh) * dil.x;
      let row_in = ih >= 0 && ih < in_h;
      if (!row_in && X_ZP == 0) { continue; } // padding counts 0
      for (var kw = 0u; kw < kw_n; kw++) {
        let iw = origin.y + i32(kw) * dil.y;
        let inside = row_in && iw >= 0 && iw < in_w;
        if (!inside && X_ZP == 0) { continue; }
        var xp = pad_word();
        if (inside) { xp = pack_x(xc + u32(ih * in_w + iw), plane, count); }
        let wp = pack_w(wc + kh * kw_n + kw, ksize, count);
        acc += dot4I8Packed(xp, wp);
      }
    }
  }
  int8_epilogue(acc, m, i);
}
