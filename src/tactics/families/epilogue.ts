/**
 * What the `epilogue()` hook of kernels/conv/direct.wgsl and kernels/gemm/tiled.wgsl does after
 * the sum, as data: override constants choose its parts (HAS_RESIDUAL, ACT) and the activation's
 * parameters travel in the meta. A plain Conv, Gemm or MatMul layer gets the identity epilogue;
 * FusedConv, FusedGemm and FusedMatMul layers theirs (residual: input 3; `activation`,
 * `activation_params`). The bias stays each kernel's own (a per-channel vector, a broadcast C).
 */
import { UnsupportedError } from '../../errors.js';
import { FUSED_BASE } from '../../ir/ops/index.js';
import type { Binding, LayerInfo } from '../types.js';
import { UNARY_CODES } from './unary.js';

export interface Epilogue {
  readonly constants: { readonly HAS_RESIDUAL: number; readonly ACT: number };
  /** The activation's alpha and beta (see kernels/common/unary.wgsl), for the meta. */
  readonly params: readonly [number, number];
  /** What fills the residual binding: the residual, or (unread) input 0. */
  readonly residual: Binding;
}

export function epilogueOf(layer: LayerInfo): Epilogue {
  const identity = UNARY_CODES['Identity']!;
  if (!FUSED_BASE[layer.node.op]) return { constants: { HAS_RESIDUAL: 0, ACT: identity }, params: [0, 0], residual: { input: 0 } };
  const act = layer.attrs.string('activation');
  const code = act === '' ? identity : UNARY_CODES[act];
  if (code === undefined) throw new UnsupportedError(`node '${layer.node.name}' (${layer.node.op}): no kernel code for activation '${act}'`);
  const p = layer.attrs.floats('activation_params');
  const hasResidual = layer.inputs[3] !== undefined;
  return {
    constants: { HAS_RESIDUAL: hasResidual ? 1 : 0, ACT: code },
    params: [p[0] ?? 0, p[1] ?? 0],
    residual: { input: hasResidual ? 3 : 0 },
  };
}
