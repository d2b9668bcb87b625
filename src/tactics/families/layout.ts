import { isFloat } from '../../ir/dtype.js';
import { axis, padAmounts, PAD_MODES, sliceParams, splitSizes, transposePerm } from '../../ir/ops/index.js';
import { getNumber, sizeOf, stridesOf, type Shape } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { KernelPlan, LayerInfo, Tactic } from '../types.js';
import { broadcastStrides, collapseAxes, elementGrid, MAX_RANK, padFront, WG } from './strides.js';

/**
 * Layout tactics move 32-bit words and never look at their meaning, so they serve every dtype:
 * copy (reshape family), transpose, strided (Slice, Expand, Pad, Tile), block copies (Concat, Split).
 */

const copyOps = ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity'];

export const COPY: Tactic = {
  id: 'layout.copy',
  ops: copyOps,
  kernel: 'layout/copy.wgsl',
  space: [{ wg: WG }],
  // f32 Identity runs in pointwise.unary; this covers Identity on every other dtype.
  supports: (layer) => layer.node.op !== 'Identity' || layer.inputs[0]?.dtype !== 'f32',
  plan(layer, p) {
    const wg = p['wg'] ?? WG;
    const out = layer.outputs[0]!.shape;
    return [{ kernel: this.kernel, constants: { WG: wg }, meta: new Meta().u32(sizeOf(out)).done(), dispatch: elementGrid(out, wg), bindings: [{ input: 0 }, { output: 0 }] }];
  },
};

/** Output shape and, per output axis, the input stride it walks; merged where contiguous. */
function transposeGeometry(layer: LayerInfo): { shape: number[]; strides: number[] } {
  const x = layer.inputs[0]!.shape;
  const perm = transposePerm(layer.ctx, layer.attrs.optionalInts('perm'), x.length);
  const inStrides = stridesOf(x);
  const c = collapseAxes(layer.outputs[0]!.shape, [perm.map((k) => inStrides[k]!)]);
  return { shape: c.shape, strides: c.strides[0]! };
}

export const TRANSPOSE: Tactic = {
  id: 'layout.transpose',
  ops: ['Transpose'],
  kernel: 'layout/transpose.wgsl',
  space: [{ wg: WG }],
  supports: (layer) => !!layer.inputs[0] && transposeGeometry(layer).shape.length <= MAX_RANK,
  plan(layer, p) {
    const wg = p['wg'] ?? WG;
    const g = transposeGeometry(layer);
    const out = layer.outputs[0]!.shape;
    const meta = new Meta().u32(sizeOf(out)).u32(...padFront(g.shape, 1)).u32(...padFront(g.strides, 0)).done();
    return [{ kernel: this.kernel, constants: { WG: wg }, meta, dispatch: elementGrid(out, wg), bindings: [{ input: 0 }, { output: 0 }] }];
  },
};

/** Per output axis of a strided copy: the input coordinate is start + o * step, inside [0, inDim). */
interface StridedAxis {
  readonly start: number;
  readonly step: number;
  readonly inDim: number;
  readonly inStride: number;
}

/** The strided map of a Slice, Expand, Pad or Tile layer, with its pad mode and pad value word. */
function stridedGeometry(layer: LayerInfo): { axes: StridedAxis[]; mode: number; padWord: number } | undefined {
  const x = layer.inputs[0];
  if (!x) return undefined;
  const strides = stridesOf(x.shape);
  const out = layer.outputs[0]!.shape;
  switch (layer.node.op) {
    case 'Slice':
      return { axes: sliceParams(layer.ctx).map((s, k) => ({ start: s.start, step: s.step, inDim: x.shape[k]!, inStride: strides[k]! })), mode: 0, padWord: 0 };
    case 'Expand': {
      const bs = broadcastStrides(x.shape, out);
      const lead = out.length - x.shape.length;
      return { axes: out.map((_, k) => ({ start: 0, step: bs[k] === 0 ? 0 : 1, inDim: k < lead ? 1 : x.shape[k - lead]!, inStride: bs[k]! })), mode: 0, padWord: 0 };
    }
    case 'Pad': {
      const pads = padAmounts(layer.ctx);
      // MODE of kernels/layout/strided.wgsl, in PAD_MODES order: constant, reflect, edge, wrap.
      const mode = (PAD_MODES as readonly string[]).indexOf(layer.attrs.string('mode'));
      // The pad value travels as a meta word: it must be known when the plan is made.
      const cv = layer.node.inputs[2] ? layer.ctx.constant(2) : undefined;
      if (layer.node.inputs[2] && !cv) return undefined;
      const value = cv && cv.data.length > 0 ? getNumber(cv.data, cv.dtype, 0) : 0;
      const word = isFloat(x.dtype) ? new Meta().f32(value).words[0]! : new Meta().i32(value).words[0]!;
      return { axes: x.shape.map((d, k) => ({ start: -pads[k]!, step: 1, inDim: d, inStride: strides[k]! })), mode, padWord: word };
    }
    case 'Tile':
      // Start 0, step 1, and wrap (MODE 3): output coordinate o reads o mod in_dim.
      return { axes: x.shape.map((d, k) => ({ start: 0, step: 1, inDim: d, inStride: strides[k]! })), mode: 3, padWord: 0 };
    default:
      return undefined;
  }
}

export const STRIDED: Tactic = {
  id: 'layout.strided',
  ops: ['Slice', 'Expand', 'Pad', 'Tile'],
  kernel: 'layout/strided.wgsl',
  space: [{ wg: WG }],
  supports(layer) {
    const g = stridedGeometry(layer);
    return !!g && g.axes.length <= MAX_RANK;
  },
  plan(layer, p) {
    const wg = p['wg'] ?? WG;
    const g = stridedGeometry(layer)!;
    const out = layer.outputs[0]!.shape;
    const meta = new Meta()
      .u32(sizeOf(out))
      .u32(...padFront(out, 1))
      .i32(...padFront(g.axes.map((a) => a.start), 0))
      .i32(...padFront(g.axes.map((a) => a.step), 0))
      .u32(...padFront(g.axes.map((a) => a.inDim), 1))
      .u32(...padFront(g.axes.map((a) => a.inStride), 0))
      .u32(g.padWord)
      .done();
    return [{ kernel: this.kernel, constants: { WG: wg, MODE: g.mode }, meta, dispatch: elementGrid(out, wg), bindings: [{ input: 0 }, { output: 0 }] }];
  },
};

/** One block copy of kernels/layout/concat.wgsl; none for an empty block. */
function blockCopy(
  copy: { outer: number; row: number; srcRow: number; srcOffset: number; dstRow: number; dstOffset: number },
  bindings: KernelPlan['bindings'],
  wg: number,
): KernelPlan[] {
  const n = copy.outer * copy.row;
  if (n === 0) return [];
  const meta = new Meta().u32(n, copy.row, copy.srcRow, copy.srcOffset, copy.dstRow, copy.dstOffset).done();
  return [{ kernel: 'layout/concat.wgsl', constants: { WG: wg }, meta, dispatch: grid(Math.ceil(n / wg)), bindings }];
}

/** Elements before and after axis k. */
function outerInner(shape: Shape, k: number): { outer: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, k)), inner: sizeOf(shape.slice(k + 1)) };
}

export const CONCAT: Tactic = {
  id: 'layout.concat',
  ops: ['Concat'],
  kernel: 'layout/concat.wgsl',
  space: [{ wg: WG }],
  supports: (layer) => layer.inputs.every((t) => t !== undefined),
  plan(layer, p) {
    const wg = p['wg'] ?? WG;
    const out = layer.outputs[0]!.shape;
    const k = axis(layer.ctx, layer.attrs.int('axis'), out.length);
    const { outer, inner } = outerInner(out, k);
    let offset = 0;
    return layer.inputs.flatMap((t, i) => {
      const row = t!.shape[k]! * inner;
      const plans = blockCopy({ outer, row, srcRow: row, srcOffset: 0, dstRow: out[k]! * inner, dstOffset: offset }, [{ input: i }, { output: 0 }], wg);
      offset += row;
      return plans;
    });
  },
};

export const SPLIT: Tactic = {
  id: 'layout.split',
  ops: ['Split'],
  kernel: 'layout/concat.wgsl',
  space: [{ wg: WG }],
  supports: (layer) => !!layer.inputs[0],
  plan(layer, p) {
    const wg = p['wg'] ?? WG;
    const x = layer.inputs[0]!.shape;
    const k = axis(layer.ctx, layer.attrs.int('axis'), x.length);
    const numOutputs = layer.attrs.has('num_outputs') ? layer.attrs.int('num_outputs') : undefined;
    const sizes = splitSizes(layer.ctx, x[k]!, layer.outputs.length, numOutputs);
    const { outer, inner } = outerInner(x, k);
    let offset = 0;
    return sizes.flatMap((size, j) => {
      const row = size * inner;
      const plans = blockCopy({ outer, row, srcRow: x[k]! * inner, srcOffset: offset, dstRow: row, dstOffset: 0 }, [{ input: 0 }, { output: j }], wg);
      offset += row;
      return plans;
    });
  },
};

registerTactic(COPY, TRANSPOSE, STRIDED, CONCAT, SPLIT);
