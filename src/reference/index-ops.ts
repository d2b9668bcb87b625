import { ShapeError } from '../errors.js';
import { allocate, type TypedArray } from '../ir/dtype.js';
import { axis } from '../ir/ops/index.js';
import { ARG_OPS, axisView, topkK } from '../ir/ops/index-ops.js';
import { fromFloat64, tensor, toFloat64, type Tensor } from '../ir/tensor.js';
import { registerReference } from './executor.js';

// Reference kernels of ArgMax / ArgMin (ONNX opsets 11..13) and TopK (opsets 11..24).

function input(t: Tensor | undefined, op: string, i = 0): Tensor {
  if (!t) throw new ShapeError(`reference ${op}: input ${i} is missing`);
  return t;
}

/**
 * The value order every index op uses: numeric order with -0 equal to +0, and every NaN equal to
 * every other NaN and above +inf (so the order is total and a parallel reduction agrees with it).
 */
export function compareValues(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ArgMax / ArgMin: the first extreme along the axis, or the last with select_last_index. */
registerReference(ARG_OPS, (layer, inputs) => {
  const op = layer.node.op;
  const x = input(inputs[0], op);
  const { outer, dim, inner } = axisView(x.shape, axis(layer.ctx, layer.attrs.int('axis'), x.shape.length));
  const sign = op === 'ArgMax' ? 1 : -1;
  const last = layer.attrs.int('select_last_index') === 1;
  const v = toFloat64(x);
  const y = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => v[(o * dim + j) * inner + i]!;
      let best = 0;
      for (let j = 1; j < dim; j++) {
        const c = sign * compareValues(at(j), at(best));
        if (c > 0 || (c === 0 && last)) best = j;
      }
      y[o * inner + i] = best;
    }
  }
  const out = layer.outputs[0]!;
  return [fromFloat64('i64', out.shape, y)];
});

/**
 * TopK: the K largest (or smallest) elements along the axis, best first; equal values keep
 * their order along the axis (the lower index first). `sorted = 0` leaves the order to the
 * implementation in ONNX; here it is the same sorted order.
 */
registerReference(['TopK'], (layer, inputs) => {
  const x = input(inputs[0], 'TopK');
  const { outer, dim, inner } = axisView(x.shape, axis(layer.ctx, layer.attrs.int('axis'), x.shape.length));
  const k = topkK(layer.ctx, dim);
  const sign = layer.attrs.int('largest') === 1 ? -1 : 1;
  const v = toFloat64(x);
  const [vt, it] = layer.outputs;
  const values = allocate(x.dtype, outer * k * inner);
  const indices = new Float64Array(outer * k * inner);
  const order = Array.from({ length: dim }, (_, j) => j);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const src = (j: number) => (o * dim + j) * inner + i;
      const sortedRow = [...order].sort((a, b) => sign * compareValues(v[src(a)]!, v[src(b)]!) || a - b);
      for (let r = 0; r < k; r++) {
        const dst = (o * k + r) * inner + i;
        // Values are copied as stored (exact for every dtype: i64 bigints, f16 bit patterns).
        (values as TypedArray & { [n: number]: number | bigint })[dst] = x.data[src(sortedRow[r]!)]!;
        indices[dst] = sortedRow[r]!;
      }
    }
  }
  return [tensor(x.dtype, vt!.shape, values), fromFloat64('i64', it!.shape, indices)];
});
