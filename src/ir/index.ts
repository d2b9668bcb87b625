export * from './dtype.js';
export * from './tensor.js';
export * from './graph.js';
export * from './ops/index.js';
export { inferTypes, inferNode, nodeContext, attrs } from './infer.js';
export { verify } from './verify.js';
export { structuralHash, bytesHash } from './hash.js';
export { layerInfo, type LayerInfo } from './layer.js';
export * from './layout.js';
