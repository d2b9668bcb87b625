/**
 * Int8Conv (src/ir/ops/int8.ts) on WebGPU: int8 x int8 products summed exactly in int32 with
 * WGSL's dot4I8Packed (4 multiply-adds of packed i8 per instruction), then the float epilogue
 * (kernels/conv/int8-epilogue.wgsl). A row-major i8 tensor is one i32 word per element on the GPU,
 * so the row-major kernels pack 4 consecutive input channels into a u32 as they read them
 * (channels padded to a multiple of 4 with zeros); a channel-last one is stored packed
 * (src/ir/layout.ts), which conv.int8_nhwc reads and writes as it is. The implicit-GEMM kernels take a constant weight packed so once, at
 * upload ('i8x4', ../pack.ts); the direct kernel packs it as it reads, and takes any weight.
 *
 * dot4I8Packed is core WGSL behind the `packed_4x8_integer_dot_product` language feature, which
 * Dawn has on every adapter wgrt meets (lavapipe, NVIDIA through Vulkan): a WGSL language feature,
 * not a device feature, so it is not in Tactic.features (checked against device features).
 *
 * On the H100 (test/bench/RESULTS.md): the INT8 ResNet-50, its activations channel-last and packed
 * (53 of its 54 convs on conv.int8_nhwc), runs at batch 1 in 0.63 ms tuned, 0.73x the fp32
 * engine, and at batch 32 in 4.47 ms back to back, 0.45x fp32 and 0.95x PyTorch fp16. What would
 * cut it further: tensor cores fed from the packed activations (conv.int8_mma restructured as the
 * packed-operand probe of RESULTS.md, 162 TOPS there), i8 residuals, QuantizeLinear folded into
 * the conv before it. conv.int8_mma takes 4.7 ms on a 4096³ GEMM, 26x cuBLAS's int8 GEMM; its
 * cost is staging: per 32-deep K step each thread gathers and packs its words of both operands
 * with one barrier either side, for 4 MMAs per subgroup.
 */
import { UnsupportedError } from '../../errors.js';
import { convGeometry } from '../../ir/ops/index.js';
import { physicalType } from '../../ir/layout.js';
import { sizeOf } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { Binding, KernelPlan, LayerInfo, Tactic, TacticParams } from '../types.js';
import { splitK, vec4Heuristic } from './implicit-gemm-vec4.js';

/** A 1-D or 2-D Int8Conv (the kernels index H, W; a 1-D one runs as H = KH = 1). */
const spatial12 = (layer: LayerInfo): boolean => {
  const r = layer.inputs[0]?.shape.length ?? 0;
  return r === 3 || r === 4;
};

/** ... with a constant weight, which the implicit-GEMM kernels take packed at upload. */
const gemmable = (layer: LayerInfo): boolean => spatial12(layer) && layer.ctx.constant(1) !== undefined;

/** `v` with a leading `fill` when it has one entry: a 1-D conv's values as 2-D ones. */
const as2d = <T>(v: readonly T[], fill: T): T[] => (v.length === 1 ? [fill, ...v] : [...v]);

/** H, W, H_out, W_out, KH, KW, strides, dilations and pad begins, each as 2-D. */
function geometryMeta(meta: Meta, layer: LayerInfo): Meta {
  const g = convGeometry(layer.ctx, layer.attrs);
  const r = g.kernel.length;
  return meta
    .u32(...as2d(layer.inputs[0]!.shape.slice(2), 1), ...as2d(g.outSpatial, 1), ...as2d(g.kernel, 1))
    .u32(...as2d(g.strides, 1), ...as2d(g.dilations, 1))
    .i32(...as2d(g.pads.slice(0, r), 0));
}

/**
 * Overrides and bindings the kernels share: the epilogue's (kernels/conv/int8-epilogue.wgsl) bias,
 * x_scale, w_scale, y_scale, y, residual, then `operands` (x and w for the row-major kernels,
 * kernels/conv/int8-common.wgsl). An absent bias, y_scale or residual is stood in for by another
 * read-only input, unread (Dawn keeps a binding that only an override-false branch reads in the
 * 'auto' layout).
 */
function epilogue(layer: LayerInfo, operands: readonly Binding[]): { constants: Record<string, number>; bindings: Binding[] } {
  const has = (i: number) => layer.inputs[i] !== undefined;
  return {
    constants: {
      HAS_BIAS: has(2) ? 1 : 0, RELU: layer.attrs.string('activation') === 'Relu' ? 1 : 0, REQUANT: has(5) ? 1 : 0, RESIDUAL: has(6) ? 1 : 0,
      X_ZP: layer.attrs.int('x_zero_point'), Y_ZP: layer.attrs.int('y_zero_point'),
    },
    bindings: [{ input: has(2) ? 2 : 4 }, { input: 3 }, { input: 4 }, { input: has(5) ? 5 : 3 }, { output: 0 }, { input: has(6) ? 6 : 4 }, ...operands],
  };
}

/** x and w as the row-major kernels bind them; `packW`: the weight as the GEMM's packed A operand ('i8x4', ../pack.ts). */
const rowMajorOperands = (packW: boolean): Binding[] => [{ input: 0 }, packW ? { input: 1, pack: 'i8x4' } : { input: 1 }];

const WG = 256;

/** kernels/conv/int8-direct.wgsl: one thread per output element, the simplest correct kernel. */
export const INT8_CONV_DIRECT: Tactic = {
  id: 'conv.int8_direct',
  ops: ['Int8Conv'],
  precision: 'int8',
  kernel: 'conv/int8-direct.wgsl',
  space: [{ wg: WG }, { wg: 64 }],
  supports: spatial12,
  plan(layer, p) {
    const g = convGeometry(layer.ctx, layer.attrs);
    const total = sizeOf(layer.outputs[0]!.shape);
    const wg = p['wg'] ?? WG;
    const e = epilogue(layer, rowMajorOperands(false));
    const meta = geometryMeta(new Meta().u32(total, g.c, g.m, g.c / g.group, g.m / g.group), layer);
    return [{ kernel: this.kernel, constants: { WG: wg, ...e.constants }, meta: meta.done(), dispatch: grid(Math.ceil(total / wg)), bindings: e.bindings }];
  },
};

const MAX_T = 8;
const MAX_THREADS = 256;

/** The tiles of a point (see kernels/conv/int8-implicit-gemm.wgsl), or an error naming what the kernel cannot take. */
export function int8Tiles(p: TacticParams): { bm: number; bn: number; bk: number; tm: number; tn: number } {
  const t = { bm: p['bm'] ?? 64, bn: p['bn'] ?? 64, bk: p['bk'] ?? 8, tm: p['tm'] ?? 4, tn: p['tn'] ?? 4 };
  const ok = Object.values(t).every((v) => Number.isInteger(v) && v >= 1) && t.tm <= MAX_T && t.tn <= MAX_T &&
    t.bm % t.tm === 0 && t.bn % t.tn === 0 && (t.bm / t.tm) * (t.bn / t.tn) <= MAX_THREADS && ((t.bm / t.tm) * (t.bn / t.tn)) % t.bn === 0;
  if (!ok) throw new UnsupportedError(`conv.int8_implicit_gemm: tiles ${JSON.stringify(t)} need tm, tn <= ${MAX_T} dividing bm, bn and (bm/tm)*(bn/tn) <= ${MAX_THREADS} threads, a multiple of bn (a thread stages one column)`);
  return t;
}

/** Workgroups of a point on a layer: groups x row tiles x column tiles. */
function workgroups(layer: LayerInfo, p: TacticParams): number {
  const g = convGeometry(layer.ctx, layer.attrs);
  return g.group * Math.ceil(g.m / g.group / p['bm']!) * Math.ceil((g.n * sizeOf(g.outSpatial)) / p['bn']!);
}

/** Enough workgroups to fill a large GPU (an H100 has 132 SMs), as conv.implicit_gemm's heuristic wants. */
const MIN_WORKGROUPS = 96;

/**
 * kernels/conv/int8-implicit-gemm.wgsl: per group, a GEMM of the output channels by batch x output
 * pixels over K = kernel taps x packed channel words, tiled in workgroup memory. `bk` counts packed
 * words (4 channels each). Small tiles, with deeper K slices, for layers with few output pixels
 * or few channels per group.
 */
export const INT8_CONV_IMPLICIT_GEMM: Tactic = {
  id: 'conv.int8_implicit_gemm',
  ops: ['Int8Conv'],
  precision: 'int8',
  kernel: 'conv/int8-implicit-gemm.wgsl',
  space: [
    { bm: 64, bn: 64, bk: 8, tm: 4, tn: 4 },
    { bm: 128, bn: 64, bk: 8, tm: 8, tn: 4 },
    { bm: 64, bn: 128, bk: 8, tm: 4, tn: 8 },
    { bm: 32, bn: 64, bk: 16, tm: 2, tn: 4 },
    { bm: 16, bn: 64, bk: 16, tm: 1, tn: 4 },
    { bm: 32, bn: 32, bk: 16, tm: 2, tn: 2 },
    { bm: 32, bn: 16, bk: 32, tm: 2, tn: 1 },
    { bm: 16, bn: 16, bk: 32, tm: 1, tn: 1 },
  ],
  supports: gemmable,
  // Rows no taller than the group's output channels need (16, 32 or 64), then the largest tile
  // that still dispatches MIN_WORKGROUPS, else the smallest. The 128-wide tiles only when timed: on
  // the H100 (ResNet shapes, batch 32) they were no faster than 64 x 64.
  heuristic(layer) {
    const g = convGeometry(layer.ctx, layer.attrs);
    const rows = Math.min(64, Math.max(16, 2 ** Math.ceil(Math.log2(g.m / g.group))));
    const area = (p: TacticParams) => p['bm']! * p['bn']!;
    const fit = this.space.filter((p) => p['bm']! <= rows && p['bn']! <= 64).sort((a, b) => area(b) - area(a));
    return fit.find((p) => workgroups(layer, p) >= MIN_WORKGROUPS) ?? fit[fit.length - 1]!;
  },
  plan(layer, p) {
    const g = convGeometry(layer.ctx, layer.attrs);
    const t = int8Tiles(p);
    const e = epilogue(layer, rowMajorOperands(true));
    const [cg, mg] = [g.c / g.group, g.m / g.group];
    const cg4 = Math.ceil(cg / 4);
    const cols = g.n * sizeOf(g.outSpatial);
    const [tilesM, tilesN] = [Math.ceil(mg / t.bm), Math.ceil(cols / t.bn)];
    const count = g.group * tilesM * tilesN;
    const meta = geometryMeta(new Meta().u32(g.m, g.c, cg, mg), layer)
      .u32(cols, cg4, sizeOf(g.kernel) * cg4, tilesM, tilesN, count);
    return [{
      kernel: this.kernel,
      constants: { BM: t.bm, BN: t.bn, BK: t.bk, TM: t.tm, TN: t.tn, ...e.constants },
      meta: meta.done(),
      dispatch: grid(count),
      bindings: e.bindings,
    }];
  },
};

const MAX_LOAD = 4;
/** Dawn's default maxComputeWorkgroupStorageSize: every point runs on every device. */
const MAX_WORKGROUP_BYTES = 16384;

/** The tiles of a conv.int8_nhwc point (kernels/conv/int8-nhwc.wgsl) and its threads, or an error naming what the kernel cannot take. */
export function int8NhwcTiles(p: TacticParams): { bp: number; bm: number; bk: number; tp: number; tv: number; threads: number } {
  const t = { bp: p['bp'] ?? 64, bm: p['bm'] ?? 64, bk: p['bk'] ?? 16, tp: p['tp'] ?? 4, tv: p['tv'] ?? 1 };
  const threads = (t.bm / (4 * t.tv)) * (t.bp / t.tp);
  const ok = Object.values(t).every((v) => Number.isInteger(v) && v >= 1) && t.tp <= 8 && t.tv <= 2 && t.bm % (4 * t.tv) === 0 &&
    t.bp % t.tp === 0 && threads <= MAX_THREADS && (t.bp * t.bk) % threads === 0 && (t.bp * t.bk) / threads <= MAX_LOAD &&
    ((t.bk * t.bm) / 4) % threads === 0 && (t.bk * t.bm) / 4 / threads <= MAX_LOAD && 4 * t.bk * (t.bp + t.bm) <= MAX_WORKGROUP_BYTES;
  if (!ok) {
    throw new UnsupportedError(`conv.int8_nhwc: tiles ${JSON.stringify(t)} need tp <= 8 dividing bp, tv <= 2 with 4*tv dividing bm, (bm/(4*tv))*(bp/tp) threads <= ${MAX_THREADS} splitting bp*bk words and bk*bm/4 vec4 evenly into <= ${MAX_LOAD} each, 4*bk*(bp+bm) <= ${MAX_WORKGROUP_BYTES} bytes of workgroup memory`);
  }
  return { ...t, threads };
}

/** The GEMM of a channel-last Int8Conv: M output channels, N pixels, K in int8 elements (4 per word). */
function nhwcShape(layer: LayerInfo): { m: number; n: number; k: number } {
  const g = convGeometry(layer.ctx, layer.attrs);
  return { m: g.m, n: g.n * sizeOf(g.outSpatial), k: g.c * sizeOf(g.kernel) };
}

/**
 * kernels/conv/int8-nhwc.wgsl: Int8Conv over channel-last tensors (x, y and the residual 'nhwc',
 * C_out a multiple of 4, groups 1), conv.implicit_gemm_nhwc in int8: x is i8 channel-last, so
 * packed 4 channels to a word (src/ir/layout.ts), and a word of K is one load of it; four output
 * channels' weight words are one vec4 load ('i8x4t', ../pack.ts); an i8 y is stored packed. Tiles
 * and split-K as the fp32 kernel picks them (vec4Heuristic); `bk` counts packed words. The
 * choose-layout pass (src/passes/choose-layout.ts) stores an INT8 network's activations
 * channel-last where this kernel can take them.
 */
export const INT8_CONV_NHWC: Tactic = {
  id: 'conv.int8_nhwc',
  ops: ['Int8Conv'],
  precision: 'int8',
  kernel: 'conv/int8-nhwc.wgsl',
  layouts: true,
  space: [
    { bp: 64, bm: 64, bk: 16, tp: 4, tv: 1 },
    { bp: 128, bm: 128, bk: 8, tp: 8, tv: 2 },
    { bp: 64, bm: 128, bk: 16, tp: 4, tv: 2 },
    { bp: 32, bm: 64, bk: 16, tp: 4, tv: 1 },
    { bp: 32, bm: 32, bk: 16, tp: 2, tv: 1 },
    { bp: 16, bm: 32, bk: 16, tp: 2, tv: 1 },
    { bp: 16, bm: 16, bk: 16, tp: 1, tv: 1 },
  ],
  supports(layer) {
    if (!gemmable(layer) || layer.inputs[0]!.shape.length !== 4) return false;
    const g = convGeometry(layer.ctx, layer.attrs);
    const { inputs, outputs } = layer.layouts;
    // x is also bound as a vec4 array (X_VEC4), which wants 16 bytes: 4 packed words.
    const words = sizeOf(physicalType(layer.inputs[0]!, 'nhwc').shape);
    return g.group === 1 && g.m % 4 === 0 && words >= 4 && inputs[0] === 'nhwc' && outputs[0] === 'nhwc' && (layer.inputs[6] === undefined || inputs[6] === 'nhwc');
  },
  heuristic(layer) {
    return vec4Heuristic(this.space, nhwcShape(layer));
  },
  plan(layer, p) {
    const g = convGeometry(layer.ctx, layer.attrs);
    const t = int8NhwcTiles(p);
    const { m, n } = nhwcShape(layer);
    const c4 = Math.ceil(g.c / 4);
    const kWords = c4 * sizeOf(g.kernel);
    const tilesM = Math.ceil(m / t.bm);
    const { kPer, split, partial } = splitK(kWords, t.bk, p, n * m);
    const e = epilogue(layer, [{ input: 0 }, { input: 1, pack: 'i8x4t' }]);
    const meta = geometryMeta(new Meta().u32(m, n, kWords, c4), layer).u32(tilesM, kPer);
    // x loaded 4 words at once where a K slice's words come in aligned fours of one tap.
    const xVec4 = c4 % 4 === 0 && t.bk % 4 === 0 && ((t.bp * t.bk) / 4) % t.threads === 0;
    const gemm: KernelPlan = {
      kernel: this.kernel,
      constants: { BP: t.bp, BM: t.bm, BK: t.bk, TP: t.tp, TV: t.tv, SPLIT: split, X_VEC4: xVec4 ? 1 : 0, ...e.constants },
      meta: meta.done(),
      dispatch: grid(tilesM * Math.ceil(n / t.bp) * split),
      bindings: [...e.bindings, partial, { input: 0 }],
    };
    if (split === 1) return [gemm];
    const vec4s = (n * m) / 4;
    const reduce: KernelPlan = {
      kernel: 'conv/int8-split-k-reduce.wgsl',
      constants: { WG, SPLIT: split, ...e.constants },
      meta: new Meta().u32(vec4s, m / 4).done(),
      dispatch: grid(Math.ceil(vec4s / WG)),
      bindings: [...e.bindings.slice(0, 6), partial],
    };
    return [gemm, reduce];
  },
};

const MMA_FEATURE = 'chromium-experimental-subgroup-matrix';
const MAX_S = 2;
const SG = 32;
/** Dawn's default maxComputeWorkgroupStorageSize; the kernel's tiles and slots stay within it. */
const SMEM_BYTES = 16384;

/** The tiles of an MMA point (see kernels/conv/int8-mma.wgsl), or an error naming what the kernel cannot take. */
export function mmaTiles(p: TacticParams): { bm: number; bn: number; sm: number; sn: number; kw: number } {
  const t = { bm: p['bm'] ?? 64, bn: p['bn'] ?? 64, sm: p['sm'] ?? 2, sn: p['sn'] ?? 2, kw: p['kw'] ?? 8 };
  const subs = (t.bm / (16 * t.sm)) * (t.bn / (16 * t.sn));
  const ok = Object.values(t).every((v) => Number.isInteger(v) && v >= 1) && t.sm <= MAX_S && t.sn <= MAX_S &&
    t.bm % (16 * t.sm) === 0 && t.bn % (16 * t.sn) === 0 && t.kw % 8 === 0 && subs * SG <= MAX_THREADS && (subs * SG) % t.bn === 0 &&
    4 * Math.max((t.bm + t.bn) * t.kw, subs * 256) <= SMEM_BYTES;
  if (!ok) throw new UnsupportedError(`conv.int8_mma: tiles ${JSON.stringify(t)} need sm, sn <= ${MAX_S}, bm a multiple of 16 sm, bn of 16 sn, kw of 8, at most ${MAX_THREADS / SG} subgroups (their threads a multiple of bn) and ${SMEM_BYTES} bytes of workgroup memory`);
  return t;
}

/**
 * kernels/conv/int8-mma.wgsl: the implicit GEMM of conv.int8_implicit_gemm (groups 1) on tensor
 * cores, through subgroup matrices (int8 M16 N16 K32). Needs the adapter's
 * chromium-experimental-subgroup-matrix (Dawn with allow_unsafe_apis: acquireGpu({ unsafeApis:
 * true })) and subgroups of 32; elsewhere the autotuner never offers it.
 */
export const INT8_CONV_MMA: Tactic = {
  id: 'conv.int8_mma',
  ops: ['Int8Conv'],
  precision: 'int8',
  kernel: 'conv/int8-mma.wgsl',
  features: [MMA_FEATURE, 'subgroups'],
  space: [
    { bm: 64, bn: 64, sm: 2, sn: 2, kw: 8 },
    { bm: 128, bn: 64, sm: 2, sn: 2, kw: 8 },
    { bm: 64, bn: 128, sm: 2, sn: 2, kw: 8 },
    { bm: 32, bn: 64, sm: 1, sn: 2, kw: 8 },
    { bm: 64, bn: 32, sm: 2, sn: 1, kw: 8 },
    { bm: 32, bn: 32, sm: 1, sn: 1, kw: 8 },
    { bm: 16, bn: 64, sm: 1, sn: 1, kw: 8 },
  ],
  supports(layer) {
    if (!gemmable(layer)) return false;
    const g = convGeometry(layer.ctx, layer.attrs);
    // x and the packed weight (M x K words) are also bound as vec4 arrays, which want 16 bytes.
    return g.group === 1 && sizeOf(layer.inputs[0]!.shape) >= 4 && g.m * Math.ceil(g.c / 4) * sizeOf(g.kernel) >= 4;
  },
  heuristic(layer) {
    const area = (p: TacticParams) => p['bm']! * p['bn']!;
    const fit = [...this.space].sort((a, b) => area(b) - area(a));
    return fit.find((p) => workgroups(layer, p) >= MIN_WORKGROUPS) ?? fit[fit.length - 1]!;
  },
  plan(layer, p) {
    const g = convGeometry(layer.ctx, layer.attrs);
    const t = mmaTiles(p);
    const e = epilogue(layer, rowMajorOperands(true));
    const cg4 = Math.ceil(g.c / 4);
    const cols = g.n * sizeOf(g.outSpatial);
    const [tilesM, tilesN] = [Math.ceil(g.m / t.bm), Math.ceil(cols / t.bn)];
    const count = tilesM * tilesN;
    const kWords = sizeOf(g.kernel) * cg4;
    const gemm = sizeOf(g.outSpatial) === 1;
    const xVec = gemm && sizeOf(g.kernel) === 1 && sizeOf(layer.inputs[0]!.shape.slice(2)) === 1 && g.c % 4 === 0;
    const meta = geometryMeta(new Meta().u32(g.m, g.c, g.c, g.m), layer)
      .u32(cols, cg4, kWords, tilesM, tilesN, count, gemm ? 1 : 0, kWords % 4 === 0 ? 1 : 0, xVec ? 1 : 0);
    return [{
      kernel: this.kernel,
      constants: { BM: t.bm, BN: t.bn, SM: t.sm, SN: t.sn, KW: t.kw, SG, ...e.constants },
      meta: meta.done(),
      dispatch: grid(count),
      bindings: [...e.bindings, { input: 1, pack: 'i8x4' }, { input: 0 }],
    }];
  },
};

// The channel-last kernel where the layouts allow it (only it takes them), then the tiled
// row-major kernel; the direct one stays for the autotuner and as the simple reading; the
// tensor-core one where the adapter has subgroup matrices.
registerTactic(INT8_CONV_NHWC, INT8_CONV_IMPLICIT_GEMM, INT8_CONV_DIRECT, INT8_CONV_MMA);
