// Prepended to every kernel: the metadata uniform (binding 0) and helpers to read it and to
// linearize a 2-D workgroup grid (see grid() in src/tactics/meta.ts).
@group(0) @binding(0) var<uniform> meta_words: array<vec4<u32>, 32>;

fn meta_u32(i: u32) -> u32 { return meta_words[i >> 2u][i & 3u]; }
fn meta_i32(i: u32) -> i32 { return bitcast<i32>(meta_words[i >> 2u][i & 3u]); }
fn meta_f32(i: u32) -> f32 { return bitcast<f32>(meta_words[i >> 2u][i & 3u]); }

// Linear index of this workgroup in a grid that grid() may have folded into x and y.
fn linear_workgroup(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.y * nwg.x + wid.x; }
