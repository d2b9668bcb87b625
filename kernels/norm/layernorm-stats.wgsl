// LayerNormalization with its optional outputs Mean and InvStdDev (ONNX outputs 1 and 2): the
// kernels/norm/layernorm.wgsl computation, plus one statistic per row written to binding 5 —
// the row's mean (STAT 0) or 1 / sqrt(var + eps) (STAT 1). A separate file because an absent
// output leaves nothing to bind: when both are wanted the plan dispatches this kernel twice, the
// second time with WRITE_Y 0 (y stays bound but is not written again).
// One workgroup per row (the L values of the normalized dims [axis, rank)). Two passes with
// workgroup tree reductions (mean, then variance around the mean), then
// y = (x - mean) / sqrt(var + eps) * scale + bias, with scale and bias broadcast over the
// normalized shape through per-dim strides (0 where a parameter dim is 1 or missing).
// WG must be a power of two. Meta: [0] rows, [1] L, [2] eps, [4..9] normalized dims (leading 1s),
// [10..15] scale strides, [16..21] bias strides.
override WG: u32 = 256;
// 1 when binding 3 holds the bias; without one the plan binds the scale there again (Dawn keeps
// a binding that only an override-false branch reads in the 'auto' layout).
override HAS_BIAS: u32 = 0u;
override STAT: u32 = 0u;
override WRITE_Y: u32 = 1u;
const DIMS: u32 = 6u;

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> stat: array<f32>;

// #include common/layernorm-row.wgsl

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = linear_workgroup(wid, nwg);
  if (row >= meta_u32(0u)) { return; }
  let l = meta_u32(1u);
  let base = row * l;
  let s = row_stats(lid, base, l);
  if (lid == 0u) { stat[row] = select(s.shift + s.mean, s.inv, STAT == 1u); }
  if (WRITE_Y == 0u) { return; }
  write_normalized(lid, base, l, s);
}
