import { matmulShape, swapLastTwo } from '../../ir/ops/index.js';
import { stridesOf, type Shape } from '../../ir/tensor.js';
import { Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { Binding, KernelPlan, LayerInfo, Tactic, TacticParams } from '../types.js';
import { UnsupportedError } from '../../errors.js';
import { epilogueOf } from './epilogue.js';
import { vec4Heuristic, vec4Plan, VEC4_SPACE } from './implicit-gemm-vec4.js';

/** Element strides of `shape` broadcast to `target`, aligned right (0 on broadcast or missing dims). */
function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  return target.map((d, i) => {
    const j = i - (target.length - shape.length);
    return j < 0 || shape[j] === 1 ? 0 : own[j]!;
  });
}

/** Everything kernels/gemm/tiled.wgsl needs: sizes, operand strides, batch layout, bias. */
export interface GemmGeometry {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** A[m, k] at aStrides[0] * m + aStrides[1] * k (transposes are strides); same for B[k, n]. */
  readonly aStrides: readonly [number, number];
  readonly bStrides: readonly [number, number];
  readonly batch: readonly number[];
  /** Per batch dim, the element offset step of each operand (0 where it broadcasts). */
  readonly aBatch: readonly number[];
  readonly bBatch: readonly number[];
  /** Bias C[m, n] strides (Gemm only). */
  readonly cStrides?: readonly [number, number];
  readonly alpha: number;
  readonly beta: number;
}

export function gemmGeometry(layer: LayerInfo): GemmGeometry | undefined {
  const A = layer.inputs[0];
  const B = layer.inputs[1];
  if (!A || !B) return undefined;
  const op = layer.node.op;
  if (op === 'Gemm' || op === 'FusedGemm') {
    const a = layer.attrs;
    const [m, n] = layer.outputs[0]!.shape as [number, number];
    const transA = a.int('transA') === 1;
    const transB = a.int('transB') === 1;
    const k = transA ? A.shape[0]! : A.shape[1]!;
    const C = layer.inputs[2];
    return {
      m, n, k,
      aStrides: transA ? [1, m] : [k, 1],
      bStrides: transB ? [1, k] : [n, 1],
      batch: [], aBatch: [], bBatch: [],
      ...(C ? { cStrides: broadcastStrides(C.shape, [m, n]) as [number, number] } : {}),
      alpha: a.float('alpha'),
      beta: a.float('beta'),
    };
  }
  // FusedMatMul's transA/transB: the operand is stored with its last two axes swapped.
  const transA = op === 'FusedMatMul' && layer.attrs.int('transA') === 1;
  const transB = op === 'FusedMatMul' && layer.attrs.int('transB') === 1;
  const r = matmulShape(transA ? swapLastTwo(A.shape) : A.shape, transB ? swapLastTwo(B.shape) : B.shape);
  if (typeof r === 'string') return undefined;
  const { m, k, n, batch } = r;
  // FusedMatMul's bias (rank <= 2) is C with beta 1.
  const bias = op === 'FusedMatMul' ? layer.inputs[2] : undefined;
  return {
    m, n, k,
    aStrides: transA ? [1, m] : [k, 1],
    bStrides: transB ? [1, k] : [n, 1],
    batch,
    aBatch: broadcastStrides(A.shape.slice(0, -2), batch).map((s) => s * m * k),
    bBatch: broadcastStrides(B.shape.slice(0, -2), batch).map((s) => s * k * n),
    ...(bias ? { cStrides: broadcastStrides(bias.shape, [m, n]) as [number, number] } : {}),
    alpha: 1,
    beta: bias ? 1 : 0,
  };
}

const MAX_BATCH_DIMS = 4;

/** Workgroups that keep a large GPU busy (an H100 has 132 SMs); see conv.implicit_gemm's heuristic. */
const MIN_WORKGROUPS = 96;

/**
 * kernels/gemm/tiled.wgsl for Gemm and MatMul (identity epilogue) or FusedGemm and FusedMatMul
 * (their residual and activation, see ./epilogue.ts): one plan, two tactics.
 */
export function tiledTactic(id: string, ops: readonly string[]): Tactic {
  return {
    id,
    ops,
    kernel: 'gemm/tiled.wgsl',
    // wgm x wgn threads, each a tm x tn block (tm, tn <= 4), K slices of kt.
    space: [
      { wgm: 16, wgn: 16, tm: 4, tn: 4, kt: 16 },
      { wgm: 16, wgn: 16, tm: 2, tn: 2, kt: 16 },
      { wgm: 8, wgn: 16, tm: 4, tn: 4, kt: 8 },
      { wgm: 8, wgn: 8, tm: 1, tn: 1, kt: 8 },
    ],
    // Without timing: the default tiles unless they leave a large GPU idle (e.g. a classifier
    // head, M = 1): then the point giving the most workgroups.
    heuristic(layer) {
      const g = gemmGeometry(layer)!;
      const tiles = (q: TacticParams) => Math.ceil(g.m / (q['wgm']! * q['tm']!)) * Math.ceil(g.n / (q['wgn']! * q['tn']!)) * g.batch.reduce((a, d) => a * d, 1);
      if (tiles(this.space[0]!) >= MIN_WORKGROUPS) return this.space[0]!;
      return this.space.reduce((best, q) => (tiles(q) > tiles(best) ? q : best));
    },
    supports(layer) {
      const g = gemmGeometry(layer);
      const float = layer.inputs.every((t) => !t || t.dtype === 'f32');
      const batches = g ? g.batch.reduce((p, d) => p * d, 1) : 0;
      return !!g && float && g.batch.length <= MAX_BATCH_DIMS && batches <= 65535;
    },
    plan(layer, p) {
      const g = gemmGeometry(layer)!;
      const [wgm, wgn, tm, tn, kt] = [p['wgm'] ?? 16, p['wgn'] ?? 16, p['tm'] ?? 4, p['tn'] ?? 4, p['kt'] ?? 16];
      return [gemmPlan(layer, g, this.kernel, { WG_M: wgm, WG_N: wgn, TM: tm, TN: tn, KT: kt }, [Math.ceil(g.n / (wgn * tn)), Math.ceil(g.m / (wgm * tm))])];
    },
  };
}

/** The dispatch of a kernel that includes kernels/gemm/common.wgsl: its meta, bindings and epilogue; batches are the grid's z. */
function gemmPlan(layer: LayerInfo, g: GemmGeometry, kernel: string, constants: Record<string, number>, xy: [number, number]): KernelPlan {
  const e = epilogueOf(layer);
  const pad = MAX_BATCH_DIMS - g.batch.length;
  const left = <T>(v: readonly T[], fill: T) => [...new Array<T>(pad).fill(fill), ...v];
  const meta = new Meta()
    .u32(g.m, g.n, g.k, g.cStrides ? 1 : 0)
    .u32(...g.aStrides, ...g.bStrides, ...(g.cStrides ?? [0, 0]))
    .f32(g.alpha, g.beta)
    .u32(...left(g.batch, 1), ...left(g.aBatch, 0), ...left(g.bBatch, 0))
    .f32(...e.params);
  const bias: Binding = g.cStrides ? { input: 2 } : { input: 0 };
  return {
    kernel,
    constants: { ...constants, ...e.constants },
    meta: meta.done(),
    dispatch: [...xy, g.batch.reduce((q, d) => q * d, 1)],
    bindings: [{ input: 0 }, { input: 1 }, bias, e.residual, { output: 0 }],
  };
}

/** Rows kernels/gemm/gemv.wgsl takes (its MAX_ROWS). */
const GEMV_MAX_ROWS = 4;

/**
 * Gemm and MatMul (plain or fused) with at most GEMV_MAX_ROWS rows, e.g. a classifier head at
 * batch 1: kernels/gemm/gemv.wgsl, `tk` threads per output column adding up its K range. It comes
 * before the tiled tactics, which give such layers a few thin tiles (ResNet-50's 1 x 2048 x 1000
 * head took 0.17 ms with gemm.tiled on the H100).
 */
export const GEMM_GEMV: Tactic = {
  id: 'gemm.gemv',
  ops: ['Gemm', 'MatMul', 'FusedGemm', 'FusedMatMul'],
  kernel: 'gemm/gemv.wgsl',
  space: [{ tk: 64 }, { tk: 32 }, { tk: 128 }, { tk: 16 }, { tk: 8 }, { tk: 4 }],
  // Threads along k read consecutive memory when B's k stride is 1: many per column. Else they
  // read along n: few per column, so that a workgroup covers many consecutive columns.
  heuristic(layer) {
    return gemmGeometry(layer)!.bStrides[0] === 1 ? { tk: 64 } : { tk: 8 };
  },
  supports(layer) {
    const g = gemmGeometry(layer);
    const float = layer.inputs.every((t) => !t || t.dtype === 'f32');
    return !!g && float && g.m <= GEMV_MAX_ROWS && g.batch.length <= MAX_BATCH_DIMS && g.batch.reduce((p, d) => p * d, 1) <= 65535 && g.n <= 2 * 65535 // grid x: columns / NPW, NPW >= 2;
  },
  plan(layer, p) {
    const g = gemmGeometry(layer)!;
    const tk = p['tk'] ?? 64;
    const npw = 256 / tk;
    return [gemmPlan(layer, g, this.kernel, { NT: 256, TK: tk, ROWS: g.m, K_FAST: g.bStrides[0] === 1 ? 1 : 0 }, [Math.ceil(g.n / npw), 1])];
  },
};

/** The vec4 kernel's view of a GEMM layer, when it fits: rows of A (batches stacked), and C as a bias along N. */
function vec4Fit(layer: LayerInfo): { rows: number; g: GemmGeometry; bias: boolean } | undefined {
  const g = gemmGeometry(layer);
  if (!g || !layer.inputs.every((t) => !t || t.dtype === 'f32')) return undefined;
  const rowMajor = g.aStrides[0] === g.k && g.aStrides[1] === 1 && g.bStrides[0] === g.n && g.bStrides[1] === 1;
  // B shared by every batch; A's batches contiguous, so batches x M rows are one row-major matrix.
  const stacked = g.bBatch.every((s) => s === 0) && g.aBatch.every((s, i) => s === g.m * g.k * g.batch.slice(i + 1).reduce((p, d) => p * d, 1));
  const bias = g.cStrides !== undefined;
  const epilogueOk = g.alpha === 1 && (!bias || (g.beta === 1 && g.cStrides![0] === 0 && g.cStrides![1] === 1));
  if (!rowMajor || !stacked || !epilogueOk || g.k % 4 !== 0 || g.n % 4 !== 0) return undefined;
  return { rows: g.m * g.batch.reduce((p, d) => p * d, 1), g, bias };
}

/**
 * Row-major Gemm and MatMul (plain or fused) with K and N multiples of 4 on the vec4 implicit GEMM
 * (./implicit-gemm-vec4.ts): a GEMM is a 1x1 convolution over rows x K channel-last data, so it
 * gets that kernel's vec4 loads and stores, register tiles up to 8 x 8, split-K, and the epilogue
 * (C as a bias along N, the residual, the activation). Transposed operands and a general C stay
 * with gemm.tiled.
 */
export const GEMM_VEC4: Tactic = {
  id: 'gemm.vec4',
  ops: ['Gemm', 'MatMul', 'FusedGemm', 'FusedMatMul'],
  kernel: 'conv/implicit-gemm-nhwc.wgsl',
  space: [{ bp: 128, bm: 128, bk: 16, tp: 8, tv: 2 }, ...VEC4_SPACE],
  supports: (layer) => vec4Fit(layer) !== undefined,
  heuristic(layer) {
    const f = vec4Fit(layer)!;
    return vec4Heuristic(this.space, { m: f.g.n, n: f.rows, k: f.g.k });
  },
  plan(layer, p) {
    const f = vec4Fit(layer);
    if (!f) throw new UnsupportedError(`gemm.vec4 cannot run node '${layer.node.name}' (${layer.node.op}): it takes row-major f32 operands with K and N multiples of 4, alpha 1 and C a bias along N`);
    const g = { m: f.g.n, n: f.rows, k: f.g.k, c: f.g.k, inHW: [1, f.rows], outHW: [1, f.rows], kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0] };
    return vec4Plan(layer, p, g, { input: 1 }, f.bias ? { input: 2 } : undefined);
  },
};

/**
 * Row-major Gemm and MatMul (plain or fused; K and N multiples of 4, any C, alpha, beta and batch)
 * on kernels/gemm/blocked.wgsl: 128 x 128 tiles, 8 x 8 outputs per thread held in registers
 * (every loop bound a constant), vec4 loads. For large products.
 */
export const GEMM_BLOCKED: Tactic = {
  id: 'gemm.blocked',
  ops: ['Gemm', 'MatMul', 'FusedGemm', 'FusedMatMul'],
  kernel: 'gemm/blocked.wgsl',
  // One point: K slices of 16 and 32, double buffering and other tiles were all slower on the H100
  // (see kernels/gemm/blocked.wgsl).
  space: [{}],
  supports(layer) {
    const g = gemmGeometry(layer);
    if (!g || !layer.inputs.every((t) => !t || t.dtype === 'f32')) return false;
    const rowMajorA = g.aStrides[0] === g.k && g.aStrides[1] === 1;
    const rowMajorB = (g.bStrides[0] === g.n && g.bStrides[1] === 1) || packsB(layer, g);
    const batches = g.batch.reduce((p, d) => p * d, 1);
    return rowMajorA && rowMajorB && g.k % 4 === 0 && g.n % 4 === 0 && g.batch.length <= MAX_BATCH_DIMS && batches <= 65535;
  },
  plan(layer) {
    const g = gemmGeometry(layer)!;
    if (!packsB(layer, g)) return [gemmPlan(layer, g, this.kernel, {}, [Math.ceil(g.n / 128), Math.ceil(g.m / 128)])];
    const plan = gemmPlan(layer, { ...g, bStrides: [g.n, 1] }, this.kernel, {}, [Math.ceil(g.n / 128), Math.ceil(g.m / 128)]);
    return [{ ...plan, bindings: plan.bindings.map((b, i) => (i === 1 ? { input: 1, perm: [1, 0] } : b)) }];
  },
};

/**
 * B stored transposed (N x K: Gemm transB, a classifier's weight) but constant and 2-D: bound
 * row-major, transposed once when the weights are uploaded (Binding.perm).
 */
function packsB(layer: LayerInfo, g: GemmGeometry): boolean {
  const b = layer.inputs[1];
  return g.bStrides[0] === 1 && g.bStrides[1] === g.k && g.k > 1 && b?.shape.length === 2 && layer.ctx.constant(1) !== undefined;
}

export const GEMM_TILED = tiledTactic('gemm.tiled', ['Gemm', 'MatMul']);
export const GEMM_FUSED = tiledTactic('gemm.fused', ['FusedGemm', 'FusedMatMul']);

registerTactic(GEMM_GEMV, GEMM_VEC4, GEMM_BLOCKED, GEMM_TILED, GEMM_FUSED);
