// The fluent TypeScript DSL: network('name').input(...) returns tensor handles with layer methods.
export { network, Network, ForeignHandleError, type NetworkOptions, type LayerOptions, type ConstantLike } from './network.js';
export {
  TensorHandle,
  type Operand,
  type WindowOptions,
  type Conv2dOptions,
  type ConvTranspose2dOptions,
  type DepthwiseConv2dOptions,
  type PoolOptions,
  type AvgPoolOptions,
  type BatchNormOptions,
  type DenseOptions,
  type NormOptions,
  type ReduceOptions,
  type ResizeOptions,
  type LrnOptions,
  type ArgOptions,
  type TopKOptions,
  type QuantParam,
  type QuantizeOptions,
  type DequantizeOptions,
} from './tensor-handle.js';
export { mulberry32, tensorSeed, initValues, weightTensor, isTensor, type Init, type WeightsLike } from './init.js';
