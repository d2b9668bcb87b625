enable f16;

// Convolution as an implicit GEMM in half precision (conv.implicit_gemm_f16): kernels/conv/implicit-gemm.wgsl
// (1-D and 2-D, any memory layout, group 1; same tiles, meta and epilogue) with the weights packed
// to f16 when they are uploaded (Binding.pack 'f16', src/tactics/pack.ts), the input read as f32
// and rounded to f16 as it is staged, both tiles in f16 (half the workgroup memory), each product
// in f16, and the sums accumulated in f32, as tensor cores do: a sum over K terms keeps f32's
// error, only each term carries f16's (about 2^-11 relative per operand). The epilogue (bias,
// residual, activation) is f32. Inputs beyond f16's range (|x| > 65504) become infinite.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f16>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

alias tile_t = f16;

fn load_w(i: u32) -> f16 { return w[i]; }
fn load_x(i: u32) -> f16 { return f16(x[i]); }
fn mac(a: f16, b: f16, acc: f32) -> f32 { return acc + f32(a * b); }

// #include common/unary.wgsl

// #include conv/implicit-gemm-body.wgsl
