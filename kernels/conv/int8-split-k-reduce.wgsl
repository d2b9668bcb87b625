// The second dispatch of a split-K int8 convolution (kernels/conv/int8-nhwc.wgsl with SPLIT > 1):
// one thread per four output channels of one pixel adds the SPLIT i32 partial sums
// partial[split][p][m] (exact) and applies the epilogue, writing y channel-last (packed when i8).
// Meta: [0] vec4s of y (P * M / 4), [1] M / 4.
override WG: u32 = 256;
override SPLIT: u32 = 2u;
// Bindings 1 to 6, HAS_BIAS, RELU, REQUANT, RESIDUAL and the zero points: conv/int8-epilogue.wgsl.

@group(0) @binding(7) var<storage, read> partial: array<vec4<i32>>;

// #include conv/int8-epilogue.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linear_workgroup(wid, nwg) * WG + lid;
  let count = meta_u32(0u);
  if (i >= count) { return; }
  var a = partial[i];
  for (var s = 1u; s < SPLIT; s++) { a += partial[s * count + i]; }
  int8_epilogue4(a, 4u * (i % meta_u32(1u)), 4u * i);
}
