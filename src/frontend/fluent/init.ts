/**
 * Weights for the fluent DSL: seeded deterministic initializers, and user-given values coerced
 * to tensors of the expected shape.
 *
 * Every initializer draws from its own generator, seeded by the network seed and the tensor's
 * name, so the same script with the same seed gives bit-identical weights, and adding a layer
 * does not change the weights of the others.
 */
import { ShapeError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';
import { fromFloat64, sameShape, shapeToString, sizeOf, toFloat64, type Shape, type Tensor } from '../../ir/tensor.js';

/** Values a user may give for a weight: flat data in row-major order, or a shaped Tensor. */
export type WeightsLike = Float32Array | readonly number[] | Tensor;

/** mulberry32: a small, fast, deterministic generator of uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of one tensor's generator: FNV-1a over the tensor name, mixed with the network seed. */
export function tensorSeed(networkSeed: number, name: string): number {
  let h = (0x811c9dc5 ^ Math.imul(networkSeed | 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The initializers the DSL uses by default. */
export type Init =
  | { readonly kind: 'he-uniform'; readonly fanIn: number }
  | { readonly kind: 'uniform'; readonly lo: number; readonly hi: number }
  | { readonly kind: 'constant'; readonly value: number };

/**
 * Values of a fresh initializer. He (Kaiming) uniform draws from U(-b, b) with
 * b = sqrt(6 / fanIn), which keeps activations' variance steady through ReLU layers.
 */
export function initValues(init: Init, shape: Shape, seed: number): Float64Array {
  const out = new Float64Array(sizeOf(shape));
  if (init.kind === 'constant') return out.fill(init.value);
  const [lo, hi] = init.kind === 'uniform' ? [init.lo, init.hi] : [-Math.sqrt(6 / init.fanIn), Math.sqrt(6 / init.fanIn)];
  const r = mulberry32(seed);
  for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/**
 * A user-given weight as a tensor of `dtype` and exactly `shape`. Flat data must have
 * sizeOf(shape) values; a Tensor must have the shape itself. Throws a ShapeError naming `what`
 * (e.g. "conv2d_1: weight") and both shapes.
 */
export function weightTensor(value: WeightsLike, opts: { shape: Shape; dtype: DType; what: string }): Tensor {
  const { shape, dtype, what } = opts;
  let values: Float64Array | number[];
  if (isTensor(value)) {
    if (!sameShape(value.shape, shape)) {
      throw new ShapeError(`${what} has shape ${shapeToString(value.shape)}, expected ${shapeToString(shape)}`);
    }
    if (value.dtype === dtype) return value;
    values = toFloat64(value);
  } else {
    if (value.length !== sizeOf(shape)) {
      throw new ShapeError(`${what} has ${value.length} values, expected ${sizeOf(shape)} for shape ${shapeToString(shape)}`);
    }
    values = Float64Array.from(value);
  }
  return fromFloat64(dtype, shape, values);
}

export function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v;
}
