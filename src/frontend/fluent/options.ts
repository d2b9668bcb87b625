/**
 * The option types of the fluent DSL's layer methods (./tensor-handle.ts): what each layer
 * takes besides its inputs; the text DSL's keyword options for a layer are these.
 */
import type { Tensor } from '../../ir/tensor.js';
import type { WeightsLike } from './init.js';
import type { LayerOptions } from './network.js';

/** Window geometry of convolutions and pools; a number applies to every spatial axis. */
export interface WindowOptions extends LayerOptions {
  readonly kernel: number | readonly number[];
  readonly stride?: number | readonly number[];
  /** A number, one per spatial axis (both sides), [begins..., ends...] (2-D: [top, left, bottom, right]), or 'same'. */
  readonly pad?: number | readonly number[] | 'same';
  readonly dilation?: number | readonly number[];
}

export interface Conv2dOptions extends WindowOptions {
  readonly groups?: number;
  /** true (default: zeros), false (no bias), or the values, shape [outChannels]. */
  readonly bias?: boolean | WeightsLike;
  /** Shape [outChannels, inChannels / groups, kh, kw]; default He-uniform. */
  readonly weights?: WeightsLike;
}

export interface ConvTranspose2dOptions extends WindowOptions {
  readonly groups?: number;
  /**
   * Extra rows / columns at the end of the output (a number applies to both axes), each smaller
   * than the stride or the dilation: with stride s, s input sizes give the same conv2d output,
   * and this picks which one the transpose restores.
   */
  readonly outputPadding?: number | readonly number[];
  /** true (default: zeros), false (no bias), or the values, shape [outChannels]. */
  readonly bias?: boolean | WeightsLike;
  /** Shape [inChannels, outChannels / groups, kh, kw] (ONNX and PyTorch order); default He-uniform. */
  readonly weights?: WeightsLike;
}

export interface DepthwiseConv2dOptions extends Omit<Conv2dOptions, 'groups'> {
  /** Output channels per input channel (default 1). */
  readonly multiplier?: number;
}

export interface PoolOptions extends WindowOptions {
  /** Default: the kernel (as in PyTorch), so maxPool({ kernel: 2 }) halves H and W. */
  readonly stride?: number | readonly number[];
  readonly ceil?: boolean;
}

export interface AvgPoolOptions extends PoolOptions {
  readonly countIncludePad?: boolean;
}

export interface BatchNormOptions extends LayerOptions {
  readonly epsilon?: number;
  readonly scale?: WeightsLike;
  readonly bias?: WeightsLike;
  readonly mean?: WeightsLike;
  readonly var?: WeightsLike;
  /** 'identity' (default: scale 1, bias 0, mean 0, var 1) or 'random' (seeded, for tests). */
  readonly init?: 'identity' | 'random';
}

export interface DenseOptions extends LayerOptions {
  readonly bias?: boolean | WeightsLike;
  /** Shape [units, inFeatures] (as PyTorch's Linear), whatever the input rank. */
  readonly weights?: WeightsLike;
}

export interface NormOptions extends LayerOptions {
  readonly epsilon?: number;
  readonly scale?: WeightsLike;
  readonly bias?: boolean | WeightsLike;
}

export interface ResizeOptions extends LayerOptions {
  readonly scales?: readonly number[];
  readonly sizes?: readonly number[];
  readonly axes?: readonly number[];
  readonly mode?: 'nearest' | 'linear' | 'cubic';
  readonly coordinateTransformationMode?: 'half_pixel' | 'half_pixel_symmetric' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric';
  readonly nearestMode?: 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
  /** Cubic only: the kernel's a (default -0.75). */
  readonly cubicCoeffA?: number;
  /** Linear and cubic when downsampling: widen the filter to the output spacing. */
  readonly antialias?: boolean;
}

export interface LrnOptions extends LayerOptions {
  /** Channels summed over, the value's own among them (required). */
  readonly size: number;
  /** Default 1e-4 (divided by size, as in ONNX and PyTorch). */
  readonly alpha?: number;
  /** Default 0.75. */
  readonly beta?: number;
  /** Default 1. */
  readonly bias?: number;
}

export interface TopKOptions extends LayerOptions {
  /** Default -1. */
  readonly axis?: number;
  /** true (default): the k largest; false: the k smallest. */
  readonly largest?: boolean;
  /** true (default): in order, best first; false: any order. */
  readonly sorted?: boolean;
}

/** A scale or zero point: a number (per tensor), a list (per axis, 1-D), or a Tensor (any shape, e.g. blocked). */
export type QuantParam = number | readonly number[] | Tensor;

export interface DequantizeOptions extends LayerOptions {
  /** The axis a per-axis or blocked scale runs along; default 1, as in ONNX. */
  readonly axis?: number;
  /** Blocked scales: `axis` is cut into blocks of this size, and the scale has the input's rank. */
  readonly blockSize?: number;
}

export interface QuantizeOptions extends DequantizeOptions {
  /** The quantized dtype; default the zero point's dtype when it is a Tensor, else u8 (as in ONNX). */
  readonly dtype?: 'i8' | 'u8';
}

export interface ReduceOptions extends LayerOptions {
  readonly keepdims?: boolean;
}

export interface ArgOptions extends ReduceOptions {
  /** Ties go to the last index instead of the first. */
  readonly selectLastIndex?: boolean;
}
