// Transposed convolution, gathered: one thread per output element. The definition scatters input
// position i through kernel tap k to full-result position i * stride + k * dilation, and the
// output is that result cropped by pad_begin; so output o sums, over the taps k and the input
// channels of its group, the input at i = (o + pad_begin - k * dilation) / stride wherever that
// divides exactly and lands inside the input. Up to 3 spatial dims (1-D and 2-D layers get leading
// spatial dims of size 1). Weight layout [C, M/group, kD, kH, kW].
// Meta: [0] total outputs, [2] C, [3] M, [4] C/group, [5] M/group, [8..10] input D H W,
// [11..13] output D H W, [14..16] kernel, [17..19] strides, [20..22] dilations, [23..25] pad begins.
override WG: u32 = 256;
// 1 when binding 3 holds the bias. Dawn keeps a binding that only an override-false branch reads
// in the 'auto' layout, so a bias-less plan binds the (read-only) weight there again.
override HAS_BIAS: u32 = 0u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn meta_vec3i(i: u32) -> vec3<i32> { return vec3<i32>(meta_i32(i), meta_i32(i + 1u), meta_i32(i + 2u)); }
fn meta_vec3u(i: u32) -> vec3<u32> { return vec3<u32>(meta_u32(i), meta_u32(i + 1u), meta_u32(i + 2u)); }

// The input coordinate that tap k of full position f reads on one axis, or -1 where none does.
fn source(f: i32, k: u32, dil: i32, stride: i32, size: i32) -> i32 {
  let t = f - i32(k) * dil;
  if (t < 0 || t % stride != 0) { return -1; }
  let i = t / stride;
  return select(-1, i, i < size);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let c_in = meta_u32(2u);
  let m_out = meta_u32(3u);
  let cg = meta_u32(4u);
  let mg = meta_u32(5u);
  let in_sz = meta_vec3i(8u);
  let out_sz = meta_vec3u(11u);
  let k = meta_vec3u(14u);
  let stride = meta_vec3i(17u);
  let dil = meta_vec3i(20u);
  let pad = meta_vec3i(23u);

  // i = ((n * M + m) * D + od) * H + oh) * W + ow
  var r = i;
  let ow = r % out_sz.z; r = r / out_sz.z;
  let oh = r % out_sz.y; r = r / out_sz.y;
  let od = r % out_sz.x; r = r / out_sz.x;
  let m = r % m_out;
  let n = r / m_out;
  let g = m / mg;
  let f = vec3<i32>(vec3<u32>(od, oh, ow)) + pad; // position in the full (uncropped) result
  let plane = u32(in_sz.x * in_sz.y * in_sz.z);
  let ksize = k.x * k.y * k.z;
  // Input channel c = g * cg + ci of batch n, and its weights for output channel m.
  let x0 = (n * c_in + g * cg) * plane;
  let w0 = (g * cg * mg + m % mg) * ksize;

  var acc = 0.0;
  if (HAS_BIAS == 1u) { acc = bias[m]; }
  for (var kd = 0u; kd < k.x; kd++) {
    let id = source(f.x, kd, dil.x, stride.x, in_sz.x);
    if (id < 0) { continue; }
    for (var kh = 0u; kh < k.y; kh++) {
      let ih = source(f.y, kh, dil.y, stride.y, in_sz.y);
      if (ih < 0) { continue; }
      for (var kw = 0u; kw < k.z; kw++) {
        let iw = source(f.z, kw, dil.z, stride.z, in_sz.z);
        if (iw < 0) { continue; }
        var xi = x0 + u32((id * in_sz.y + ih) * in_sz.z + iw);
        var wi = w0 + (kd * k.y + kh) * k.z + kw;
        for (var ci = 0u; ci < cg; ci++) {
          acc += x[xi] * w[wi];
          xi += plane;
          wi += mg * ksize;
        }
      }
    }
  }
  y[i] = acc;
}
