// Convolution as an implicit GEMM (1-D and 2-D, any memory layout, group 1): Y[m, col] = sum_k W[m, k] * X'[k, col]
// with M = C_out, N = batch * H_out * W_out (col = (n * H_out + oh) * W_out + ow) and
// K = C_in * KH * KW (k = (ci * KH + kh) * KW + kw). W is the weight as stored ([C_out, K], row major);
// X' is the im2col matrix of the input, never materialized: each B tile is gathered from x on the
// fly, with the padding checks. A 1-D conv comes in as H = KH = 1.
// Each workgroup computes a BM x BN tile of Y; BK-deep slices of W and X' are staged in workgroup
// memory, and each thread accumulates a TM x TN block in registers (rows ty + i * WG_M, columns
// tx + j * WG_N: neighbouring threads read neighbouring tile words and write neighbouring outputs).
// Meta: [0] M, [1] N (columns), [2] K, [3] C_in, [4] H, [5] W, [6] H_out, [7] W_out, [8] KH, [9] KW,
//       [10] [11] strides, [12] [13] dilations, [14] [15] pad begins (i32), [16] column tiles,
//       [17] [18] the activation's alpha and beta, [19..22] x's element strides for n, c, h, w,
//       [23..25] y's for n, m and the output pixel (the residual is laid out as y): the layouts
//       (src/ir/layout.ts) are only strides here.
// The next K slice is read from global memory into registers while the current one is multiplied.
// Tile sizes are override constants; the plan (src/tactics/families/conv.ts, implicitGemmTiles)
// checks that TM, TN <= MAX_T divide BM, BN, that the WG_M * WG_N threads split the A tile evenly
// (at most MAX_LOAD words each), that they split into BK rows of B, each thread gathering
// B_COLS <= MAX_LOAD columns of one row.
// The tiles, the loop and the epilogue are kernels/conv/implicit-gemm-body.wgsl, shared with the
// half-precision kernel (implicit-gemm-f16.wgsl); here: the bindings and the f32 hooks.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

alias tile_t = f32;

fn load_w(i: u32) -> f32 { return w[i]; }
fn load_x(i: u32) -> f32 { return x[i]; }
fn mac(a: f32, b: f32, acc: f32) -> f32 { return fma(a, b, acc); }

// #include common/unary.wgsl

// #include conv/implicit-gemm-body.wgsl
