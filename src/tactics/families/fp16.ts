/**
 * FP16 tactics: the heavy float ops computed in half precision where the adapter has `shader-f16`.
 * Activations stay f32 in memory (every other layer reads and writes them as before); the weights
 * are packed to f16 once, when they are uploaded (PACKS 'f16', ../pack.ts); an activation is rounded
 * to f16 as a kernel stages it; each product is taken in f16 and the sums are accumulated in f32, as
 * tensor cores do; the epilogue is f32. Each is the f32 kernel it names with other hooks (the kernel
 * bodies are shared through `// #include`), so the two differ only in arithmetic.
 *
 * A build uses them only where the precision asked for allows (`precision`, `layerPrecision` in
 * src/tune/choose.ts), and registers them after every f32 tactic, so no f32 default changes.
 */
import type { Binding, LayerInfo, Tactic, TacticParams } from '../types.js';
import { registerTactic } from '../registry.js';
import { CONV_IMPLICIT_GEMM, implicitGemmPlan, implicitGemmShape, residualLaidOutAsOutput } from './conv.js';
import { tiledTactic } from './gemm.js';

const F16_WEIGHT: Binding = { input: 1, pack: 'f16' };
const FEATURES = ['shader-f16'] as const;

/** Packed at upload: the weight must be a constant. */
const constantWeight = (layer: LayerInfo): boolean => layer.ctx.constant(1) !== undefined;

/**
 * Conv and FusedConv (1-D and 2-D, group 1, any layout, constant weight) on
 * kernels/conv/implicit-gemm-f16.wgsl: conv.implicit_gemm's tiles, plan and heuristic. Unlike the
 * f32 tactic it claims small convs too (K or batch x pixels < 16), so that an fp16 request covers
 * every conv it can run.
 */
export const CONV_IMPLICIT_GEMM_F16: Tactic = {
  id: 'conv.implicit_gemm_f16',
  ops: ['Conv', 'FusedConv'],
  kernel: 'conv/implicit-gemm-f16.wgsl',
  layouts: true,
  features: FEATURES,
  precision: 'fp16',
  space: CONV_IMPLICIT_GEMM.space,
  supports: (layer) => implicitGemmShape(layer) !== undefined && residualLaidOutAsOutput(layer) && constantWeight(layer),
  heuristic: (layer) => CONV_IMPLICIT_GEMM.heuristic!(layer),
  plan(layer, p) {
    return implicitGemmPlan(layer, p, { id: this.id, kernel: this.kernel, weight: F16_WEIGHT });
  },
};

const tiled = tiledTactic('gemm.tiled_f16', ['Gemm', 'MatMul', 'FusedGemm', 'FusedMatMul']);

/**
 * Gemm, MatMul, FusedGemm and FusedMatMul with a constant B (a layer's weights) on
 * kernels/gemm/tiled-f16.wgsl: gemm.tiled's tiles, strides (transposes, broadcast batches),
 * epilogue and heuristic. Products of two activations (attention) stay f32.
 */
export const GEMM_TILED_F16: Tactic = {
  ...tiled,
  kernel: 'gemm/tiled-f16.wgsl',
  features: FEATURES,
  precision: 'fp16',
  supports: (layer) => tiled.supports(layer) && constantWeight(layer),
  plan(layer, p: TacticParams) {
    return tiled.plan.call(this, layer, p).map((k) => ({ ...k, bindings: k.bindings.map((b, i) => (i === 1 ? F16_WEIGHT : b)) }));
  },
};

registerTactic(CONV_IMPLICIT_GEMM_F16, GEMM_TILED_F16);
