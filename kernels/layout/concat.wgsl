// Copies one block between two tensors viewed as [outer, row]: element j of row o goes from
// x[o * src_row + src_offset + j] to y[o * dst_row + dst_offset + j]. Concat runs it once per
// input (writing that input's slice of the output), Split once per output.
// Meta: [n (= outer * row), row, src_row, src_offset, dst_row, dst_offset].
override WG: u32 = 256;

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  let row = meta_u32(1u);
  let o = i / row;
  let j = i - o * row;
  y[o * meta_u32(4u) + meta_u32(5u) + j] = x[o * meta_u32(2u) + meta_u32(3u) + j];
}
