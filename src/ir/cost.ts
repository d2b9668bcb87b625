/**
 * What a layer costs, independent of the tactic that runs it: arithmetic (FLOPs, a multiply-add
 * counted as two) and the bytes of its inputs and outputs in their layouts, each read or written once. The
 * roofline places a layer by their ratio (arithmetic intensity); the autotuner uses FLOPs to judge
 * whether the CPU reference can afford to check a candidate.
 */
import type { LayerInfo } from './layer.js';
import { physicalType, type Layout } from './layout.js';
import { gpuBytes, sizeOf, type TensorType } from './tensor.js';

export interface LayerCost {
  readonly flops: number;
  readonly bytes: number;
}

const MATRIX_OPS: ReadonlySet<string> = new Set(['Conv', 'FusedConv', 'Int8Conv', 'Gemm', 'FusedGemm', 'MatMul', 'FusedMatMul']);

/** Convolutions and matrix products: the layers whose time the GEMM/conv kernels take. */
export const isMatrixOp = (op: string): boolean => MATRIX_OPS.has(op) || op === 'ConvTranspose';
const product = (v: readonly number[]): number => v.reduce((a, b) => a * b, 1);

/** Gemm's and FusedMatMul's transA (MatMul has none). */
const transA = (layer: LayerInfo): boolean => Number(layer.node.attrs['transA'] ?? 0) === 1;

/** Length of the reduction behind each output element of a matrix product or convolution (1 for other ops). */
function reduction(layer: LayerInfo): number {
  const [x, w] = layer.inputs;
  if (!x || !w) return 1;
  switch (layer.node.op) {
    case 'Conv':
    case 'FusedConv':
    case 'Int8Conv':
      return w.shape.length >= 3 ? product(w.shape.slice(1)) : 1; // C / group x kernel
    case 'Gemm':
    case 'FusedGemm':
      return x.shape[transA(layer) ? 0 : 1] ?? 1;
    case 'MatMul':
    case 'FusedMatMul':
      return x.shape.length === 1 ? x.shape[0]! : x.shape[x.shape.length - (transA(layer) ? 2 : 1)]!;
    default:
      return 1;
  }
}

export function layerCost(layer: LayerInfo): LayerCost {
  // Each tensor in its layout (an 8-bit channel-last one packed 4 to a word, ./layout.ts).
  const sized = (ts: readonly (TensorType | undefined)[], ls: readonly Layout[]) => ts.map((t, i) => (t ? gpuBytes(physicalType(t, ls[i] ?? 'nchw')) : 0));
  const bytes = [...sized(layer.inputs, layer.layouts.inputs), ...sized(layer.outputs, layer.layouts.outputs)].reduce((a, b) => a + b, 0);
  const out = layer.outputs[0];
  const outElems = out ? sizeOf(out.shape) : 0;
  const [x, w] = layer.inputs;
  let flops = outElems; // elementwise ops and data movement: one operation per output element
  if (layer.node.op === 'ConvTranspose' && x && w) flops = 2 * sizeOf(x.shape) * product(w.shape.slice(1)); // each input element through C_out / group x kernel weights
  else if (MATRIX_OPS.has(layer.node.op)) flops = 2 * reduction(layer) * outElems;
  else if (layer.node.op === 'PointwiseChain') flops = outElems * Math.max(1, (layer.node.attrs['program'] as readonly string[] | undefined)?.length ?? 1); // one per fused op
  return { flops, bytes };
}
