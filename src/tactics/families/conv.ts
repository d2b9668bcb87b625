import { UnsupportedError } from '../../errors.js';
import { isFloat } from '../../ir/dtype.js';
import { convGeometry, convTransposeGeometry, type WindowGeometry } from '../../ir/ops/index.js';
import { layoutStrides, type Layout } from '../../ir/layout.js';
import { sizeOf, type Shape } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { Binding, KernelPlan, LayerInfo, Tactic, TacticParams } from '../types.js';
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

/** Tile sizes of kernels/conv/implicit-gemm.wgsl: a BM x BN output tile, BK-deep K slices, TM x TN per thread. */
export interface ImplicitGemmTiles {
  readonly bm: number;
  readonly bn: number;
  readonly bk: number;
  readonly tm: number;
  readonly tn: number;
}

const MAX_T = 8;
const MAX_LOAD = 8;
const MAX_THREADS = 256;
/** WebGPU's default maxComputeWorkgroupStorageSize: every point runs on every device. */
const MAX_WORKGROUP_BYTES = 16384;

/**
 * The tiles of a parameter point, or an error naming what the kernel cannot take: TM, TN <= 8
 * dividing BM, BN; at most 256 threads, which split the BM x BK weight slice evenly (at most 8 words
 * each) and split into BK groups, one per B row, each gathering at most 8 of the BN columns; the
 * A tile (BK x (BM + 1) words) and the B tile (BK x BN) within 16 KiB.
 */
export function implicitGemmTiles(p: TacticParams): ImplicitGemmTiles {
  const t = { bm: p['bm'] ?? 64, bn: p['bn'] ?? 64, bk: p['bk'] ?? 16, tm: p['tm'] ?? 4, tn: p['tn'] ?? 4 };
  const threads = (t.bm / t.tm) * (t.bn / t.tn);
  const rowThreads = threads / t.bk;
  const ok = Object.values(t).every((v) => Number.isInteger(v) && v >= 1) &&
    t.tm <= MAX_T && t.tn <= MAX_T && t.bm % t.tm === 0 && t.bn % t.tn === 0 && threads <= MAX_THREADS &&
    (t.bm * t.bk) % threads === 0 && (t.bm * t.bk) / threads <= MAX_LOAD &&
    Number.isInteger(rowThreads) && t.bn % rowThreads === 0 && t.bn / rowThreads <= MAX_LOAD &&
    4 * t.bk * (t.bm + 1 + t.bn) <= MAX_WORKGROUP_BYTES;
  if (!ok) {
    throw new UnsupportedError(`conv.implicit_gemm: tiles ${JSON.stringify(t)} need tm, tn <= ${MAX_T} dividing bm, bn; (bm/tm)*(bn/tn) threads <= ${MAX_THREADS}, dividing bm*bk into <= ${MAX_LOAD} words each and splitting into bk rows of <= ${MAX_LOAD} of the bn columns; 4*bk*(bm+1+bn) <= ${MAX_WORKGROUP_BYTES} bytes of workgroup memory`);
  }
  return t;
}

/** The GEMM a 1-D or 2-D, group-1 conv layer is (M = C_out, N = batch x output pixels, K = C_in x kernel), else undefined. */
export function implicitGemmShape(layer: LayerInfo): { m: number; n: number; k: number } | undefined {
  if (!spatialFloat(layer) || layer.inputs[0]!.shape.length > 4) return undefined;
  const g = convGeometry(layer.ctx, layer.attrs);
  if (g.group !== 1) return undefined;
  const k = g.c * g.kernel.reduce((a, b) => a * b, 1);
  return { m: g.m, n: g.n * g.outSpatial.reduce((a, b) => a * b, 1), k };
}

/** A 1-D conv's N x C x L shape as the 4-D N x C x 1 x L the kernels index. */
const as4d = (s: Shape): Shape => (s.length === 3 ? [s[0]!, s[1]!, 1, s[2]!] : s);

/** Element strides of y for n, m (the channel) and the output pixel (oh * W_out + ow). */
function outputStrides(shape: Shape, l: Layout): [number, number, number] {
  const [sn, sc, , sw] = layoutStrides(shape, l);
  return [sn, sc, sw];
}

/** A FusedConv's residual is read at y's index: it must be stored in y's layout. */
export const residualLaidOutAsOutput = (layer: LayerInfo): boolean =>
  layer.inputs[3] === undefined || layer.layouts.inputs[3] === layer.layouts.outputs[0];

/** Where conv.implicit_gemm is preferred to conv.direct: K deep enough, and more than a handful of output pixels. */
export const IMPLICIT_GEMM_MIN = { k: 16, n: 16 };

/** Output tiles a parameter point gives a layer: the workgroups it dispatches. */
function tileCount(s: { m: number; n: number }, p: TacticParams): number {
  const t = implicitGemmTiles(p);
  return Math.ceil(s.m / t.bm) * Math.ceil(s.n / t.bn);
}

/**
 * Enough workgroups to keep a large GPU busy (an H100 has 132 SMs), before larger tiles. Measured
 * with test/bench/conv.ts --points on the H100 (ResNet-50's 53 convs, batch 1): 96 gave 3.01 ms,
 * 128 3.29 ms, 64 3.10 ms, the best point per shape 3.00 ms.
 */
const MIN_WORKGROUPS = 96;

/**
 * conv.implicit_gemm_nhwc's workgroup aim, and its split-K: K cut into at most MAX_SPLIT ranges of
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

/**
 * The default point if it dispatches enough workgroups, else the largest tiles that do, else the
 * smallest tiles (late ResNet stages: 7x7 outputs, many channels).
 */
function enoughWorkgroups(space: readonly TacticParams[], count: (p: TacticParams) => number, area: (p: TacticParams) => number): TacticParams {
  if (count(space[0]!) >= MIN_WORKGROUPS) return space[0]!;
  const bySize = [...space].sort((a, b) => area(b) - area(a));
  return bySize.find((p) => count(p) >= MIN_WORKGROUPS) ?? bySize[bySize.length - 1]!;
}

/**
 * Conv and FusedConv as an implicit GEMM (kernels/conv/implicit-gemm.wgsl): weights as stored are A,
 * the input's im2col matrix, gathered on the fly, is B; the epilogue is conv.direct's (./epilogue.ts).
 * It claims 1-D and 2-D group-1 convs with K >= 16 and batch x output pixels >= 16 (see
 * IMPLICIT_GEMM_MIN); smaller ones stay with conv.direct, which comes after it in TACTICS.
 */
export const CONV_IMPLICIT_GEMM: Tactic = {
  id: 'conv.implicit_gemm',
  ops: ['Conv', 'FusedConv'],
  kernel: 'conv/implicit-gemm.wgsl',
  layouts: true, // x and y (and the residual, laid out as y) in any layout: strides in the meta
  // 256 threads each, at most 16 KiB of workgroup memory. Big tiles for layers with many output
  // tiles; small tiles with deep K slices (fewer barriers per K) for layers with few: late ResNet
  // stages at batch 1 fill an H100 only with tiles of 32 x 16 or less.
  space: [
    { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4 },
    { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8 },
    { bm: 128, bn: 64, bk: 16, tm: 8, tn: 4 },
    { bm: 64, bn: 128, bk: 16, tm: 4, tn: 8 },
    { bm: 64, bn: 32, bk: 32, tm: 4, tn: 2 },
    { bm: 32, bn: 32, bk: 32, tm: 2, tn: 2 },
    { bm: 32, bn: 16, bk: 64, tm: 2, tn: 1 },
    { bm: 16, bn: 16, bk: 64, tm: 1, tn: 1 },
  ],
  supports(layer) {
    const s = implicitGemmShape(layer);
    return !!s && s.k >= IMPLICIT_GEMM_MIN.k && s.n >= IMPLICIT_GEMM_MIN.n && residualLaidOutAsOutput(layer);
  },
  heuristic(layer) {
    const s = implicitGemmShape(layer)!;
    return enoughWorkgroups(this.space, (p) => tileCount(s, p), (p) => implicitGemmTiles(p).bm * implicitGemmTiles(p).bn);
  },
  plan(layer, p) {
    const g = convGeometry(layer.ctx, layer.attrs);
    const s = implicitGemmShape(layer);
    if (!s) throw new UnsupportedError(`conv.implicit_gemm cannot run node '${layer.node.name}' (${layer.node.op}): it takes 1-D and 2-D float convs with group 1`);
    const t = implicitGemmTiles(p);
    const e = epilogueOf(layer);
    const hasBias = layer.inputs[2] !== undefined;
    // A 1-D conv is a 2-D one with H = KH = 1.
    const lead = <T>(v: readonly T[], fill: T) => (v.length === 1 ? [fill, ...v] : [...v]);
    const inSpatial = lead(layer.inputs[0]!.shape.slice(2), 1);
    const r = g.kernel.length;
    const tilesN = Math.ceil(s.n / t.bn);
    const meta = new Meta()
      .u32(s.m, s.n, s.k, g.c, ...inSpatial, ...lead(g.outSpatial, 1), ...lead(g.kernel, 1))
      .u32(...lead(g.strides, 1), ...lead(g.dilations, 1))
      .i32(...lead(g.pads.slice(0, r), 0))
      .u32(tilesN)
      .f32(...e.params)
      .i32(...layoutStrides(as4d(layer.inputs[0]!.shape), layer.layouts.inputs[0]!))
      .u32(...outputStrides(as4d(layer.outputs[0]!.shape), layer.layouts.outputs[0]!));
    return [
      {
        kernel: this.kernel,
        constants: { BM: t.bm, BN: t.bn, BK: t.bk, TM: t.tm, TN: t.tn, HAS_BIAS: hasBias ? 1 : 0, ...e.constants },
        meta: meta.done(),
        dispatch: grid(tilesN * Math.ceil(s.m / t.bm)),
        bindings: [{ input: 0 }, { input: 1 }, { input: hasBias ? 2 : 1 }, e.residual, { output: 0 }],
      },
    ];
  },
};

/** Tile sizes of kernels/conv/implicit-gemm-nhwc.wgsl: a BP (pixels) x BM (channels) tile, BK-deep K slices, TP pixels x TV vec4 per thread. */
export interface NhwcTiles {
  readonly bp: number;
  readonly bm: number;
  readonly bk: number;
  readonly tp: number;
  readonly tv: number;
}

/** The tiles of a parameter point of conv.implicit_gemm_nhwc, or an error naming what the kernel cannot take. */
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
    throw new UnsupportedError(`conv.implicit_gemm_nhwc: tiles ${JSON.stringify(t)} need tp <= 8 dividing bp, tv <= 2 with 4*tv dividing bm, bk % 4 == 0, (bm/(4*tv))*(bp/tp) threads <= ${MAX_THREADS} splitting bp*bk/4 and bk*bm/4 vec4 into <= 4 each; 16*(bp*bk + bk*bm)/4 <= ${MAX_WORKGROUP_BYTES} bytes of workgroup memory`);
  }
  return t;
}

/**
 * Conv and FusedConv on channel-last tensors (x, y and the residual 'nhwc', C_in and C_out
 * multiples of 4) as a vectorized implicit GEMM (kernels/conv/implicit-gemm-nhwc.wgsl): every load
 * and store is a vec4, the weights are packed K x C_out at upload. The layouts are the
 * choose-layout pass's (src/passes/choose-layout.ts); the kernel is why it picks them.
 */
export const CONV_IMPLICIT_GEMM_NHWC: Tactic = {
  id: 'conv.implicit_gemm_nhwc',
  ops: ['Conv', 'FusedConv'],
  kernel: 'conv/implicit-gemm-nhwc.wgsl',
  layouts: true,
  space: [
    { bp: 64, bm: 64, bk: 16, tp: 4, tv: 1 },
    { bp: 128, bm: 64, bk: 16, tp: 8, tv: 1 },
    { bp: 64, bm: 128, bk: 16, tp: 4, tv: 2 },
    { bp: 32, bm: 64, bk: 16, tp: 4, tv: 1 },
    { bp: 32, bm: 32, bk: 32, tp: 4, tv: 1 },
    { bp: 16, bm: 32, bk: 32, tp: 2, tv: 1 },
    { bp: 16, bm: 16, bk: 32, tp: 2, tv: 1 },
  ],
  supports(layer) {
    const s = implicitGemmShape(layer);
    const [x, wt] = [layer.inputs[0]!, layer.inputs[1]!];
    return !!s && x.shape.length === 4 && x.shape[1]! % 4 === 0 && wt.shape[0]! % 4 === 0 &&
      layer.layouts.inputs[0] === 'nhwc' && layer.layouts.outputs[0] === 'nhwc' && residualLaidOutAsOutput(layer) &&
      layer.ctx.constant(1) !== undefined; // packed at upload
  },
  // The default tiles if they give enough workgroups; else the largest tiles that do once K is
  // split (see SPLIT_TARGET); else the smallest tiles, split as far as allowed.
  heuristic(layer) {
    const s = implicitGemmShape(layer)!;
    const count = (p: TacticParams) => Math.ceil(s.m / nhwcTiles(p).bm) * Math.ceil(s.n / nhwcTiles(p).bp);
    if (count(this.space[0]!) >= NHWC_MIN_WORKGROUPS) return this.space[0]!;
    const withSplit = (p: TacticParams): TacticParams => {
      const split = Math.min(MAX_SPLIT, Math.ceil(SPLIT_TARGET / count(p)), Math.floor(s.k / SPLIT_MIN_K), Math.floor(MAX_SCRATCH_BYTES / (4 * s.m * s.n)));
      return split > 1 ? { ...p, split } : p;
    };
    const bySize = [...this.space].sort((a, b) => nhwcTiles(b).bm * nhwcTiles(b).bp - nhwcTiles(a).bm * nhwcTiles(a).bp).map(withSplit);
    return bySize.find((p) => count(p) * (p['split'] ?? 1) >= NHWC_MIN_WORKGROUPS) ?? bySize[bySize.length - 1]!;
  },
  plan(layer, p) {
    const g = convGeometry(layer.ctx, layer.attrs);
    const s = implicitGemmShape(layer)!;
    const t = nhwcTiles(p);
    const e = epilogueOf(layer);
    const hasBias = layer.inputs[2] !== undefined;
    const tilesM = Math.ceil(s.m / t.bm);
    // K in `split` ranges of whole BK slices (fewer when K is short).
    const kPer = Math.ceil(s.k / (p['split'] ?? 1) / t.bk) * t.bk;
    const split = Math.ceil(s.k / kPer);
    const meta = new Meta()
      .u32(s.m, s.n, s.k, g.c, ...layer.inputs[0]!.shape.slice(2), ...g.outSpatial, ...g.kernel)
      .u32(...g.strides, ...g.dilations)
      .i32(...g.pads.slice(0, 2))
      .u32(tilesM)
      .f32(...e.params)
      .u32(kPer);
    const bias: Binding = hasBias ? { input: 2 } : { input: 1 }; // unread without a bias
    // Split-K partial sums, split x P x M words (a few unused bytes without split-K).
    const partial: Binding = { scratch: split > 1 ? 4 * split * s.n * s.m : 16 };
    const gemm: KernelPlan = {
      kernel: this.kernel,
      constants: { BP: t.bp, BM: t.bm, BK: t.bk, TP: t.tp, TV: t.tv, SPLIT: split, HAS_BIAS: hasBias ? 1 : 0, ...e.constants },
      meta: meta.done(),
      dispatch: grid(tilesM * Math.ceil(s.n / t.bp) * split),
      // The weight [C_out, C_in, KH, KW] packed as [KH, KW, C_in, C_out]: K x M, row major.
      bindings: [{ input: 0 }, { input: 1, perm: [2, 3, 1, 0] }, bias, e.residual, { output: 0 }, partial],
    };
    if (split === 1) return [gemm];
    const vec4s = (s.n * s.m) / 4;
    const reduce: KernelPlan = {
      kernel: 'conv/split-k-reduce.wgsl',
      constants: { WG: 256, SPLIT: split, HAS_BIAS: hasBias ? 1 : 0, ...e.constants },
      meta: new Meta().u32(vec4s, s.m / 4).f32(...e.params).done(),
      dispatch: grid(Math.ceil(vec4s / 256)),
      bindings: [partial, bias, e.residual, { output: 0 }],
    };
    return [gemm, reduce];
  },
};

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

// In preference order: the vectorized channel-last kernel where the layouts allow it, then
// conv.implicit_gemm, then conv.direct for what neither takes.
registerTactic(CONV_IMPLICIT_GEMM_NHWC, CONV_IMPLICIT_GEMM, CONV_DIRECT, CONV_FUSED, CONV_TRANSPOSE);
