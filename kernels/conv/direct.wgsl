// Direct convolution: one thread per output element. Up to 3 spatial dims (1-D and 2-D layers are
// given leading spatial dims of size 1); groups, strides, dilations and pads come in the meta.
// Meta: [0] total outputs, [2] C, [3] M, [4] C/group, [5] M/group, [8..10] input D H W,
// [11..13] output D H W, [14..16] kernel, [17..19] strides, [20..22] dilations, [23..25] pad begins,
// [26..28] pad ends (unused here), [29] [30] the activation's alpha and beta.
override WG: u32 = 256;
// The epilogue: y = act(acc + bias[m] + residual[i]). HAS_BIAS is 1 when binding 3 holds the bias,
// HAS_RESIDUAL 1 when binding 4 holds a tensor of y's shape; ACT is an op code of
// kernels/common/unary.wgsl (22, Identity, for a plain Conv). Dawn keeps a binding that only an
// override-false branch reads in the 'auto' layout, so a plan without them binds a read-only
// input there again (the weight, the input).
override HAS_BIAS: u32 = 0u;
override HAS_RESIDUAL: u32 = 0u;
override ACT: u32 = 22u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

// #include common/unary.wgsl

// Hook: what happens to output element i (of output channel m) once its sum is complete.
fn epilogue(acc: f32, m: u32, i: u32) {
  var v = acc;
  if (HAS_BIAS == 1u) { v += bias[m]; }
  if (HAS_RESIDUAL == 1u) { v += residual[i]; }
  y[i] = unary_op(ACT, v, meta_f32(29u), meta_f32(30u));
}

fn meta_vec3i(i: u32) -> vec3<i32> { return vec3<i32>(meta_i32(i), meta_i32(i + 1u), meta_i32(i + 2u)); }
fn meta_vec3u(i: u32) -> vec3<u32> { return vec3<u32>(meta_u32(i), meta_u32(i + 1u), meta_u32(i + 2u)); }

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
  let origin = vec3<i32>(vec3<u32>(od, oh, ow)) * stride - pad;
  let plane = u32(in_sz.x * in_sz.y * in_sz.z);
  let ksize = k.x * k.y * k.z;

  var acc = 0.0;
  for (var ci = 0u; ci < cg; ci++) {
    let xc = (n * c_in + g * cg + ci) * plane;
    let wc = (m * cg + ci) * ksize;
    for (var kd = 0u; kd < k.x; kd++) {
      let id = origin.x + i32(kd) * dil.x;
      if (id < 0 || id >= in_sz.x) { continue; }
      for (var kh = 0u; kh < k.y; kh++) {
        let ih = origin.y + i32(kh) * dil.y;
        if (ih < 0 || ih >= in_sz.y) { continue; }
        let xrow = xc + u32((id * in_sz.y + ih) * in_sz.z);
        let wrow = wc + (kd * k.y + kh) * k.z;
        for (var kw = 0u; kw < k.z; kw++) {
          let iw = origin.z + i32(kw) * dil.z;
          if (iw < 0 || iw >= in_sz.z) { continue; }
          acc += x[xrow + u32(iw)] * w[wrow + kw];
        }
      }
    }
  }
  epilogue(acc, m, i);
}
