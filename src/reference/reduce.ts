import { ShapeError } from '../errors.js';
import { REDUCE_OPS, axis, reduceAxes } from '../ir/ops/index.js';
import { fromFloat64, sizeOf, stridesOf, toFloat64, type Tensor } from '../ir/tensor.js';
import { registerReference } from './executor.js';

function input(t: Tensor | undefined, op: string): Tensor {
  if (!t) throw new ShapeError(`reference ${op}: input 0 is missing`);
  return t;
}

const COMBINE: Readonly<Record<(typeof REDUCE_OPS)[number], { init: number; add: (acc: number, v: number) => number }>> = {
  ReduceSum: { init: 0, add: (s, v) => s + v },
  ReduceMean: { init: 0, add: (s, v) => s + v },
  ReduceMax: { init: -Infinity, add: (s, v) => (v > s || Number.isNaN(v) ? v : s) },
  ReduceMin: { init: Infinity, add: (s, v) => (v < s || Number.isNaN(v) ? v : s) },
};

/** Reduce{Mean,Sum,Max,Min}: every input element adds into the output element it maps to. */
registerReference(REDUCE_OPS, (layer, inputs) => {
  const op = layer.node.op as (typeof REDUCE_OPS)[number];
  const x = input(inputs[0], op);
  const axes = new Set(reduceAxes(layer.ctx, layer.attrs));
  const out = layer.outputs[0]!;
  // Output strides over the input's rank, 0 on reduced axes (keepdims does not change the data).
  const kept = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
  const ks = stridesOf(kept).map((s, i) => (axes.has(i) ? 0 : s));
  const { init, add } = COMBINE[op];
  const acc = new Float64Array(sizeOf(out.shape)).fill(init);
  const v = toFloat64(x);
  const xs = stridesOf(x.shape);
  for (let i = 0; i < v.length; i++) {
    let o = 0;
    for (let d = 0; d < x.shape.length; d++) o += (Math.floor(i / xs[d]!) % x.shape[d]!) * ks[d]!;
    acc[o] = add(acc[o]!, v[i]!);
  }
  if (op === 'ReduceMean') {
    const count = v.length / Math.max(1, acc.length);
    for (let o = 0; o < acc.length; o++) acc[o] = acc[o]! / count;
  }
  return [fromFloat64(out.dtype, out.shape, acc)];
});

/** Softmax and LogSoftmax over one axis, shifted by the maximum for numerical stability. */
registerReference(['Softmax', 'LogSoftmax'], (layer, inputs) => {
  const op = layer.node.op;
  const x = input(inputs[0], op);
  const ax = axis(layer.ctx, layer.attrs.int('axis'), x.shape.length);
  const len = x.shape[ax]!;
  const inner = sizeOf(x.shape.slice(ax + 1));
  const outer = sizeOf(x.shape.slice(0, ax));
  const v = toFloat64(x);
  const y = new Float64Array(v.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * len + j) * inner + i;
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, v[at(j)]!);
      let sum = 0;
      for (let j = 0; j < len; j++) sum += Math.exp(v[at(j)]! - max);
      for (let j = 0; j < len; j++) {
        const s = v[at(j)]! - max;
        y[at(j)] = op === 'LogSoftmax' ? s - Math.log(sum) : Math.exp(s) / sum;
      }
    }
  }
  const out = layer.outputs[0]!;
  return [fromFloat64(out.dtype, out.shape, y)];
});
