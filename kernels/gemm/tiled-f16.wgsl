enable f16;

// Tiled GEMM in half precision (gemm.tiled_f16) for Gemm and MatMul (and their fused forms) with a
// constant B: kernels/gemm/tiled.wgsl (same tiles, strides, batches, meta and epilogue) with B
// packed to f16 when the weights are uploaded (Binding.pack 'f16', src/tactics/pack.ts), A read as
// f32 and rounded to f16 as it is staged, both tiles in f16, each product in f16 and the sums
// accumulated in f32, as tensor cores do (see kernels/conv/implicit-gemm-f16.wgsl). The epilogue
// (alpha, beta * C, residual, activation) is f32.
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f16>;
@group(0) @binding(3) var<storage, read> c: array<f32>; // A again when there is no bias (has_c = 0)
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

alias tile_t = f16;

// #include common/unary.wgsl

// #include gemm/common.wgsl

fn load_a(i: u32) -> f16 { return f16(a[i]); }
fn load_b(i: u32) -> f16 { return b[i]; }
fn mac(x: f16, y: f16, acc: f32) -> f32 { return acc + f32(x * y); }

// #include gemm/tiled-body.wgsl
