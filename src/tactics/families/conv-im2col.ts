/**
 * Conv and FusedConv as im2col + GEMM (Caffe's classic lowering), for 1-D and 2-D group-1 float
 * convs on row-major tensors: kernels/conv/im2col.wgsl writes each image's K x P column matrix
 * (K = C_in x kernel, P = output pixels) into scratch, then kernels/gemm/tiled.wgsl (with
 * kernels/gemm/common.wgsl's epilogue: bias as its C, the residual, the activation) computes
 * Y[n] = W x col[n], one image per grid z, straight into y's N x C_out x P layout.
 * A 1x1 conv with stride 1 and no pads needs no im2col: x[n] is its own C x P column matrix, so
 * the plan is the GEMM alone (the "1x1 conv as GEMM" case).
 * Where conv.implicit_gemm gathers the columns on the fly, this pays the column matrix's memory
 * traffic for a plain GEMM inner loop; the autotuner decides per layer which wins. On the H100
 * (test/bench/conv-tactics.ts) it lost on every ResNet-50 shape timed: 2.6x to 4.7x slower on
 * 3x3 layers, 1.2x on a 1x1 (the GEMM alone): a baseline and a teaching reference more than a
 * winner, until the GEMM it calls gets faster.
 */
import { UnsupportedError } from '../../errors.js';
import { convGeometry } from '../../ir/ops/index.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { Binding, KernelPlan, LayerInfo, Tactic, TacticParams } from '../types.js';
import { implicitGemmShape, residualLaidOutAsOutput } from './conv.js';
import { epilogueOf } from './epilogue.js';

/** Column matrices a layer may take: WebGPU's default maxStorageBufferBindingSize, so every device binds them. */
const MAX_SCRATCH_BYTES = 128 << 20;
const IM2COL_WG = 256;
/** gemm/tiled.wgsl's batch dims (kernels/gemm/common.wgsl): the images go in the innermost. */
const GEMM_BATCH_DIMS = 4;

/**
 * Points of gemm/tiled.wgsl (as gemm.tiled's): wgm x wgn threads, each a tm x tn block (<= 4),
 * K slices of kt. The smallest tile is 8 x 8.
 */
const SPACE: readonly TacticParams[] = [
  { wgm: 16, wgn: 16, tm: 4, tn: 4, kt: 16 },
  { wgm: 16, wgn: 16, tm: 2, tn: 2, kt: 16 },
  { wgm: 8, wgn: 16, tm: 4, tn: 4, kt: 8 },
  { wgm: 8, wgn: 8, tm: 1, tn: 1, kt: 8 },
];
const SMALLEST_TILE = 8;

/** The GEMM per image: M = C_out, P = output pixels, K = C_in x kernel; whether it needs im2col; the column bytes. */
interface Im2colShape {
  readonly m: number;
  readonly p: number;
  readonly k: number;
  readonly images: number;
  readonly direct: boolean;
  readonly scratchBytes: number;
}

function im2colShape(layer: LayerInfo): Im2colShape | undefined {
  const s = implicitGemmShape(layer); // 1-D and 2-D, group 1, float
  if (!s) return undefined;
  const g = convGeometry(layer.ctx, layer.attrs);
  const direct = g.kernel.every((d) => d === 1) && g.strides.every((d) => d === 1) && g.pads.every((d) => d === 0);
  const p = s.n / g.n;
  return { m: s.m, p, k: s.k, images: g.n, direct, scratchBytes: direct ? 0 : 4 * g.n * s.k * p };
}

export const CONV_IM2COL: Tactic = {
  id: 'conv.im2col',
  ops: ['Conv', 'FusedConv'],
  kernel: 'conv/im2col.wgsl',
  space: SPACE,
  supports(layer) {
    const s = im2colShape(layer);
    return !!s && residualLaidOutAsOutput(layer) && s.scratchBytes <= MAX_SCRATCH_BYTES &&
      Math.ceil(s.p / SMALLEST_TILE) <= 65535 && Math.ceil(s.m / SMALLEST_TILE) <= 65535 && s.images <= 65535;
  },
  plan(layer, params) {
    const s = im2colShape(layer);
    if (!s) throw new UnsupportedError(`conv.im2col cannot run node '${layer.node.name}' (${layer.node.op}): it takes 1-D and 2-D float convs with group 1`);
    const g = convGeometry(layer.ctx, layer.attrs);
    const e = epilogueOf(layer);
    const hasBias = layer.inputs[2] !== undefined;
    const [wgm, wgn, tm, tn, kt] = [params['wgm'] ?? 16, params['wgn'] ?? 16, params['tm'] ?? 4, params['tn'] ?? 4, params['kt'] ?? 16];
    const col: Binding = s.direct ? { input: 0 } : { scratch: s.scratchBytes };
    // kernels/gemm/common.wgsl's meta: A = the weight (M x K, row-major), B = col[n] (K x P,
    // row-major, image n at n * K * P), C = the bias along M (beta 1), batch dims [1, 1, 1, N].
    const pad = new Array<number>(GEMM_BATCH_DIMS - 1).fill(0);
    const gemmMeta = new Meta()
      .u32(s.m, s.p, s.k, hasBias ? 1 : 0)
      .u32(s.k, 1, s.p, 1, 1, 0)
      .f32(1, 1)
      .u32(...pad.map(() => 1), s.images, ...pad, 0, ...pad, s.k * s.p)
      .f32(...e.params);
    const gemm: KernelPlan = {
      kernel: 'gemm/tiled.wgsl',
      constants: { WG_M: wgm, WG_N: wgn, TM: tm, TN: tn, KT: kt, ...e.constants },
      meta: gemmMeta.done(),
      dispatch: [Math.ceil(s.p / (wgn * tn)), Math.ceil(s.m / (wgm * tm)), s.images],
      bindings: [{ input: 1 }, col, { input: hasBias ? 2 : 1 }, e.residual, { output: 0 }],
    };
    if (s.direct) return [gemm];
    // A 1-D conv is a 2-D one with H = KH = 1.
    const lead = (v: readonly number[], fill: number) => (v.length === 1 ? [fill, ...v] : [...v]);
    const r = g.kernel.length;
    const elements = s.images * s.k * s.p;
    const im2col: KernelPlan = {
      kernel: this.kernel,
      constants: { WG: IM2COL_WG },
      meta: new Meta()
        .u32(elements, g.c, ...lead(layer.inputs[0]!.shape.slice(2), 1), ...lead(g.outSpatial, 1), ...lead(g.kernel, 1))
        .u32(...lead(g.strides, 1), ...lead(g.dilations, 1))
        .i32(...lead(g.pads.slice(0, r), 0))
        .done(),
      dispatch: grid(Math.ceil(elements / IM2COL_WG)),
      bindings: [{ input: 0 }, col],
    };
    return [im2col, gemm];
  },
};

// After the existing conv tactics (./conv.ts), which stay the defaults; the autotuner times it.
registerTactic(CONV_IM2COL);
