// Importing this module registers every reference kernel (one module per op family).
export * from './executor.js';
import './conv.js';
import './gemm.js';
import './reduce.js';
import './unary.js';
import './pool.js';
import './norm.js';
import './binary.js';
import './layout.js';
import './resize.js';
import './index-ops.js';
import './quantize.js';
import './pointwise-chain.js';
import './fused.js';
import './int8-conv.js';
