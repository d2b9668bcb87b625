/**
 * Winograd convolution for 3x3, stride-1, dilation-1, group-1 2-D float Conv and FusedConv (any
 * pads, any memory layout): F(m x m, 3 x 3) computes each m x m output tile from an α x α input
 * patch (α = m + 2) with α² multiplies per channel pair instead of 9 m², i.e. 2.25x fewer for
 * F(2 x 2) and 4x fewer for F(4 x 4). Three dispatches (Lavin & Gray, arXiv:1509.09308):
 *   1. kernels/conv/winograd-input.wgsl: V = Bᵀ d B per (channel, tile), into scratch;
 *   2. kernels/conv/winograd-gemm.wgsl: α² GEMMs M[ξ] = U[ξ] V[ξ], into scratch after V;
 *   3. kernels/conv/winograd-output.wgsl: Aᵀ M A per (output channel, tile), then the epilogue.
 * The weight transform U = G g Gᵀ runs once, when the weights are uploaded (Binding.pack, see
 * ../pack.ts), so the weight must be a constant.
 * On the H100 (test/bench/conv-tactics.ts, best point each, row-major): ResNet-50's 3x3 at 14x14
 * x 256, batch 1, F(2 x 2) 0.044 ms against conv.implicit_gemm's 0.050; at 7x7 x 512 0.055 against
 * 0.072; at 28x28 x 128, batch 8, F(4 x 4) 0.084 against 0.113; at 56x56 x 64 conv.implicit_gemm
 * wins (0.028 against 0.038).
 *
 * Two tactics rather than one with an m parameter: F(4 x 4) does fewer multiplies (faster at
 * batch 8 above, slower at batch 1) but is less exact (its transforms multiply by up to 8 and
 * divide by 24, costing about one decimal digit of float32;
 * see test/tactics/conv-winograd.test.ts), so the autotuner's choice and a user's exclusion
 * (by tactic id) keep the two apart, and a profile names the algorithm that ran.
 */
import { UnsupportedError } from '../../errors.js';
import { convGeometry } from '../../ir/ops/index.js';
import { layoutStrides } from '../../ir/layout.js';
import { grid, Meta } from '../meta.js';
import type { PackName } from '../pack.js';
import { registerTactic } from '../registry.js';
import type { Binding, KernelPlan, LayerInfo, Tactic, TacticParams } from '../types.js';
import { residualLaidOutAsOutput, spatialFloat } from './conv.js';
import { epilogueOf } from './epilogue.js';

/** Scratch (V and M) a layer may take: WebGPU's default maxStorageBufferBindingSize, so every device binds it. */
const MAX_SCRATCH_BYTES = 128 << 20;
/** Threads per workgroup of the two transform kernels. */
const TRANSFORM_WG = 128;
/** Workgroups that keep a large GPU busy (an H100 has 132 SMs); as conv.implicit_gemm's heuristic. */
const MIN_WORKGROUPS = 96;

/** The problem one Winograd layer is: channels, tiles, and the transformed sizes. */
export interface WinogradShape {
  readonly c: number;
  readonly k: number;
  /** Output tiles along H and W per image, and over the whole batch (the GEMM's N). */
  readonly tilesH: number;
  readonly tilesW: number;
  readonly p: number;
  /** α² transform points: 16 for F(2 x 2), 36 for F(4 x 4). */
  readonly points: number;
  readonly scratchBytes: number;
}

/** The Winograd problem of `layer` with m x m output tiles, or undefined when the layer is no 3x3 stride-1 group-1 2-D conv. */
export function winogradShape(layer: LayerInfo, m: 2 | 4): WinogradShape | undefined {
  const x = layer.inputs[0];
  if (!spatialFloat(layer) || x!.shape.length !== 4) return undefined;
  const g = convGeometry(layer.ctx, layer.attrs);
  const ones = (v: readonly number[]) => v.every((d) => d === 1);
  if (g.group !== 1 || g.kernel[0] !== 3 || g.kernel[1] !== 3 || !ones(g.strides) || !ones(g.dilations)) return undefined;
  const tilesH = Math.ceil(g.outSpatial[0]! / m);
  const tilesW = Math.ceil(g.outSpatial[1]! / m);
  const p = g.n * tilesH * tilesW;
  const points = (m + 2) * (m + 2);
  return { c: g.c, k: g.m, tilesH, tilesW, p, points, scratchBytes: 4 * points * p * (g.c + g.m) };
}

/** Points: 16 x 16 threads, each a t x t block of a (16 t) x (16 t) GEMM tile; K slices of 16. */
const SPACE: readonly TacticParams[] = [{ tile: 64 }, { tile: 32 }, { tile: 16 }];
const SMALLEST_TILE = 16;

function tiles(p: TacticParams): number {
  const tile = p['tile'] ?? 64;
  if (![16, 32, 64].includes(tile)) throw new UnsupportedError(`conv.winograd: tile ${tile} must be 16, 32 or 64 (16 x 16 threads, at most 4 x 4 outputs each)`);
  return tile;
}

function winogradTactic(m: 2 | 4): Tactic {
  const id = `conv.winograd_${m}x${m}`;
  const pack: PackName = m === 2 ? 'winograd-2x2' : 'winograd-4x4';
  const shapeOf = (layer: LayerInfo): WinogradShape => {
    const s = winogradShape(layer, m);
    if (!s) throw new UnsupportedError(`${id} cannot run node '${layer.node.name}' (${layer.node.op}): it takes 2-D float convs with a 3x3 kernel, stride 1, dilation 1 and group 1`);
    return s;
  };
  return {
    id,
    ops: ['Conv', 'FusedConv'],
    kernel: 'conv/winograd-gemm.wgsl',
    layouts: true, // x, y (and the residual, laid out as y) at strides from the meta
    space: SPACE,
    supports(layer) {
      const s = winogradShape(layer, m);
      return !!s && residualLaidOutAsOutput(layer) && layer.ctx.constant(1) !== undefined && // transformed at upload
        s.scratchBytes <= MAX_SCRATCH_BYTES && Math.ceil(s.p / SMALLEST_TILE) <= 65535 && Math.ceil(s.k / SMALLEST_TILE) <= 65535;
    },
    // The largest tile that still gives enough workgroups over the α² GEMMs, else the smallest.
    heuristic(layer) {
      const s = shapeOf(layer);
      const count = (q: TacticParams) => Math.ceil(s.p / tiles(q)) * Math.ceil(s.k / tiles(q)) * s.points;
      return this.space.find((q) => count(q) >= MIN_WORKGROUPS) ?? this.space[this.space.length - 1]!;
    },
    plan(layer, params) {
      const s = shapeOf(layer);
      const g = convGeometry(layer.ctx, layer.attrs);
      const e = epilogueOf(layer);
      const t = tiles(params);
      const [h, w] = layer.inputs[0]!.shape.slice(2) as [number, number];
      const meta = new Meta()
        .u32(g.n, s.c, s.k, s.p, h, w, ...g.outSpatial, s.tilesH, s.tilesW)
        .i32(g.pads[0]!, g.pads[1]!)
        .u32(...layoutStrides(layer.inputs[0]!.shape, layer.layouts.inputs[0]!))
        .u32(...layoutStrides(layer.outputs[0]!.shape, layer.layouts.outputs[0]!))
        .u32(s.points * s.c * s.p) // M after V
        .f32(...e.params)
        .done();
      const scratch: Binding = { scratch: s.scratchBytes };
      const hasBias = layer.inputs[2] !== undefined;
      const transformGrid = (threads: number) => grid(Math.ceil(threads / TRANSFORM_WG));
      const plans: KernelPlan[] = [
        {
          kernel: 'conv/winograd-input.wgsl',
          constants: { WG: TRANSFORM_WG, WM: m },
          meta,
          dispatch: transformGrid(s.c * s.p),
          bindings: [{ input: 0 }, scratch],
        },
        {
          kernel: this.kernel,
          constants: { WG_M: 16, WG_N: 16, TM: t / 16, TN: t / 16, KT: 16 },
          meta,
          dispatch: [Math.ceil(s.p / t), Math.ceil(s.k / t), s.points],
          bindings: [{ input: 1, pack }, scratch],
        },
        {
          kernel: 'conv/winograd-output.wgsl',
          constants: { WG: TRANSFORM_WG, WM: m, HAS_BIAS: hasBias ? 1 : 0, ...e.constants },
          meta,
          dispatch: transformGrid(s.k * s.p),
          bindings: [scratch, { input: hasBias ? 2 : 0 }, e.residual, { output: 0 }],
        },
      ];
      return plans;
    },
  };
}

export const CONV_WINOGRAD_2X2 = winogradTactic(2);
export const CONV_WINOGRAD_4X4 = winogradTactic(4);

// After conv.implicit_gemm_nhwc, conv.implicit_gemm and conv.direct (./conv.ts): they stay the
// defaults; the autotuner times these against them.
registerTactic(CONV_WINOGRAD_2X2, CONV_WINOGRAD_4X4);
