// Tiled GEMM for Gemm and MatMul (and their fused forms): Y[b] = act(alpha * A[b] x B[b] + beta * C + R[b]).
// Each workgroup computes a TILE_M x TILE_N tile of one output matrix; KT-wide slices of A and B
// are staged in workgroup memory, and each thread accumulates a TM x TN block in registers
// (rows ty + i * WG_M, columns tx + j * WG_N). Transposes and broadcasts are strides, so one
// kernel serves transA/transB, 1-D MatMul operands and broadcast batch dimensions.
// Meta: kernels/gemm/common.wgsl.
// The epilogue: y = act(alpha * acc + beta * C + residual). HAS_RESIDUAL is 1 when binding 4 holds
// a tensor of y's shape (else A again, unread); ACT is an op code of kernels/common/unary.wgsl
// (22, Identity, for a plain Gemm or MatMul).
// The tiles and the loop are kernels/gemm/tiled-body.wgsl, shared with the half-precision kernel
// (tiled-f16.wgsl); here: the bindings and the f32 hooks.
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>; // A again when there is no bias (has_c = 0)
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

alias tile_t = f32;

// #include common/unary.wgsl

// #include gemm/common.wgsl

// Hooks: where operands come from, and how a product is added.
fn load_a(i: u32) -> f32 { return a[i]; }
fn load_b(i: u32) -> f32 { return b[i]; }
fn mac(x: f32, y: f32, acc: f32) -> f32 { return fma(x, y, acc); }

// #include gemm/tiled-body.wgsl
