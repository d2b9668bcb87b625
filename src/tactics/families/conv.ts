import { isFloat } from '../../ir/dtype.js';
import { convGeometry, convTransposeGeometry, type WindowGeometry } from '../../ir/ops/index.js';
import { sizeOf, type Shape } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic } from '../types.js';
import { epilogueOf } from './epilogue.js';

/** `v` with leading `fill`s up to 3 entries: the 3-D form the conv and pool kernels take. */
function lead3(v: readonly number[], fill: number): number[] {
  return [...new Array<number>(3 - v.length).fill(fill), ...v];
}

/**
 * Meta words 8..28 of kernels/conv/direct.wgsl and kernels/pool/window.wgsl: input and output
 * spatial sizes, kernel, strides, dilations, pad begins and pad ends, each as 3 dims.
 */
export function windowMeta(meta: Meta, inSpatial: Shape, g: WindowGeometry): Meta {
  const r = inSpatial.length;
  return meta
    .u32(...lead3(inSpatial, 1), ...lead3(g.outSpatial, 1), ...lead3(g.kernel, 1))
    .u32(...lead3(g.strides, 1), ...lead3(g.dilations, 1))
    .i32(...lead3(g.pads.slice(0, r), 0), ...lead3(g.pads.slice(r), 0));
}

/** A float N x C x spatial layer with 1 to 3 spatial dims. */
export function spatialFloat(layer: LayerInfo): boolean {
  const x = layer.inputs[0];
  return x !== undefined && isFloat(x.dtype) && x.shape.length >= 3 && x.shape.length <= 5;
}

const WG = 256;

/**
 * kernels/conv/direct.wgsl for a Conv (identity epilogue) or a FusedConv (its residual and
 * activation, see ./epilogue.ts): one plan, two tactics.
 */
function directTactic(id: string, op: string): Tactic {
  return {
    id,
    ops: [op],
    kernel: 'conv/direct.wgsl',
    space: [{ wg: WG }, { wg: 64 }, { wg: 128 }],
    supports: spatialFloat,
    plan(layer, p) {
      const g = convGeometry(layer.ctx, layer.attrs);
      const total = sizeOf(layer.outputs[0]!.shape);
      const hasBias = layer.inputs[2] !== undefined;
      const e = epilogueOf(layer);
      const wg = p['wg'] ?? WG;
      const meta = new Meta().u32(total, g.n, g.c, g.m, g.c / g.group, g.m / g.group, 0, 0);
      return [
        {
          kernel: this.kernel,
          constants: { WG: wg, HAS_BIAS: hasBias ? 1 : 0, ...e.constants },
          meta: windowMeta(meta, layer.inputs[0]!.shape.slice(2), g).f32(...e.params).done(),
          dispatch: grid(Math.ceil(total / wg)),
          // Without a bias the weight fills the bias slot too (see the kernel's HAS_BIAS note).
          bindings: [{ input: 0 }, { input: 1 }, { input: hasBias ? 2 : 1 }, e.residual, { output: 0 }],
        },
      ];
    },
  };
}

export const CONV_DIRECT = directTactic('conv.direct', 'Conv');
export const CONV_FUSED = directTactic('conv.fused', 'FusedConv');

/**
 * ConvTranspose as a gather: one thread per output element sums the input positions and kernel
 * taps that the scatter definition sends to it (no atomics, no col2im buffer). Same geometry words
 * as conv.direct, with the pads as output crops.
 */
export const CONV_TRANSPOSE: Tactic = {
  id: 'conv.transpose',
  ops: ['ConvTranspose'],
  kernel: 'conv/transpose.wgsl',
  space: [{ wg: WG }, { wg: 64 }],
  supports: spatialFloat,
  plan(layer, p) {
    const g = convTransposeGeometry(layer.ctx, layer.attrs);
    const total = sizeOf(layer.outputs[0]!.shape);
    const hasBias = layer.inputs[2] !== undefined;
    const wg = p['wg'] ?? WG;
    const meta = new Meta().u32(total, g.n, g.c, g.m, g.c / g.group, g.m / g.group, 0, 0);
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg, HAS_BIAS: hasBias ? 1 : 0 },
        meta: windowMeta(meta, layer.inputs[0]!.shape.slice(2), g).done(),
        dispatch: grid(Math.ceil(total / wg)),
        bindings: [{ input: 0 }, { input: 1 }, { input: hasBias ? 2 : 1 }, { output: 0 }],
      },
    ];
  },
};

registerTactic(CONV_DIRECT, CONV_FUSED, CONV_TRANSPOSE);
