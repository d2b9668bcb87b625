// The adapter's peak f32 arithmetic rate (src/tune/peaks.ts): every thread runs ITER rounds of
// 8 independent vec4 multiply-adds, acc = acc * a + b (64 FLOPs a round), enough independent
// chains to hide the FMA latency, then writes their sum so that none is optimized away. With
// a = 0.5 and b = 1 every chain tends to 2 and never overflows. Meta: [ITER, a (f32), b (f32)].
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  let a = vec4<f32>(meta_f32(1u));
  let b = vec4<f32>(meta_f32(2u));
  let s = f32(i & 7u);
  var c0 = vec4<f32>(s, s + 1.0, s + 2.0, s + 3.0);
  var c1 = c0 + 1.0;
  var c2 = c0 + 2.0;
  var c3 = c0 + 3.0;
  var c4 = c0 + 4.0;
  var c5 = c0 + 5.0;
  var c6 = c0 + 6.0;
  var c7 = c0 + 7.0;
  for (var k = 0u; k < meta_u32(0u); k++) {
    c0 = fma(c0, a, b);
    c1 = fma(c1, a, b);
    c2 = fma(c2, a, b);
    c3 = fma(c3, a, b);
    c4 = fma(c4, a, b);
    c5 = fma(c5, a, b);
    c6 = fma(c6, a, b);
    c7 = fma(c7, a, b);
  }
  y[i] = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7));
}
