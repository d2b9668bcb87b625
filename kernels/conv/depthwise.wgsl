// Depthwise convolution (group = C_in, C_out = C_in x multiplier), 2-D, any kernel, strides,
// dilations and pads: one thread per output element, its KH x KW taps of one input channel.
// x, y and the residual are read and written at strides from the meta, so one kernel serves
// row-major and channel-last tensors; threads follow y's memory order (channels fastest when y is
// channel-last) so that neighbouring threads touch neighbouring words.
// Meta: [0] outputs, [1] C_out, [2] the channel multiplier, [3] 1 when channels are fastest,
// [4] [5] input H W, [6] [7] output H W, [8] [9] kernel, [10] [11] strides, [12] [13] dilations,
// [14] [15] pad top and left (i32), [16..19] x strides (n, c, h, w), [20..23] y strides,
// [24] [25] the activation's alpha and beta.
// The epilogue: y = act(acc + bias[m] + residual), as conv/direct.wgsl's (HAS_BIAS, HAS_RESIDUAL,
// ACT; an absent bias or residual binding holds another read-only tensor, unread).
override WG: u32 = 128;
override HAS_BIAS: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>; // [C_out, 1, KH, KW]
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

// #include common/unary.wgsl

// Hook: what happens to output element i (of output channel m) once its sum is complete.
fn epilogue(acc: f32, m: u32, i: u32) {
  var v = acc;
  if (HAS_BIAS == 1u) { v += bias[m]; }
  if (HAS_RESIDUAL == 1u) { v += residual[i]; }
  y[i] = unary_op(ACT, v, meta_f32(24u), meta_f32(25u));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let M = meta_u32(1u);
  let OH = meta_u32(6u);
  let OW = meta_u32(7u);
  var m: u32;
  var oh: u32;
  var ow: u32;
  var n: u32;
  if (meta_u32(3u) == 1u) {
    m = i % M;
    let r = i / M;
    ow = r % OW;
    oh = (r / OW) % OH;
    n = r / (OW * OH);
  } else {
    ow = i % OW;
    let r = i / OW;
    oh = r % OH;
    m = (r / OH) % M;
    n = r / (OH * M);
  }
  let c = m / meta_u32(2u);
  let H = i32(meta_u32(4u));
  let W = i32(meta_u32(5u));
  let KH = meta_u32(8u);
  let KW = meta_u32(9u);
  let h0 = i32(oh * meta_u32(10u)) - meta_i32(14u);
  let w0 = i32(ow * meta_u32(11u)) - meta_i32(15u);
  let dh = i32(meta_u32(12u));
  let dw = i32(meta_u32(13u));
  let xb = n * meta_u32(16u) + c * meta_u32(17u);
  let sh = meta_u32(18u);
  let sw = meta_u32(19u);
  let wb = m * KH * KW;

  var acc = 0.0;
  for (var kh = 0u; kh < KH; kh++) {
    let ih = h0 + i32(kh) * dh;
    if (ih < 0 || ih >= H) { continue; }
    for (var kw = 0u; kw < KW; kw++) {
      let iw = w0 + i32(kw) * dw;
      if (iw < 0 || iw >= W) { continue; }
      acc = fma(x[xb + u32(ih) * sh + u32(iw) * sw], w[wb + kh * KW + kw], acc);
    }
  }
  epilogue(acc, m, n * meta_u32(20u) + m * meta_u32(21u) + oh * meta_u32(22u) + ow * meta_u32(23u));
}
