// A fused chain of elementwise f32 ops (see chain.wgsl), four elements per thread through vec4
// loads and stores: the `vec: 4` point of pointwise.chain, for chains whose inputs all have the
// output's shape (no broadcasting) and an element count that is a multiple of 4. The generated
// `chain()` hook runs once per lane. Meta: [n / 4].
override WG: u32 = 256;
override INPUTS: u32 = 1u;

@group(0) @binding(1) var<storage, read> in0: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> in1: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> in2: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> in3: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> in4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> in5: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> in6: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> y: array<vec4<f32>>;

// #include common/unary.wgsl
// #include common/binary.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  var v = array<vec4<f32>, 7>();
  v[0] = in0[i];
  if (INPUTS > 1u) { v[1] = in1[i]; }
  if (INPUTS > 2u) { v[2] = in2[i]; }
  if (INPUTS > 3u) { v[3] = in3[i]; }
  if (INPUTS > 4u) { v[4] = in4[i]; }
  if (INPUTS > 5u) { v[5] = in5[i]; }
  if (INPUTS > 6u) { v[6] = in6[i]; }
  var out = vec4<f32>();
  for (var lane = 0u; lane < 4u; lane++) {
    var x = array<f32, 7>();
    for (var j = 0u; j < 7u; j++) { x[j] = v[j][lane]; }
    out[lane] = chain(x);
  }
  y[i] = out;
}
