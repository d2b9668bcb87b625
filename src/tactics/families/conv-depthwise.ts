/**
 * Depthwise convolution (MobileNet's 3x3 and 5x5 layers): 2-D float Conv and FusedConv with
 * group = C_in and C_out a multiple of it (channel multiplier 1 or more), any kernel, strides,
 * dilations and pads, row-major or channel-last. conv.direct runs these too, but walks the
 * layer as a generic grouped conv with 3-D index math and no layout support; here:
 *   - kernels/conv/depthwise.wgsl: one thread per output, strides for x, y and the residual in the
 *     meta (any layouts), threads in y's memory order;
 *   - kernels/conv/depthwise-vec4.wgsl: x, y (and the residual) channel-last, C % 4 == 0,
 *     multiplier 1, a constant weight packed [KH, KW, C] at upload: four channels per thread, vec4
 *     loads and stores.
 * The plan picks the vec4 kernel whenever the layer fits it: on the H100 (test/bench/conv-tactics.ts)
 * it ran a channel-last 32 x 112 x 112 3x3 layer in 6.0 us against the scalar kernel's
 * 9.8 us, and tied with it on smaller ones (timed with a scalar point since removed). The space is the workgroup size.
 */
import { UnsupportedError } from '../../errors.js';
import { convGeometry } from '../../ir/ops/index.js';
import { layoutStrides } from '../../ir/layout.js';
import { sizeOf } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic } from '../types.js';
import { residualLaidOutAsOutput, spatialFloat } from './conv.js';
import { epilogueOf } from './epilogue.js';

/** The channel multiplier of a 2-D depthwise conv layer (C_out / C_in), else undefined. */
export function depthwiseMultiplier(layer: LayerInfo): number | undefined {
  if (!spatialFloat(layer) || layer.inputs[0]!.shape.length !== 4) return undefined;
  const g = convGeometry(layer.ctx, layer.attrs);
  return g.group === g.c && g.c > 1 ? g.m / g.c : undefined; // group 1 with one channel is a plain conv
}

/** Whether kernels/conv/depthwise-vec4.wgsl takes the layer. */
export function depthwiseVec4(layer: LayerInfo): boolean {
  const { inputs, outputs } = layer.layouts;
  return depthwiseMultiplier(layer) === 1 && layer.inputs[0]!.shape[1]! % 4 === 0 &&
    inputs[0] === 'nhwc' && outputs[0] === 'nhwc' && layer.ctx.constant(1) !== undefined;
}

export const CONV_DEPTHWISE: Tactic = {
  id: 'conv.depthwise',
  ops: ['Conv', 'FusedConv'],
  kernel: 'conv/depthwise.wgsl',
  layouts: true,
  space: [{ wg: 128 }, { wg: 64 }, { wg: 256 }],
  supports(layer) {
    return depthwiseMultiplier(layer) !== undefined && residualLaidOutAsOutput(layer);
  },
  plan(layer, p) {
    const mult = depthwiseMultiplier(layer);
    if (mult === undefined) throw new UnsupportedError(`conv.depthwise cannot run node '${layer.node.name}' (${layer.node.op}): it takes 2-D float convs with group equal to the input channels`);
    const g = convGeometry(layer.ctx, layer.attrs);
    const e = epilogueOf(layer);
    const wg = p['wg'] ?? 128;
    const hasBias = layer.inputs[2] !== undefined;
    const [x, y] = [layer.inputs[0]!, layer.outputs[0]!];
    const [lx, ly] = [layer.layouts.inputs[0]!, layer.layouts.outputs[0]!];
    const vec4 = depthwiseVec4(layer);
    const threads = vec4 ? sizeOf(y.shape) / 4 : sizeOf(y.shape);
    const meta = new Meta()
      .u32(threads, vec4 ? g.m / 4 : g.m, mult, ly === 'nhwc' ? 1 : 0)
      .u32(...x.shape.slice(2), ...g.outSpatial, ...g.kernel, ...g.strides, ...g.dilations)
      .i32(g.pads[0]!, g.pads[1]!)
      .u32(...layoutStrides(x.shape, lx), ...layoutStrides(y.shape, ly))
      .f32(...e.params);
    // The weight [C, 1, KH, KW] as [KH, KW, 1, C] for the vec4 kernel.
    const w = vec4 ? { input: 1, perm: [2, 3, 1, 0] } : { input: 1 };
    return [
      {
        kernel: vec4 ? 'conv/depthwise-vec4.wgsl' : this.kernel,
        constants: { WG: wg, HAS_BIAS: hasBias ? 1 : 0, ...e.constants },
        meta: meta.done(),
        dispatch: grid(Math.ceil(threads / wg)),
        // Without a bias the weight fills the bias slot (unread; a whole number of vec4 too).
        bindings: [{ input: 0 }, w, hasBias ? { input: 2 } : w, e.residual, { output: 0 }],
      },
    ];
  },
};

// After the existing conv tactics (./conv.ts), which stay the defaults; the autotuner times it.
registerTactic(CONV_DEPTHWISE);
