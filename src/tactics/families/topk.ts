import { isFloat } from '../../ir/dtype.js';
import { topkK } from '../../ir/ops/index-ops.js';
import { sizeOf } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { KernelPlan, LayerInfo, Tactic, TacticParams } from '../types.js';
import { indexView } from './argmax.js';

/** Rows up to this length sort in workgroup memory (8 bytes per padded element: 16 KiB). */
export const BITONIC_MAX = 2048;

function usable(layer: LayerInfo): boolean {
  const x = layer.inputs[0];
  if (!x || x.dtype === 'bool' || sizeOf(x.shape) === 0) return false;
  return topkK(layer.ctx, indexView(layer).dim) > 0;
}

/** One workgroup per row, whichever kernel; `constants` holds the kernel's own sizes. */
function rowPlan(layer: LayerInfo, kernel: string, constants: Readonly<Record<string, number>>): KernelPlan[] {
  const v = indexView(layer);
  const rows = v.outer * v.inner;
  return [
    {
      kernel,
      constants: {
        ...constants,
        INT: isFloat(layer.inputs[0]!.dtype) ? 0 : 1,
        LARGEST: layer.attrs.int('largest') === 1 ? 1 : 0,
      },
      meta: new Meta().u32(rows, v.dim, v.inner, topkK(layer.ctx, v.dim)).done(),
      dispatch: grid(rows),
      bindings: [{ input: 0 }, { output: 0 }, { output: 1 }],
    },
  ];
}

/** The padded row length of the bitonic kernel: a power of two, at least 2. */
export function bitonicSize(dim: number): number {
  return Math.max(2, 2 ** Math.ceil(Math.log2(dim)));
}

/** TopK by a bitonic sort of the whole row in workgroup memory (rows of up to BITONIC_MAX). */
export const TOPK_BITONIC: Tactic = {
  id: 'topk.bitonic',
  ops: ['TopK'],
  kernel: 'topk/bitonic.wgsl',
  space: [{ wg: 256 }, { wg: 64 }],
  supports: (layer) => usable(layer) && indexView(layer).dim <= BITONIC_MAX,
  plan(layer, p: TacticParams) {
    const size = bitonicSize(indexView(layer).dim);
    // More threads than compare-exchange pairs (P / 2) would only idle.
    const wg = Math.min(p['wg'] ?? 256, Math.max(32, size / 2));
    return rowPlan(layer, this.kernel, { WG: wg, P: size });
  },
};

/** TopK by ranking every element against its row (any row length, O(dim^2 / WG) per row). */
export const TOPK_RANK: Tactic = {
  id: 'topk.rank',
  ops: ['TopK'],
  kernel: 'topk/rank.wgsl',
  space: [{ wg: 64 }, { wg: 256 }],
  supports: usable,
  plan(layer, p: TacticParams) {
    return rowPlan(layer, this.kernel, { WG: p['wg'] ?? 64 });
  },
};

registerTactic(TOPK_BITONIC, TOPK_RANK);
