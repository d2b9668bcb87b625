// DequantizeLinear: y = f32(x - zero_point) * scale, one thread per element. x and the zero point
// are i32 words (u8, i8 or i32 values), the scale f32 words; the difference is taken in i32 and
// converted once, then one f32 product, as the reference (src/reference/quantize.ts). The scale
// index of element i comes from x viewed as [outer, dim, inner] around the axis (see
// quantGeometry in src/ir/ops/quantize.ts): per tensor, per axis and blocked alike.
// Meta: [0] n, [1] dim, [2] inner, [3] block, [4..6] scale strides (outer, block, inner).
override WG: u32 = 256;
// 1 when binding 3 holds the zero point. Dawn keeps a binding that only an override-false branch
// reads in the 'auto' layout, so a plan without one binds x there again.
override HAS_ZP: u32 = 0u;

@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> zero_point: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn scale_index(i: u32) -> u32 {
  let dim = meta_u32(1u);
  let inner = meta_u32(2u);
  let j = i % inner;
  let d = (i / inner) % dim;
  let o = i / (inner * dim);
  return o * meta_u32(4u) + (d / meta_u32(3u)) * meta_u32(5u) + j * meta_u32(6u);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let s = scale_index(i);
  var v = x[i];
  if (HAS_ZP == 1u) { v -= zero_point[s]; }
  y[i] = f32(v) * scale[s];
}
