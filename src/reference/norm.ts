import { axis } from '../ir/ops/index.js';
import { fromFloat64, sizeOf, stridesOf, toFloat64, type Shape } from '../ir/tensor.js';
import { registerReference } from './executor.js';
import { forEachIndex } from './window.js';

/** Mean and population variance of x[start, start + n). */
function moments(x: Float64Array, start: number, n: number): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[start + i]!;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (x[start + i]! - mean) ** 2;
  return { mean, variance: sq / n };
}

/** BatchNormalization (inference): y = (x - mean) / sqrt(var + eps) * scale + bias, per channel (axis 1). */
registerReference(['BatchNormalization'], (layer, [xt, st, bt, mt, vt]) => {
  const eps = layer.attrs.float('epsilon');
  const [x, scale, bias, mean, variance] = [xt, st, bt, mt, vt].map((t) => toFloat64(t!)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const c = xt!.shape[1]!;
  const inner = sizeOf(xt!.shape.slice(2));
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = Math.floor(i / inner) % c;
    y[i] = ((x[i]! - mean[ch]!) / Math.sqrt(variance[ch]! + eps)) * scale[ch]! + bias[ch]!;
  }
  return [fromFloat64(layer.outputs[0]!.dtype, xt!.shape, y)];
});

/** InstanceNormalization: normalizes each (n, c) over its spatial positions, then scale[c], bias[c]. */
registerReference(['InstanceNormalization'], (layer, [xt, st, bt]) => {
  const eps = layer.attrs.float('epsilon');
  const x = toFloat64(xt!);
  const scale = toFloat64(st!);
  const bias = toFloat64(bt!);
  const c = xt!.shape[1]!;
  const size = sizeOf(xt!.shape.slice(2));
  const y = new Float64Array(x.length);
  for (let row = 0; row < x.length / size; row++) {
    const { mean, variance } = moments(x, row * size, size);
    const ch = row % c;
    for (let i = row * size; i < (row + 1) * size; i++) y[i] = ((x[i]! - mean) / Math.sqrt(variance + eps)) * scale[ch]! + bias[ch]!;
  }
  return [fromFloat64(layer.outputs[0]!.dtype, xt!.shape, y)];
});

/** Flat index into a parameter of shape `p` broadcast (numpy rules, aligned right) over `shape` at `idx`. */
function broadcastOffset(idx: readonly number[], shape: Shape, p: Shape): number {
  const strides = stridesOf(p);
  let off = 0;
  for (let j = 0; j < p.length; j++) {
    const d = shape.length - p.length + j;
    if (p[j]! !== 1) off += idx[d]! * strides[j]!;
  }
  return off;
}

/**
 * LayerNormalization: normalizes over dims [axis, rank) of every leading index, then applies
 * scale and the optional bias broadcast over the normalized shape. Optional outputs 1 and 2 are
 * each row's Mean and InvStdDev = 1 / sqrt(var + eps), float32, the normalized dims kept as 1s.
 */
registerReference(['LayerNormalization'], (layer, [xt, st, bt]) => {
  const eps = layer.attrs.float('epsilon');
  const k = axis(layer.ctx, layer.attrs.int('axis'), xt!.shape.length);
  const normShape = xt!.shape.slice(k);
  const size = sizeOf(normShape);
  const x = toFloat64(xt!);
  const scale = toFloat64(st!);
  const bias = bt ? toFloat64(bt) : undefined;
  const rows = x.length / size;
  const y = new Float64Array(x.length);
  const means = new Float64Array(rows);
  const invStd = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    const { mean, variance } = moments(x, row * size, size);
    const inv = 1 / Math.sqrt(variance + eps);
    means[row] = mean;
    invStd[row] = inv;
    forEachIndex(normShape, (idx, i) => {
      const s = scale[broadcastOffset(idx, normShape, st!.shape)]!;
      const b = bias ? bias[broadcastOffset(idx, normShape, bt!.shape)]! : 0;
      y[row * size + i] = (x[row * size + i]! - mean) * inv * s + b;
    });
  }
  const rowShape = xt!.shape.map((d, j) => (j < k ? d : 1));
  return [fromFloat64(layer.outputs[0]!.dtype, xt!.shape, y), fromFloat64('f32', rowShape, means), fromFloat64('f32', rowShape, invStd)].slice(0, layer.outputs.length);
});

/** The channel window of LRN around channel c: [c - floor((size-1)/2), c + ceil((size-1)/2)], clipped to [0, C). */
export function lrnWindow(size: number): { before: number; after: number } {
  return { before: Math.floor((size - 1) / 2), after: Math.ceil((size - 1) / 2) };
}

/** LRN: y = x / (bias + alpha / size * square_sum)^beta, square_sum over the channel window of each value. */
registerReference(['LRN'], (layer, [xt]) => {
  const a = layer.attrs;
  const size = a.int('size');
  const scale = a.float('alpha') / size;
  const beta = a.float('beta');
  const bias = a.float('bias');
  const { before, after } = lrnWindow(size);
  const x = toFloat64(xt!);
  const c = xt!.shape[1]!;
  const inner = sizeOf(xt!.shape.slice(2));
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = Math.floor(i / inner) % c;
    const base = i - ch * inner; // element (n, 0, spatial)
    let sq = 0;
    for (let j = Math.max(0, ch - before); j <= Math.min(c - 1, ch + after); j++) sq += x[base + j * inner]! ** 2;
    y[i] = x[i]! / (bias + scale * sq) ** beta;
  }
  return [fromFloat64(layer.outputs[0]!.dtype, xt!.shape, y)];
});
