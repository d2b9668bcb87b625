// Importing this module registers every op definition in OPS.
import './conv.js';
import './gemm.js';
import './elementwise.js';
import './reduce.js';
import './norm.js';
import './layout.js';
import './resize.js';
import './index-ops.js';
import './quantize.js';

export * from './registry.js';
export { convGeometry, convTransposeGeometry, poolGeometry, transposeGeometry, windowGeometry, type TransposeGeometry, type WindowGeometry } from './conv.js';
export { matmulShape } from './gemm.js';
export { UNARY_OPS, ARITHMETIC_OPS, COMPARISON_OPS, LOGICAL_OPS } from './elementwise.js';
export { REDUCE_OPS, reduceAxes } from './reduce.js';
export { reshapeTarget, transposePerm, splitSizes, sliceParams, padAmounts, tileRepeats, PAD_MODES, type SliceAxis } from './layout.js';
export { resizeParams } from './resize.js';
import './views.js';
import './pointwise-chain.js';
export {
  CHAIN_BINARY_OPS, CHAIN_UNARY_OPS, CHAIN_MAX_INPUTS, chainAttrSpecs, chainSteps, clipBounds, expandChain, formatProgram, formatStep, parseProgram, stepAttrs,
  type ChainOperand, type ChainStep,
} from './pointwise-chain.js';
import './fused.js';
import './int8.js';
export { EPILOGUE_ACTIVATIONS, FUSED_BASE, F32_MAX, swapLastTwo, unfuse } from './fused.js';
