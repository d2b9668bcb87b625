import { reduceAxes, REDUCE_OPS } from '../../ir/ops/index.js';
import { sizeOf, stridesOf } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic } from '../types.js';

const SLOTS = 4;

/**
 * The input split into kept and reduced dimensions, each run of adjacent dims of one kind merged
 * into one (dim, stride) pair and size-1 dims dropped: [N, C, H, W] reduced over [2, 3] is kept
 * [(N*C, H*W)] and reduced [(H*W, 1)].
 */
export function reduceGeometry(layer: LayerInfo): { kept: [number, number][]; reduced: [number, number][]; count: number } {
  const shape = layer.inputs[0]!.shape;
  const axes = new Set(reduceAxes(layer.ctx, layer.attrs));
  const strides = stridesOf(shape);
  const kept: [number, number][] = [];
  const reduced: [number, number][] = [];
  let last: [number, number][] | undefined;
  shape.forEach((d, i) => {
    if (d === 1) return;
    const list = axes.has(i) ? reduced : kept;
    const prev = list[list.length - 1];
    if (last === list && prev) {
      prev[0] *= d;
      prev[1] = strides[i]!;
    } else list.push([d, strides[i]!]);
    last = list;
  });
  return { kept, reduced, count: reduced.reduce((p, [d]) => p * d, 1) };
}

const INIT: Readonly<Record<string, number>> = { ReduceSum: 0, ReduceMean: 0, ReduceMax: -Infinity, ReduceMin: Infinity };
const KIND: Readonly<Record<string, number>> = { ReduceSum: 0, ReduceMean: 1, ReduceMax: 2, ReduceMin: 3 };

/** Pairs as meta slots: dims then strides, outermost first, padded in front with (1, 0). */
function slots(pairs: readonly [number, number][]): number[] {
  const pad = SLOTS - pairs.length;
  return [...new Array<number>(pad).fill(1), ...pairs.map(([d]) => d), ...new Array<number>(pad).fill(0), ...pairs.map(([, s]) => s)];
}

/** Whether x's words suit the kernel: f32 for 'float' (f32 only), i32 for 'int' (integer and bool dtypes). */
function wordsFit(dtype: string, kind: 'float' | 'int'): boolean {
  return kind === 'float' ? dtype === 'f32' : ['i8', 'u8', 'i32', 'i64', 'bool'].includes(dtype);
}

/**
 * kernels/reduce/reduce.wgsl (f32 words, every Reduce op) or reduce-int.wgsl (i32 words: ReduceMax
 * and ReduceMin of integer and bool tensors, exact): one plan, the accumulator's start in the
 * word type of the kernel.
 */
function reduceTactic(id: string, kernel: string, kind: 'float' | 'int'): Tactic {
  return {
    id,
    ops: kind === 'float' ? REDUCE_OPS : ['ReduceMax', 'ReduceMin'],
    kernel,
    // lanes: threads per output element (0 = chosen from the reduced count).
    space: [{ wg: 256, lanes: 0 }, { wg: 256, lanes: 1 }, { wg: 256, lanes: 32 }, { wg: 256, lanes: 256 }],
    supports(layer) {
      const x = layer.inputs[0];
      if (!x || !wordsFit(x.dtype, kind) || sizeOf(x.shape) === 0) return false;
      const g = reduceGeometry(layer);
      return g.kept.length <= SLOTS && g.reduced.length <= SLOTS;
    },
    plan(layer, p) {
      const g = reduceGeometry(layer);
      const op = layer.node.op;
      const wg = p['wg'] ?? 256;
      let lanes = p['lanes'] ?? 0;
      if (lanes === 0) lanes = Math.min(wg, 2 ** Math.floor(Math.log2(Math.max(1, g.count / 8))));
      const outputs = sizeOf(layer.outputs[0]!.shape);
      const meta = new Meta().u32(outputs, g.count).f32(1 / g.count);
      if (kind === 'float') meta.f32(INIT[op]!);
      else meta.i32(op === 'ReduceMax' ? -2147483648 : 2147483647);
      meta.u32(...slots(g.kept), ...slots(g.reduced));
      return [
        {
          kernel,
          constants: { WG: wg, LANES: lanes, KIND: KIND[op]! },
          meta: meta.done(),
          dispatch: grid(Math.ceil(outputs / (wg / lanes))),
          bindings: [{ input: 0 }, { output: 0 }],
        },
      ];
    },
  };
}

export const REDUCE = reduceTactic('reduce.lanes', 'reduce/reduce.wgsl', 'float');
export const REDUCE_INT = reduceTactic('reduce.lanes-int', 'reduce/reduce-int.wgsl', 'int');

registerTactic(REDUCE, REDUCE_INT);
