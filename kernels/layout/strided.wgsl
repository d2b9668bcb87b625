// Output index -> input index through a per-axis affine map: on axis k the output coordinate o
// reads input coordinate start[k] + o * step[k]. This one kernel serves Slice (any steps,
// negative included), Expand (step 0 on broadcast axes), Pad (start = -pad_begin) and Tile
// (start 0, step 1, wrap). Where the coordinate falls outside [0, in_dim) MODE decides:
// 0 constant (writes pad_value), 1 reflect, 2 edge, 3 wrap.
// Meta: [n, out_shape[6], start[6] (i32), step[6] (i32), in_dim[6], in_strides[6], pad_value].
override WG: u32 = 256;
override MODE: u32 = 0;

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

// The in-range coordinate that c reads from, or -1 for the constant pad value.
fn source_coord(c: i32, d: i32) -> i32 {
  if (c >= 0 && c < d) { return c; }
  switch MODE {
    case 1u: {                                  // reflect: ... 2 1 | 0 1 2 3 | 2 1 ...
      if (d == 1) { return 0; }
      let period = 2 * (d - 1);
      var m = c % period;
      if (m < 0) { m += period; }
      return select(period - m, m, m < d);
    }
    case 2u: { return clamp(c, 0, d - 1); }     // edge
    case 3u: {                                  // wrap
      var m = c % d;
      if (m < 0) { m += d; }
      return m;
    }
    default: { return -1; }                     // constant
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  var rem = i;
  var src = 0u;
  for (var k = 5; k >= 0; k--) {
    let ax = u32(k);
    let d = meta_u32(1u + ax);
    let o = i32(rem % d);
    rem = rem / d;
    let s = source_coord(meta_i32(7u + ax) + o * meta_i32(13u + ax), meta_i32(19u + ax));
    if (s < 0) {
      y[i] = meta_u32(31u);
      return;
    }
    src += u32(s) * meta_u32(25u + ax);
  }
  y[i] = x[src];
}
