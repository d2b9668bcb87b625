import { InputError, UnsupportedError } from '../errors.js';
import { allocate, type DType } from '../ir/dtype.js';
import type { LayerInfo } from '../ir/layer.js';
import { axis, padAmounts, sliceParams, splitSizes, transposePerm } from '../ir/ops/index.js';
import { getNumber, setNumber, sizeOf, stridesOf, tensor, toInts, type Tensor } from '../ir/tensor.js';
import { broadcastOffsets, copyElement, forEachIndex, mapElements } from './elements.js';
import { registerReference } from './executor.js';

/**
 * Layout ops: every output element is one input element (or a pad value), so these kernels move
 * raw values and work for every dtype. Shapes and parameters come from the IR helpers
 * (sliceParams, padAmounts, splitSizes, transposePerm); output shapes from shape inference.
 * Identity's reference lives with the unary family (src/reference/unary.ts).
 */

function input(layer: LayerInfo, inputs: readonly (Tensor | undefined)[], i = 0): Tensor {
  const t = inputs[i];
  if (!t) throw new UnsupportedError(`node '${layer.node.name}' (${layer.node.op}): input ${i} is missing`);
  return t;
}

/** Reshape-like ops keep the data in order and change only the shape. */
registerReference(['Flatten', 'Reshape', 'Squeeze', 'Unsqueeze'], (layer, inputs) => {
  const x = input(layer, inputs);
  return [tensor(x.dtype, layer.outputs[0]!.shape, x.data.slice())];
});

registerReference(['Transpose'], (layer, inputs) => {
  const x = input(layer, inputs);
  const perm = transposePerm(layer.ctx, layer.attrs.optionalInts('perm'), x.shape.length);
  const strides = stridesOf(x.shape);
  // Output axis k walks input axis perm[k].
  return [mapElements(x, layer.outputs[0]!.shape, (c) => c.reduce((s, v, k) => s + v * strides[perm[k]!]!, 0))];
});

registerReference(['Concat', 'ConcatView'], (layer, inputs) => {
  const xs = inputs.map((_, i) => input(layer, inputs, i));
  const out = layer.outputs[0]!;
  const k = axis(layer.ctx, layer.attrs.int('axis'), out.shape.length);
  // Which input, and which index inside it, each position along the axis comes from.
  const owner: [number, number][] = xs.flatMap((x, j) => Array.from({ length: x.shape[k]! }, (_, i): [number, number] => [j, i]));
  const data = allocate(out.dtype as DType, sizeOf(out.shape));
  forEachIndex(out.shape, (c, i) => {
    const [j, at] = owner[c[k]!]!;
    const x = xs[j]!;
    const strides = stridesOf(x.shape);
    const src = c.reduce((s, v, d) => s + (d === k ? at : v) * strides[d]!, 0);
    copyElement(data, i, x.data, src);
  });
  return [tensor(out.dtype, out.shape, data)];
});

registerReference(['Split', 'SplitView'], (layer, inputs) => {
  const x = input(layer, inputs);
  const k = axis(layer.ctx, layer.attrs.int('axis'), x.shape.length);
  const numOutputs = layer.attrs.has('num_outputs') ? layer.attrs.int('num_outputs') : undefined;
  const sizes = splitSizes(layer.ctx, x.shape[k]!, layer.outputs.length, numOutputs);
  const strides = stridesOf(x.shape);
  let begin = 0;
  return sizes.map((size, j) => {
    const first = begin;
    begin += size;
    // An absent optional output ('_') has no type: its part is computed all the same, from x.
    const shape = layer.outputs[j]?.shape ?? x.shape.map((d, i) => (i === k ? size : d));
    return mapElements(x, shape, (c) => c.reduce((s, v, d) => s + (d === k ? v + first : v) * strides[d]!, 0));
  });
});

registerReference(['Slice'], (layer, inputs) => {
  const x = input(layer, inputs);
  const params = sliceParams(layer.ctx);
  const strides = stridesOf(x.shape);
  return [mapElements(x, layer.outputs[0]!.shape, (c) => c.reduce((s, v, d) => s + (params[d]!.start + v * params[d]!.step) * strides[d]!, 0))];
});

registerReference(['Expand'], (layer, inputs) => {
  const x = input(layer, inputs);
  const shape = layer.outputs[0]!.shape;
  const offsets = broadcastOffsets(x.shape, shape);
  const strides = stridesOf(shape);
  return [mapElements(x, shape, (c) => offsets[c.reduce((s, v, d) => s + v * strides[d]!, 0)]!)];
});

/** Tile: output coordinate c reads input coordinate c mod dim on every axis. */
registerReference(['Tile'], (layer, inputs) => {
  const x = input(layer, inputs);
  const strides = stridesOf(x.shape);
  return [mapElements(x, layer.outputs[0]!.shape, (c) => c.reduce((s, v, d) => s + (v % x.shape[d]!) * strides[d]!, 0))];
});

/** Where coordinate `c` (possibly outside [0, d)) of a padded axis reads from, or -1 for the pad value. */
export function padSource(mode: string, c: number, d: number): number {
  if (c >= 0 && c < d) return c;
  switch (mode) {
    case 'edge': return Math.min(Math.max(c, 0), d - 1);
    case 'wrap': return ((c % d) + d) % d;
    case 'reflect': {
      // Mirror without repeating the edge: ... 2 1 | 0 1 2 3 | 2 1 ...  (period 2(d-1)).
      if (d === 1) return 0;
      const period = 2 * (d - 1);
      const m = ((c % period) + period) % period;
      return m < d ? m : period - m;
    }
    default: return -1;
  }
}

registerReference(['Pad'], (layer, inputs) => {
  const x = input(layer, inputs);
  const mode = layer.attrs.string('mode');
  const pads = padAmounts(layer.ctx);
  const r = x.shape.length;
  const strides = stridesOf(x.shape);
  const cv = inputs[2];
  const value = cv && cv.data.length > 0 ? getNumber(cv.data, cv.dtype, 0) : 0;
  const fill = (out: typeof x.data, i: number) => setNumber(out, x.dtype, i, value);
  const source = (c: readonly number[]) => {
    let s = 0;
    for (let d = 0; d < r; d++) {
      const at = padSource(mode, c[d]! - pads[d]!, x.shape[d]!);
      if (at < 0) return -1;
      s += at * strides[d]!;
    }
    return s;
  };
  return [mapElements(x, layer.outputs[0]!.shape, source, fill)];
});

registerReference(['Gather'], (layer, inputs) => {
  const x = input(layer, inputs);
  const indices = toInts(input(layer, inputs, 1));
  const k = axis(layer.ctx, layer.attrs.int('axis'), x.shape.length);
  const dim = x.shape[k]!;
  const strides = stridesOf(x.shape);
  const q = input(layer, inputs, 1).shape.length;
  const idxStrides = stridesOf(input(layer, inputs, 1).shape);
  return [
    mapElements(x, layer.outputs[0]!.shape, (c) => {
      // Output coords: x's axes before k, then the index tensor's axes, then x's axes after k.
      let flat = 0;
      for (let j = 0; j < q; j++) flat += c[k + j]! * idxStrides[j]!;
      let at = indices[flat]!;
      if (at < 0) at += dim;
      if (at < 0 || at >= dim) throw new InputError(`node '${layer.node.name}' (Gather): index ${indices[flat]} is out of range for axis ${k} of size ${dim}; indices must lie in [-${dim}, ${dim - 1}]`);
      let s = at * strides[k]!;
      for (let d = 0; d < k; d++) s += c[d]! * strides[d]!;
      for (let d = k + 1; d < x.shape.length; d++) s += c[d + q - 1]! * strides[d]!;
      return s;
    }),
  ];
});
