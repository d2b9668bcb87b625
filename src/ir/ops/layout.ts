import { sizeOf, toInts, type Shape } from '../tensor.js';
import { axis, broadcastShapes, constantInput, defineOp, need, same, shapeError, type InferContext } from './registry.js';

defineOp({
  op: 'Flatten',
  family: 'layout',
  arity: [1, 1],
  attrs: { axis: { kind: 'int', default: 1 } },
  infer(ctx, a) {
    const x = need(ctx, 0);
    const r = x.shape.length;
    let k = a.int('axis');
    if (k < 0) k += r;
    if (k < 0 || k > r) throw shapeError(ctx, `axis ${a.int('axis')} is out of range for rank ${r}`);
    return [same(x.dtype, [sizeOf(x.shape.slice(0, k)), sizeOf(x.shape.slice(k))])];
  },
});

/** Reshape target with 0 (copy, unless allowzero) and -1 (infer) resolved. */
export function reshapeTarget(ctx: InferContext, inShape: Shape, spec: readonly number[], allowZero: boolean): number[] {
  const out = spec.map((d, i) => (d === 0 && !allowZero ? (inShape[i] ?? NaN) : d));
  if (out.some((d) => Number.isNaN(d) || d < -1)) throw shapeError(ctx, `invalid target shape [${spec.join(', ')}] for input [${inShape.join(', ')}]`);
  const minus = out.filter((d) => d === -1).length;
  if (minus > 1) throw shapeError(ctx, `target shape [${spec.join(', ')}] has more than one -1`);
  const known = sizeOf(out.filter((d) => d !== -1));
  const total = sizeOf(inShape);
  if (minus === 1) {
    if (known === 0 || total % known !== 0) throw shapeError(ctx, `cannot reshape [${inShape.join(', ')}] (${total} elements) to [${spec.join(', ')}]`);
    out[out.indexOf(-1)] = total / known;
  } else if (known !== total) {
    throw shapeError(ctx, `cannot reshape [${inShape.join(', ')}] (${total} elements) to [${spec.join(', ')}] (${known} elements)`);
  }
  return out;
}

defineOp({
  op: 'Reshape',
  family: 'layout',
  arity: [2, 2],
  attrs: { allowzero: { kind: 'int', default: 0 } },
  constantInputs: [1],
  infer(ctx, a) {
    const x = need(ctx, 0);
    const spec = toInts(constantInput(ctx, 1, 'shape'));
    return [same(x.dtype, reshapeTarget(ctx, x.shape, spec, a.int('allowzero') === 1))];
  },
});

export function transposePerm(ctx: InferContext, perm: readonly number[] | undefined, rank: number): number[] {
  const p = perm ? [...perm] : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const sorted = [...p].sort((x, y) => x - y);
  if (p.length !== rank || sorted.some((v, i) => v !== i)) throw shapeError(ctx, `perm [${p.join(', ')}] is not a permutation of ${rank} axes`);
  return p;
}

defineOp({
  op: 'Transpose',
  family: 'layout',
  arity: [1, 1],
  attrs: { perm: { kind: 'ints' } },
  infer(ctx, a) {
    const x = need(ctx, 0);
    const p = transposePerm(ctx, a.optionalInts('perm'), x.shape.length);
    return [same(x.dtype, p.map((i) => x.shape[i]!))];
  },
});

defineOp({
  op: 'Concat',
  family: 'layout',
  arity: [1, Infinity],
  attrs: { axis: { kind: 'int' } },
  infer(ctx, a) {
    const first = need(ctx, 0);
    const r = first.shape.length;
    const k = axis(ctx, a.int('axis'), r);
    const shape = [...first.shape];
    shape[k] = 0;
    ctx.inputs.forEach((t, i) => {
      if (!t) throw shapeError(ctx, `input ${i} is missing`);
      if (t.dtype !== first.dtype) throw shapeError(ctx, `input ${i} is ${t.dtype}, input 0 is ${first.dtype}`);
      if (t.shape.length !== r || t.shape.some((d, j) => j !== k && d !== first.shape[j])) {
        throw shapeError(ctx, `input ${i} shape [${t.shape.join(', ')}] does not match [${first.shape.join(', ')}] outside axis ${k}`);
      }
      shape[k]! += t.shape[k]!;
    });
    return [same(first.dtype, shape)];
  },
});

/** Sizes of Split's outputs along its axis. */
export function splitSizes(ctx: InferContext, dim: number, numOutputs: number, attrNum: number | undefined): number[] {
  if (ctx.node.inputs[1]) {
    const sizes = toInts(constantInput(ctx, 1, 'split'));
    if (sizes.length !== numOutputs || sizes.reduce((s, v) => s + v, 0) !== dim || sizes.some((v) => v < 0)) {
      throw shapeError(ctx, `split [${sizes.join(', ')}] does not cut ${dim} into ${numOutputs} parts`);
    }
    return sizes;
  }
  const n = attrNum ?? numOutputs;
  if (n < 1) throw shapeError(ctx, `cannot split into ${n} parts`);
  const chunk = Math.ceil(dim / n);
  return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
}

defineOp({
  op: 'Split',
  family: 'layout',
  arity: [1, 2],
  attrs: { axis: { kind: 'int', default: 0 }, num_outputs: { kind: 'int' } },
  constantInputs: [1],
  infer(ctx, a) {
    const x = need(ctx, 0);
    const k = axis(ctx, a.int('axis'), x.shape.length);
    const sizes = splitSizes(ctx, x.shape[k]!, ctx.node.outputs.length, a.has('num_outputs') ? a.int('num_outputs') : undefined);
    return sizes.map((s) => {
      const shape = [...x.shape];
      shape[k] = s;
      return same(x.dtype, shape);
    });
  },
});

export interface SliceAxis {
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

/** Per input axis: first index, step and element count of a Slice (ONNX clamping rules). */
export function sliceParams(ctx: InferContext): SliceAxis[] {
  const x = need(ctx, 0);
  const r = x.shape.length;
  const starts = toInts(constantInput(ctx, 1, 'starts'));
  const ends = toInts(constantInput(ctx, 2, 'ends'));
  const axes = ctx.node.inputs[3] ? toInts(constantInput(ctx, 3, 'axes')).map((v) => axis(ctx, v, r)) : starts.map((_, i) => i);
  const steps = ctx.node.inputs[4] ? toInts(constantInput(ctx, 4, 'steps')) : starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw shapeError(ctx, 'starts, ends, axes and steps must have the same length');
  }
  const out: SliceAxis[] = x.shape.map((d) => ({ start: 0, step: 1, count: d }));
  axes.forEach((ax, i) => {
    const d = x.shape[ax]!;
    const step = steps[i]!;
    if (step === 0) throw shapeError(ctx, 'a slice step cannot be 0');
    let s = starts[i]!;
    let e = ends[i]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    const count = Math.max(0, Math.ceil((e - s) / step));
    out[ax] = { start: s, step, count };
  });
  return out;
}

defineOp({
  op: 'Slice',
  family: 'layout',
  arity: [3, 5],
  attrs: {},
  constantInputs: [1, 2, 3, 4],
  infer(ctx) {
    return [same(need(ctx, 0).dtype, sliceParams(ctx).map((p) => p.count))];
  },
});

defineOp({
  op: 'Squeeze',
  family: 'layout',
  arity: [1, 2],
  attrs: {},
  constantInputs: [1],
  infer(ctx) {
    const x = need(ctx, 0);
    const r = x.shape.length;
    const axes = ctx.node.inputs[1]
      ? toInts(constantInput(ctx, 1, 'axes')).map((v) => axis(ctx, v, r))
      : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const k of axes) if (x.shape[k] !== 1) throw shapeError(ctx, `cannot squeeze axis ${k} of size ${x.shape[k]}`);
    return [same(x.dtype, x.shape.filter((_, i) => !axes.includes(i)))];
  },
});

defineOp({
  op: 'Unsqueeze',
  family: 'layout',
  arity: [2, 2],
  attrs: {},
  constantInputs: [1],
  infer(ctx) {
    const x = need(ctx, 0);
    const raw = toInts(constantInput(ctx, 1, 'axes'));
    const r = x.shape.length + raw.length;
    const axes = raw.map((v) => axis(ctx, v, r));
    if (new Set(axes).size !== axes.length) throw shapeError(ctx, `axes [${raw.join(', ')}] repeat an axis`);
    const shape: number[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) shape.push(axes.includes(i) ? 1 : x.shape[j++]!);
    return [same(x.dtype, shape)];
  },
});

export const PAD_MODES = ['constant', 'reflect', 'edge', 'wrap'] as const;

/** Pads as [begin..., end...] over every axis of the input (axes input resolved). */
export function padAmounts(ctx: InferContext): number[] {
  const x = need(ctx, 0);
  const r = x.shape.length;
  const pads = toInts(constantInput(ctx, 1, 'pads'));
  const axes = ctx.node.inputs[3] ? toInts(constantInput(ctx, 3, 'axes')).map((v) => axis(ctx, v, r)) : Array.from({ length: r }, (_, i) => i);
  if (pads.length !== 2 * axes.length) throw shapeError(ctx, `pads has ${pads.length} values, expected ${2 * axes.length}`);
  const full = new Array<number>(2 * r).fill(0);
  axes.forEach((ax, i) => {
    full[ax] = pads[i]!;
    full[ax + r] = pads[i + axes.length]!;
  });
  return full;
}

defineOp({
  op: 'Pad',
  family: 'layout',
  arity: [2, 4],
  attrs: { mode: { kind: 'string', default: 'constant' } },
  constantInputs: [1, 3],
  infer(ctx, a) {
    const x = need(ctx, 0);
    const mode = a.string('mode');
    if (!(PAD_MODES as readonly string[]).includes(mode)) throw shapeError(ctx, `mode '${mode}' is not one of ${PAD_MODES.join(', ')}`);
    const p = padAmounts(ctx);
    const r = x.shape.length;
    const shape = x.shape.map((d, i) => d + p[i]! + p[i + r]!);
    if (shape.some((d) => d < 0)) throw shapeError(ctx, `pads [${p.join(', ')}] remove more than the input has`);
    // Reflect pads may exceed the axis (numpy and the ONNX example reflect repeatedly), but an
    // empty axis has nothing to reflect.
    if (mode !== 'constant' && x.shape.some((d, i) => d === 0 && (p[i]! > 0 || p[i + r]! > 0))) {
      throw shapeError(ctx, `${mode} padding needs a non-empty axis to copy from`);
    }
    return [same(x.dtype, shape)];
  },
});

defineOp({
  op: 'Gather',
  family: 'gather',
  arity: [2, 2],
  attrs: { axis: { kind: 'int', default: 0 } },
  infer(ctx, a) {
    const x = need(ctx, 0);
    const idx = need(ctx, 1);
    if (idx.dtype !== 'i32' && idx.dtype !== 'i64') throw shapeError(ctx, `indices must be i32 or i64, got ${idx.dtype}`);
    const k = axis(ctx, a.int('axis'), x.shape.length);
    return [same(x.dtype, [...x.shape.slice(0, k), ...idx.shape, ...x.shape.slice(k + 1)])];
  },
});

/** Tile's repeats (input 1, a constant): one count >= 0 per input axis. */
export function tileRepeats(ctx: InferContext): number[] {
  const x = need(ctx, 0);
  const repeats = toInts(constantInput(ctx, 1, 'repeats'));
  if (repeats.length !== x.shape.length) throw shapeError(ctx, `repeats [${repeats.join(', ')}] has ${repeats.length} values; the input has rank ${x.shape.length}`);
  if (repeats.some((r) => r < 0)) throw shapeError(ctx, `repeats [${repeats.join(', ')}] must not be negative`);
  return repeats;
}

/** Tile: output dim i is input dim i * repeats[i]; output coordinate o reads input coordinate o mod dim. */
defineOp({
  op: 'Tile',
  family: 'layout',
  arity: [2, 2],
  attrs: {},
  constantInputs: [1],
  infer(ctx) {
    const x = need(ctx, 0);
    const repeats = tileRepeats(ctx);
    return [same(x.dtype, x.shape.map((d, i) => d * repeats[i]!))];
  },
});

defineOp({
  op: 'Expand',
  family: 'layout',
  arity: [2, 2],
  attrs: {},
  constantInputs: [1],
  infer(ctx) {
    const x = need(ctx, 0);
    const target = toInts(constantInput(ctx, 1, 'shape'));
    return [same(x.dtype, broadcastShapes(ctx, [x.shape, target]))];
  },
});
