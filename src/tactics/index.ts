// Importing this module registers every built-in tactic (views first: preferred where they apply).
import './families/views.js';
import './families/unary.js';
import './families/conv.js';
import './families/conv-winograd.js';
import './families/conv-depthwise.js';
import './families/conv-im2col.js';
import './families/int8-conv.js';
import './families/pool.js';
import './families/norm.js';
import './families/binary.js';
import './families/layout.js';
import './families/gather.js';
import './families/gemm.js';
import './families/reduce.js';
import './families/softmax.js';
import './families/cast.js';
import './families/resize.js';
import './families/argmax.js';
import './families/topk.js';
import './families/quantize.js';
import './families/pointwise-chain.js';
import './families/fp16.js'; // after every f32 tactic: never an f32 layer's default

export * from './types.js';
export * from './registry.js';
export { Meta, grid, META_WORDS } from './meta.js';
