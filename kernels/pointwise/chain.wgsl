// A fused chain of elementwise f32 ops (a PointwiseChain node): one thread per output element
// loads that element of each input, with numpy broadcasting, and calls the hook
//
//   fn chain(x: array<f32, 7>) -> f32
//
// which is generated from the node's program (src/tactics/families/pointwise-chain.ts) and
// appended to this file; it computes the steps with unary_op and binary_op.
// INPUTS is how many inputs the chain has; bindings in0..in6 past it hold input 0 again (Dawn
// keeps a binding that only an override-false branch reads in the 'auto' layout) and are not read.
// Meta: [n, out_shape[6], strides[6] per input]: shapes padded in front with 1, strides 0 on
// broadcast axes (see src/tactics/families/strides.ts).
override WG: u32 = 256;
override INPUTS: u32 = 1u;

@group(0) @binding(1) var<storage, read> in0: array<f32>;
@group(0) @binding(2) var<storage, read> in1: array<f32>;
@group(0) @binding(3) var<storage, read> in2: array<f32>;
@group(0) @binding(4) var<storage, read> in3: array<f32>;
@group(0) @binding(5) var<storage, read> in4: array<f32>;
@group(0) @binding(6) var<storage, read> in5: array<f32>;
@group(0) @binding(7) var<storage, read> in6: array<f32>;
@group(0) @binding(8) var<storage, read_write> y: array<f32>;

// #include common/unary.wgsl
// #include common/binary.wgsl

// Offsets of output element i in each input.
fn input_offsets(i: u32) -> array<u32, 7> {
  var off = array<u32, 7>();
  var rem = i;
  for (var k = 5; k >= 0; k--) {
    let ax = u32(k);
    let d = meta_u32(1u + ax);
    let c = rem % d;
    rem = rem / d;
    for (var j = 0u; j < INPUTS; j++) { off[j] += c * meta_u32(7u + 6u * j + ax); }
  }
  return off;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let off = input_offsets(i);
  var x = array<f32, 7>();
  x[0] = in0[off[0]];
  if (INPUTS > 1u) { x[1] = in1[off[1]]; }
  if (INPUTS > 2u) { x[2] = in2[off[2]]; }
  if (INPUTS > 3u) { x[3] = in3[off[3]]; }
  if (INPUTS > 4u) { x[4] = in4[off[4]]; }
  if (INPUTS > 5u) { x[5] = in5[off[5]]; }
  if (INPUTS > 6u) { x[6] = in6[off[6]]; }
  y[i] = chain(x);
}
