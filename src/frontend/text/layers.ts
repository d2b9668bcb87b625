/**
 * The fluent layers a script may call by their lower-case names (`conv2d(x, 16, kernel: 3)`):
 * per TensorHandle method, its positional parameters after the receiver and its keyword options.
 * The option lists are typed against the fluent option interfaces, so tsc fails here when one
 * gains or loses an option; test/frontend/text checks that every public method is listed.
 */
import type {
  ArgOptions,
  AvgPoolOptions,
  BatchNormOptions,
  Conv2dOptions,
  ConvTranspose2dOptions,
  DenseOptions,
  DepthwiseConv2dOptions,
  DequantizeOptions,
  LayerOptions,
  LrnOptions,
  NormOptions,
  PoolOptions,
  QuantizeOptions,
  ReduceOptions,
  ResizeOptions,
  TensorHandle,
  TopKOptions,
} from '../fluent/index.js';

/** Every option of T, exactly (tsc checks both ways). */
type OptionSet<T> = { readonly [K in keyof Required<T>]: true };

const LAYER: OptionSet<LayerOptions> = { name: true };
const WINDOW = { ...LAYER, kernel: true, stride: true, pad: true, dilation: true } as const;
const CONV2D: OptionSet<Conv2dOptions> = { ...WINDOW, groups: true, bias: true, weights: true };
const CONV_T: OptionSet<ConvTranspose2dOptions> = { ...WINDOW, groups: true, outputPadding: true, bias: true, weights: true };
const DEPTHWISE: OptionSet<DepthwiseConv2dOptions> = { ...WINDOW, multiplier: true, bias: true, weights: true };
const POOL: OptionSet<PoolOptions> = { ...WINDOW, ceil: true };
const AVG_POOL: OptionSet<AvgPoolOptions> = { ...POOL, countIncludePad: true };
const DENSE: OptionSet<DenseOptions> = { ...LAYER, bias: true, weights: true };
const BATCH_NORM: OptionSet<BatchNormOptions> = { ...LAYER, epsilon: true, scale: true, bias: true, mean: true, var: true, init: true };
const NORM: OptionSet<NormOptions> = { ...LAYER, epsilon: true, scale: true, bias: true };
const LRN: OptionSet<LrnOptions> = { ...LAYER, size: true, alpha: true, beta: true, bias: true };
const REDUCE: OptionSet<ReduceOptions> = { ...LAYER, keepdims: true };
const ARG: OptionSet<ArgOptions> = { ...REDUCE, selectLastIndex: true };
const TOP_K: OptionSet<TopKOptions> = { ...LAYER, axis: true, largest: true, sorted: true };
const RESIZE: OptionSet<ResizeOptions> = {
  ...LAYER, scales: true, sizes: true, axes: true, mode: true, coordinateTransformationMode: true, nearestMode: true, cubicCoeffA: true, antialias: true,
};
const DEQUANTIZE: OptionSet<DequantizeOptions> = { ...LAYER, axis: true, blockSize: true };
const QUANTIZE: OptionSet<QuantizeOptions> = { ...DEQUANTIZE, dtype: true };

export interface LayerSignature {
  /** Positional parameters after the receiver, in order (a keyword of the same name fills one). */
  readonly params: readonly string[];
  /** Keyword options, passed as the options object (the parameter after `params`). */
  readonly options: readonly string[];
}

function sig(params: readonly string[], options: object = LAYER): LayerSignature {
  return { params, options: Object.keys(options) };
}

const UNARY = sig([]);
const BINARY = sig(['other']);

type Method = Exclude<{ [K in keyof TensorHandle]: TensorHandle[K] extends (...a: never[]) => unknown ? K : never }[keyof TensorHandle], 'toString'>;

/** Every fluent layer method (the keys are checked to be TensorHandle methods). */
export const FLUENT_LAYERS: ReadonlyMap<string, LayerSignature> = new Map(Object.entries({
  conv2d: sig(['outChannels'], CONV2D),
  convTranspose2d: sig(['outChannels'], CONV_T),
  depthwiseConv2d: sig([], DEPTHWISE),
  dense: sig(['units'], DENSE),
  matmul: BINARY,
  gemm: sig(['b'], { ...LAYER, c: true, alpha: true, beta: true, transA: true, transB: true }),
  batchNorm: sig([], BATCH_NORM),
  layerNorm: sig([], { ...NORM, axis: true }),
  lrn: sig([], LRN),
  instanceNorm: sig([], NORM),
  relu: UNARY, leakyRelu: sig(['alpha']), sigmoid: UNARY, tanh: UNARY,
  hardSigmoid: sig([], { ...LAYER, alpha: true, beta: true }), hardSwish: UNARY,
  gelu: sig([], { ...LAYER, approximate: true }), elu: sig(['alpha']),
  selu: sig([], { ...LAYER, alpha: true, gamma: true }),
  softplus: UNARY, softsign: UNARY, mish: UNARY, exp: UNARY, log: UNARY, sqrt: UNARY, abs: UNARY, neg: UNARY,
  reciprocal: UNARY, floor: UNARY, ceil: UNARY, erf: UNARY, not: UNARY, identity: UNARY,
  cast: sig(['dtype']),
  clip: sig(['min', 'max']),
  add: BINARY, sub: BINARY, mul: BINARY, div: BINARY, pow: BINARY, min: BINARY, max: BINARY,
  mod: sig(['other'], { ...LAYER, fmod: true }),
  equal: BINARY, less: BINARY, greater: BINARY, lessOrEqual: BINARY, greaterOrEqual: BINARY, and: BINARY, or: BINARY, xor: BINARY,
  prelu: sig(['slope']),
  where: sig(['x', 'y']),
  maxPool: sig([], POOL),
  avgPool: sig([], AVG_POOL),
  globalAvgPool: UNARY, globalMaxPool: UNARY,
  softmax: sig(['axis']), logSoftmax: sig(['axis']),
  reduceMean: sig(['axes'], REDUCE), reduceSum: sig(['axes'], REDUCE), reduceMax: sig(['axes'], REDUCE), reduceMin: sig(['axes'], REDUCE),
  argMax: sig(['axis'], ARG), argMin: sig(['axis'], ARG),
  topK: sig(['k'], TOP_K),
  flatten: sig(['axis']),
  reshape: sig(['shape']),
  transpose: sig(['perm']),
  concat: sig(['others', 'axis']),
  split: sig(['parts', 'axis']),
  slice: sig(['starts', 'ends'], { ...LAYER, axes: true, steps: true }),
  squeeze: sig(['axes']), unsqueeze: sig(['axes']),
  pad: sig(['pads'], { ...LAYER, mode: true, value: true, axes: true }),
  gather: sig(['indices', 'axis']),
  tile: sig(['repeats']),
  expand: sig(['shape']),
  resize: sig([], RESIZE),
  quantizeLinear: sig(['scale', 'zeroPoint'], QUANTIZE),
  dequantizeLinear: sig(['scale', 'zeroPoint'], DEQUANTIZE),
} satisfies Record<Method, LayerSignature>));
