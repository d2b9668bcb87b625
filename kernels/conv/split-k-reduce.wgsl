// The second dispatch of a split-K convolution (kernels/conv/implicit-gemm-nhwc.wgsl with
// SPLIT > 1): one thread per four output channels of one pixel adds the SPLIT partial sums
// partial[split][p][m] and applies the epilogue, writing y channel-last.
// Meta: [0] vec4s of y (P * M / 4), [1] M / 4, [2] [3] the activation's alpha and beta.
override WG: u32 = 256;
override SPLIT: u32 = 2u;
override HAS_BIAS: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;
const ACT_ALPHA: u32 = 2u;

@group(0) @binding(1) var<storage, read> partial: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;

// #include common/unary.wgsl
// #include common/epilogue-vec4.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * WG + lid;
  let count = meta_u32(0u);
  if (i >= count) { return; }
  var acc = partial[i];
  for (var s = 1u; s < SPLIT; s++) { acc += partial[s * count + i]; }
  epilogue4(acc, i % meta_u32(1u), i);
}
