import { isFloat } from '../../ir/dtype.js';
import { axis } from '../../ir/ops/index.js';
import { sizeOf, stridesOf, type Shape } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { KernelPlan, LayerInfo, Tactic } from '../types.js';

const floatInput = (layer: LayerInfo): boolean => layer.inputs[0] !== undefined && isFloat(layer.inputs[0].dtype);

const WG = 256;

/** BatchNormalization (inference) as one pointwise pass. */
export const NORM_BATCH: Tactic = {
  id: 'norm.batch',
  ops: ['BatchNormalization'],
  kernel: 'norm/batchnorm.wgsl',
  space: [{ wg: WG }, { wg: 64 }],
  supports: floatInput,
  plan(layer, p) {
    const x = layer.inputs[0]!;
    const total = sizeOf(x.shape);
    const wg = p['wg'] ?? WG;
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg },
        meta: new Meta().u32(total, x.shape[1]!, sizeOf(x.shape.slice(2))).f32(layer.attrs.float('epsilon')).done(),
        dispatch: grid(Math.ceil(total / wg)),
        bindings: [{ input: 0 }, { input: 1 }, { input: 2 }, { input: 3 }, { input: 4 }, { output: 0 }],
      },
    ];
  },
};

/** InstanceNormalization: one workgroup per (n, c); `wg` must be a power of two. */
export const NORM_INSTANCE: Tactic = {
  id: 'norm.instance',
  ops: ['InstanceNormalization'],
  kernel: 'norm/instancenorm.wgsl',
  space: [{ wg: 64 }, { wg: 256 }],
  supports: floatInput,
  plan(layer, p) {
    const x = layer.inputs[0]!;
    const rows = x.shape[0]! * x.shape[1]!;
    return [
      {
        kernel: this.kernel,
        constants: { WG: p['wg'] ?? 64 },
        meta: new Meta().u32(rows, sizeOf(x.shape.slice(2)), x.shape[1]!).f32(layer.attrs.float('epsilon')).done(),
        dispatch: grid(rows),
        bindings: [{ input: 0 }, { input: 1 }, { input: 2 }, { output: 0 }],
      },
    ];
  },
};

/** Most normalized dims kernels/norm/layernorm.wgsl takes (its DIMS). */
const LAYERNORM_DIMS = 6;

/** Strides of a parameter of shape `p` broadcast over `shape` (aligned right; 0 where it repeats). */
function broadcastStrides(shape: Shape, p: Shape): number[] {
  const own = stridesOf(p);
  return shape.map((_, d) => {
    const j = d - (shape.length - p.length);
    return j >= 0 && p[j] !== 1 ? own[j]! : 0;
  });
}

function lead(v: readonly number[], fill: number): number[] {
  return [...new Array<number>(LAYERNORM_DIMS - v.length).fill(fill), ...v];
}

/** Whether a LayerNormalization node lists its optional Mean or InvStdDev output. */
const wantsStats = (layer: LayerInfo): boolean => layer.outputs[1] !== undefined || layer.outputs[2] !== undefined;

function layerNormFits(layer: LayerInfo): boolean {
  const x = layer.inputs[0];
  if (!x || !isFloat(x.dtype)) return false;
  return x.shape.length - axis(layer.ctx, layer.attrs.int('axis'), x.shape.length) <= LAYERNORM_DIMS;
}

/** The dispatch both LayerNormalization kernels share: meta, grid, and bindings 1..4. */
function layerNormPlan(layer: LayerInfo, kernel: string, wg: number): KernelPlan {
  const x = layer.inputs[0]!;
  const k = axis(layer.ctx, layer.attrs.int('axis'), x.shape.length);
  const normShape = x.shape.slice(k);
  const size = sizeOf(normShape);
  const scale = layer.inputs[1]!;
  const bias = layer.inputs[2];
  const meta = new Meta()
    .u32(sizeOf(x.shape) / size, size)
    .f32(layer.attrs.float('epsilon'))
    .u32(0, ...lead(normShape, 1), ...lead(broadcastStrides(normShape, scale.shape), 0), ...lead(broadcastStrides(normShape, bias?.shape ?? []), 0));
  return {
    kernel,
    constants: { WG: wg, HAS_BIAS: bias ? 1 : 0 },
    meta: meta.done(),
    dispatch: grid(sizeOf(x.shape) / size),
    // Without a bias the scale fills the bias slot too (see the kernel's HAS_BIAS note).
    bindings: [{ input: 0 }, { input: 1 }, { input: bias ? 2 : 1 }, { output: 0 }],
  };
}

/** LayerNormalization: one workgroup per normalized row; `wg` must be a power of two. */
export const NORM_LAYER: Tactic = {
  id: 'norm.layer',
  ops: ['LayerNormalization'],
  kernel: 'norm/layernorm.wgsl',
  space: [{ wg: 64 }, { wg: 256 }],
  supports: (layer) => layerNormFits(layer) && !wantsStats(layer),
  plan(layer, p) {
    return [layerNormPlan(layer, this.kernel, p['wg'] ?? 64)];
  },
};

/**
 * LayerNormalization with its optional Mean and/or InvStdDev outputs: one dispatch per statistic
 * wanted (STAT 0 Mean, 1 InvStdDev); the first also writes y (WRITE_Y).
 */
export const NORM_LAYER_STATS: Tactic = {
  id: 'norm.layer_stats',
  ops: ['LayerNormalization'],
  kernel: 'norm/layernorm-stats.wgsl',
  space: [{ wg: 64 }, { wg: 256 }],
  supports: (layer) => layerNormFits(layer) && wantsStats(layer),
  plan(layer, p) {
    const base = layerNormPlan(layer, this.kernel, p['wg'] ?? 64);
    const stats = [1, 2].filter((i) => layer.outputs[i] !== undefined);
    return stats.map((i, n) => ({
      ...base,
      constants: { ...base.constants, STAT: i - 1, WRITE_Y: n === 0 ? 1 : 0 },
      bindings: [...base.bindings, { output: i }],
    }));
  },
};

/** LRN as one pointwise pass: each thread sums the squares of its channel window. */
export const NORM_LRN: Tactic = {
  id: 'norm.lrn',
  ops: ['LRN'],
  kernel: 'norm/lrn.wgsl',
  space: [{ wg: WG }, { wg: 64 }],
  supports: floatInput,
  plan(layer, p) {
    const x = layer.inputs[0]!;
    const total = sizeOf(x.shape);
    const size = layer.attrs.int('size');
    const wg = p['wg'] ?? WG;
    const meta = new Meta()
      .u32(total, x.shape[1]!, sizeOf(x.shape.slice(2)), Math.floor((size - 1) / 2), Math.ceil((size - 1) / 2))
      .f32(layer.attrs.float('alpha') / size, layer.attrs.float('beta'), layer.attrs.float('bias'));
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg },
        meta: meta.done(),
        dispatch: grid(Math.ceil(total / wg)),
        bindings: [{ input: 0 }, { output: 0 }],
      },
    ];
  },
};

registerTactic(NORM_BATCH, NORM_INSTANCE, NORM_LAYER, NORM_LAYER_STATS, NORM_LRN);
