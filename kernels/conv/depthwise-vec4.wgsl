// Depthwise convolution on channel-last tensors with C % 4 == 0 and multiplier 1: as
// conv/depthwise.wgsl, but each thread computes four neighbouring channels of one output pixel,
// so every load and store is a vec4. The weight is packed [KH, KW, C] at upload
// (Binding.perm [2, 3, 1, 0]), four channels of a tap side by side.
// Meta: conv/depthwise.wgsl's, except [0] vec4s of y and [1] C / 4 (words [2] [3] [16..23] unused).
override WG: u32 = 128;
override HAS_BIAS: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;
const ACT_ALPHA: u32 = 24u;

@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>; // [KH, KW, C / 4]
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> y: array<vec4<f32>>;

// #include common/unary.wgsl
// #include common/epilogue-vec4.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let C4 = meta_u32(1u);
  let H = meta_u32(4u);
  let W = meta_u32(5u);
  let OH = meta_u32(6u);
  let OW = meta_u32(7u);
  let KH = meta_u32(8u);
  let KW = meta_u32(9u);
  // i = ((n * OH + oh) * OW + ow) * C4 + c4: y's own vec4 index.
  let c4 = i % C4;
  let r = i / C4;
  let ow = r % OW;
  let oh = (r / OW) % OH;
  let n = r / (OW * OH);
  let h0 = i32(oh * meta_u32(10u)) - meta_i32(14u);
  let w0 = i32(ow * meta_u32(11u)) - meta_i32(15u);
  let dh = i32(meta_u32(12u));
  let dw = i32(meta_u32(13u));

  var acc = vec4<f32>();
  for (var kh = 0u; kh < KH; kh++) {
    let ih = h0 + i32(kh) * dh;
    if (ih < 0 || ih >= i32(H)) { continue; }
    let row = (n * H + u32(ih)) * W;
    for (var kw = 0u; kw < KW; kw++) {
      let iw = w0 + i32(kw) * dw;
      if (iw < 0 || iw >= i32(W)) { continue; }
      acc = fma(x[(row + u32(iw)) * C4 + c4], w[(kh * KW + kw) * C4 + c4], acc);
    }
  }
  epilogue4(acc, c4, i);
}
