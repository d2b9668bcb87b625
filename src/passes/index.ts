export * from './types.js';
export { optimize, formatTrace, PIPELINE, MAX_LEVEL, type OptimizeOptions, type Optimized, type PipelineStep } from './pipeline.js';
export { op, v, c, match, rewriteToFixpoint, type Rule, type Match, type Pattern } from './rules.js';
export { applyEdit, originOf, freshName, type GraphEdit } from './edit.js';
