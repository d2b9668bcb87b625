// Cast between the GPU's 32-bit element words: f32 words for float dtypes, i32 words for integer
// and bool dtypes (see src/runtime/buffers.ts). As ONNX: float -> int truncates toward zero
// (NaN and infinities give 0), -> bool is v != 0, -> f16 rounds to the nearest half.
// Meta: [0] n.
override WG: u32 = 256;
override SRC: u32 = 0; // 0 float words, 1 integer words
override DST: u32 = 0; // 0 f32, 1 f16, 2 i32/i64, 3 bool, 4 i8, 5 u8

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

fn to_f16(f: f32) -> f32 {
  if (abs(f) >= 65520.0) { return bitcast<f32>((bitcast<u32>(f) & 0x80000000u) | 0x7f800000u); } // overflows to +-inf
  return unpack2x16float(pack2x16float(vec2<f32>(f, 0.0))).x;
}

fn from_int(v: i32) -> u32 {
  switch DST {
    case 0u: { return bitcast<u32>(f32(v)); }
    case 1u: { return bitcast<u32>(to_f16(f32(v))); }
    case 3u: { return select(0u, 1u, v != 0); }
    case 4u: { return bitcast<u32>((v << 24u) >> 24u); }
    case 5u: { return bitcast<u32>(v) & 255u; }
    default: { return bitcast<u32>(v); }
  }
}

fn from_float(w: u32) -> u32 {
  let f = bitcast<f32>(w);
  switch DST {
    case 0u: { return w; }
    case 1u: { return bitcast<u32>(to_f16(f)); }
    case 3u: { return select(0u, 1u, f != 0.0); }
    default: { return from_int(select(0, i32(f), (w & 0x7f800000u) != 0x7f800000u)); } // i32() truncates; NaN, inf -> 0
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.y * nwg.x * WG + gid.x;
  if (i >= meta_u32(0u)) { return; }
  y[i] = select(from_float(x[i]), from_int(bitcast<i32>(x[i])), SRC == 1u);
}
