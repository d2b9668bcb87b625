/**
 * The vec4 implicit GEMM (kernels/conv/implicit-gemm-nhwc.wgsl) as two tactics use it:
 * conv.implicit_gemm_nhwc for channel-last convolutions, and gemm.vec4 for row-major GEMMs, which
 * are 1x1 convolutions over a 1 x 1 x rows x K "image". Here: its tiles, the heuristic that picks
 * tiles and split-K from the workgroup count, and the plan (the GEMM dispatch, and the split-K
 * reduce dispatch when K is split).
 */
import { UnsupportedError } from '../../errors.js';
import { grid, Meta } from '../meta.js';
import type { Binding, KernelPlan, LayerInfo, TacticParams } from '../types.js';
import { epilogueOf } from './epilogue.js';

const MAX_THREADS = 256;
/** WebGPU's default maxComputeWorkgroupStorageSize: every point runs on every device. */
const MAX_WORKGROUP_BYTES = 16384;

/**
 * The vec4 kernel's workgroup aim, and its split-K: K cut into at most MAX_SPLIT ranges of
 * at least SPLIT_MIN_K, so that a layer dispatches about SPLIT_TARGET workgroups; the partial sums
 * take at most MAX_SCRATCH_BYTES. Measured on the H100 with whole-run GPU time (torchvision
 * ResNet-50, batch 1, all passes; test/bench/RESULTS.md): without split-K 1.66 ms; (min, target,
 * min K) = (96, 128, 256) 1.08 ms, (192, 256, 256) 0.95 ms, (264, 528, 128) 0.886 ms,
 * (264, 528, 64) 0.901 ms, (396, 792, 128) 0.894 ms, (528, 1056, 128) 0.985 ms. 264 is two
 * workgroups per SM.
 */
const NHWC_MIN_WORKGROUPS = 264;
const SPLIT_TARGET = 528;
const SPLIT_MIN_K = 128;
const MAX_SPLIT = 16;
const MAX_SCRATCH_BYTES = 32 << 20;

/** Tile sizes of kernels/conv/implicit-gemm-nhwc.wgsl: a BP (pixels) x BM (channels) tile, BK-deep K slices, TP pixels x TV vec4 per thread. */
export interface NhwcTiles {
  readonly bp: number;
  readonly bm: number;
  readonly bk: number;
  readonly tp: number;
  readonly tv: number;
}

/** The tiles of a parameter point of the vec4 kernel, or an error naming what the kernel cannot take. */
export function nhwcTiles(p: TacticParams): NhwcTiles {
  const t = { bp: p['bp'] ?? 64, bm: p['bm'] ?? 64, bk: p['bk'] ?? 16, tp: p['tp'] ?? 4, tv: p['tv'] ?? 1 };
  const threads = (t.bm / (4 * t.tv)) * (t.bp / t.tp);
  const aVec = (t.bp * t.bk) / 4;
  const bVec = (t.bk * t.bm) / 4;
  const ok = Object.values(t).every((v) => Number.isInteger(v) && v >= 1) &&
    t.tp <= 8 && t.tv <= 2 && t.bk % 4 === 0 && t.bm % (4 * t.tv) === 0 && t.bp % t.tp === 0 && threads <= MAX_THREADS &&
    aVec % threads === 0 && aVec / threads <= 4 && bVec % threads === 0 && bVec / threads <= 4 &&
    16 * (aVec + bVec) <= MAX_WORKGROUP_BYTES;
  if (!ok) {
    throw new UnsupportedError(`kernels/conv/implicit-gemm-nhwc.wgsl: tiles ${JSON.stringify(t)} need tp <= 8 dividing bp, tv <= 2 with 4*tv dividing bm, bk % 4 == 0, (bm/(4*tv))*(bp/tp) threads <= ${MAX_THREADS} splitting bp*bk/4 and bk*bm/4 vec4 into <= 4 each; 16*(bp*bk + bk*bm)/4 <= ${MAX_WORKGROUP_BYTES} bytes of workgroup memory`);
  }
  return t;
}

/** Parameter points: big tiles for layers with many output tiles, small deep-K ones for few. */
export const VEC4_SPACE: readonly TacticParams[] = [
  { bp: 64, bm: 64, bk: 16, tp: 4, tv: 1 },
  { bp: 128, bm: 64, bk: 16, tp: 8, tv: 1 },
  { bp: 64, bm: 128, bk: 16, tp: 4, tv: 2 },
  { bp: 32, bm: 64, bk: 16, tp: 4, tv: 1 },
  { bp: 32, bm: 32, bk: 32, tp: 4, tv: 1 },
  { bp: 16, bm: 32, bk: 32, tp: 2, tv: 1 },
  { bp: 16, bm: 16, bk: 32, tp: 2, tv: 1 },
];

/** The GEMM: M output channels (columns), N pixels (rows), K deep. */
export interface Vec4Shape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/**
 * For a space of points with bm (channels) and bp (pixels) tiles (this kernel's, and
 * kernels/conv/int8-nhwc.wgsl's): the first point if it gives enough workgroups; else the largest tiles that do once K is split
 * (see SPLIT_TARGET); else the smallest tiles, split as far as allowed.
 */
export function vec4Heuristic(space: readonly TacticParams[], s: Vec4Shape): TacticParams {
  const count = (p: TacticParams) => Math.ceil(s.m / p['bm']!) * Math.ceil(s.n / p['bp']!);
  if (count(space[0]!) >= NHWC_MIN_WORKGROUPS) return space[0]!;
  const withSplit = (p: TacticParams): TacticParams => {
    const split = Math.min(MAX_SPLIT, Math.ceil(SPLIT_TARGET / count(p)), Math.floor(s.k / SPLIT_MIN_K), Math.floor(MAX_SCRATCH_BYTES / (4 * s.m * s.n)));
    return split > 1 ? { ...p, split } : p;
  };
  const bySize = [...space].sort((a, b) => b['bm']! * b['bp']! - a['bm']! * a['bp']!).map(withSplit);
  return bySize.find((p) => count(p) * (p['split'] ?? 1) >= NHWC_MIN_WORKGROUPS) ?? bySize[bySize.length - 1]!;
}

/** The convolution the kernel computes: channels in, input and output H x W, kernel, strides, dilations, pad begins. */
export interface Vec4Geometry extends Vec4Shape {
  readonly c: number;
  readonly inHW: readonly number[];
  readonly outHW: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly pads: readonly number[];
}

/**
 * A point's split-K: K (`k` deep, in the kernel's units) in `split` ranges of whole `bk` slices,
 * `kPer` each (fewer ranges than asked when K is short), and the scratch binding of the partial
 * sums, split x `outputs` 4-byte words (a few unused bytes without split-K). Shared with
 * conv.int8_nhwc (./int8-conv.ts).
 */
export function splitK(k: number, bk: number, p: TacticParams, outputs: number): { kPer: number; split: number; partial: Binding } {
  const kPer = Math.ceil(k / (p['split'] ?? 1) / bk) * bk;
  const split = Math.ceil(k / kPer);
  return { kPer, split, partial: { scratch: split > 1 ? 4 * split * outputs : 16 } };
}

/**
 * The dispatches of the vec4 kernel for `layer` (x is input 0, y output 0, the residual and
 * activation from its epilogue): `w` binds the K x M weight, `bias` an M-vector or nothing.
 */
export function vec4Plan(layer: LayerInfo, p: TacticParams, g: Vec4Geometry, w: Binding, biasBinding: Binding | undefined): KernelPlan[] {
  const t = nhwcTiles(p);
  const e = epilogueOf(layer);
  const tilesM = Math.ceil(g.m / t.bm);
  const { kPer, split, partial } = splitK(g.k, t.bk, p, g.n * g.m);
  const meta = new Meta()
    .u32(g.m, g.n, g.k, g.c, ...g.inHW, ...g.outHW, ...g.kernel)
    .u32(...g.strides, ...g.dilations)
    .i32(...g.pads)
    .u32(tilesM)
    .f32(...e.params)
    .u32(kPer);
  const hasBias = biasBinding !== undefined ? 1 : 0;
  const bias = biasBinding ?? w; // unread without a bias
  const gemm: KernelPlan = {
    kernel: 'conv/implicit-gemm-nhwc.wgsl',
    constants: { BP: t.bp, BM: t.bm, BK: t.bk, TP: t.tp, TV: t.tv, SPLIT: split, HAS_BIAS: hasBias, ...e.constants },
    meta: meta.done(),
    dispatch: grid(tilesM * Math.ceil(g.n / t.bp) * split),
    bindings: [{ input: 0 }, w, bias, e.residual, { output: 0 }, partial],
  };
  if (split === 1) return [gemm];
  const vec4s = (g.n * g.m) / 4;
  const reduce: KernelPlan = {
    kernel: 'conv/split-k-reduce.wgsl',
    constants: { WG: 256, SPLIT: split, HAS_BIAS: hasBias, ...e.constants },
    meta: new Meta().u32(vec4s, g.m / 4).f32(...e.params).done(),
    dispatch: grid(Math.ceil(vec4s / 256)),
    bindings: [partial, bias, e.residual, { output: 0 }],
  };
  return [gemm, reduce];
}
