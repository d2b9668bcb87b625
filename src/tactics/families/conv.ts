import { UnsupportedError } from '../../errors.js';
import { isFloat } from '../../ir/dtype.js';
import { convGeometry, convTransposeGeometry, type WindowGeometry } from '../../ir/ops/index.js';
import { layoutStrides, type Layout } from '../../ir/layout.js';
import { sizeOf, type Shape } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { Binding, KernelPlan, LayerInfo, Tactic, TacticParams } from '../types.js';
import { epilogueOf } from './epilogue.js';
import { vec4Heuristic, vec4Plan, VEC4_SPACE } from './implicit-gemm-vec4.js';

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
 * The default point if it dispatches enough workgroups, else the largest tiles that do, else the
 * smallest tiles (late ResNet stages: 7x7 outputs, many channels).
 */
function enoughWorkgroups(space: readonly TacticParams[], count: (p: TacticParams) => number, area: (p: TacticParams) => number): TacticParams {
  if (count(space[0]!) >= MIN_WORKGROUPS) return space[0]!;
  const bySize = [...space].sort((a, b) => area(b) - area(a));
  return bySize.find((p) => count(p) >= MIN_WORKGROUPS) ?? bySize[bySize.length - 1]!;
}

/**
 * The dispatch of an implicit GEMM kernel (kernels/conv/implicit-gemm.wgsl, or its f16 form) for a
 * Conv or FusedConv layer: `weight` is how the weight is bound (as stored, or packed to f16).
 */
export function implicitGemmPlan(layer: LayerInfo, p: TacticParams, k: { readonly id: string; readonly kernel: string; readonly weight: Binding }): KernelPlan[] {
  const g = convGeometry(layer.ctx, layer.attrs);
  const s = implicitGemmShape(layer);
  if (!s) throw new UnsupportedError(`${k.id} cannot run node '${layer.node.name}' (${layer.node.op}): it takes 1-D and 2-D float convs with group 1`);
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
      kernel: k.kernel,
      constants: { BM: t.bm, BN: t.bn, BK: t.bk, TM: t.tm, TN: t.tn, HAS_BIAS: hasBias ? 1 : 0, ...e.constants },
      meta: meta.done(),
      dispatch: grid(tilesN * Math.ceil(s.m / t.bm)),
      bindings: [{ input: 0 }, k.weight, { input: hasBias ? 2 : 1 }, e.residual, { output: 0 }],
    },
  ];
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
    return implicitGemmPlan(layer, p, { id: this.id, kernel: this.kernel, weight: { input: 1 } });
  },
};

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
  space: VEC4_SPACE,
  supports(layer) {
    const s = implicitGemmShape(layer);
    const [x, wt] = [layer.inputs[0]!, layer.inputs[1]!];
    return !!s && x.shape.length === 4 && x.shape[1]! % 4 === 0 && wt.shape[0]! % 4 === 0 &&
      layer.layouts.inputs[0] === 'nhwc' && layer.layouts.outputs[0] === 'nhwc' && residualLaidOutAsOutput(layer) &&
      layer.ctx.constant(1) !== undefined; // packed at upload
  },
  heuristic(layer) {
    return vec4Heuristic(this.space, implicitGemmShape(layer)!);
  },
  plan(layer, p) {
    const g = convGeometry(layer.ctx, layer.attrs);
    const hasBias = layer.inputs[2] !== undefined;
    const geometry = {
      ...implicitGemmShape(layer)!, c: g.c, inHW: layer.inputs[0]!.shape.slice(2), outHW: g.outSpatial, kernel: g.kernel,
      strides: g.strides, dilations: g.dilations, pads: g.pads.slice(0, 2),
    };
    // The weight [C_out, C_in, KH, KW] packed as [KH, KW, C_in, C_out]: K x M, row major.
    return vec4Plan(layer, p, geometry, { input: 1, perm: [2, 3, 1, 0] }, hasBias ? { input: 2 } : undefined);
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
