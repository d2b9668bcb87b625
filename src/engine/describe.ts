import { isPacked, layoutOf, type Layout } from '../ir/layout.js';
import { shapeToString } from '../ir/tensor.js';
import type { Engine } from './engine.js';

/** What `wgrt inspect` prints, as data: one record per layer plus the memory plan. */
export interface EngineDescription {
  readonly name: string;
  readonly inputs: { name: string; dtype: string; shape: number[] }[];
  readonly outputs: { name: string; dtype: string; shape: number[] }[];
  readonly layers: {
    name: string;
    op: string;
    origin: string[];
    tactic: string;
    /** 'fp16' or 'int8' for a layer on such a tactic (Tactic.precision), else its output's dtype. */
    precision: string;
    /** The memory layout of its output (src/ir/layout.ts); layouts apply to 4-D tensors, others are row-major. */
    layout: Layout | 'row-major';
    /** The output is int8 channel-last, stored 4 channels to a 32-bit word (src/ir/layout.ts). */
    packed: boolean;
    inputs: string[];
    output: string;
    slot: number[];
  }[];
  /** Distinct source (ONNX/DSL) nodes the layers stand for: the layer count at level 0. */
  readonly sourceNodes: number;
  /**
   * Layers that only convert between memory layouts. choose-layout stores a tensor channel-last
   * only where its producer and every reader agree, so none is inserted; the count says so.
   */
  readonly reformats: number;
  /**
   * Layers that only convert between precisions: the QuantizeLinear and DequantizeLinear left where
   * an INT8 region meets a float one (fuse-int8-conv folds those between two int8 layers), by op.
   * TensorRT counts these as reformats; each costs a pass over the tensor.
   */
  readonly precisionReformats: { readonly quantize: number; readonly dequantize: number; readonly layers: readonly string[] };
  /** Layers that asked for fp16 (or 'best') and run fp32, each with the reason (Engine.precisionFallbacks). */
  readonly precisionFallbacks: readonly string[];
  /** Activation slots and their bytes (planned vs one buffer per tensor), and the one scratch buffer of a context (split-K partial sums, Winograd tiles). */
  readonly memory: { slots: number; peakBytes: number; unplannedBytes: number; scratchBytes: number };
  readonly weightsBytes: number;
  readonly kernels: Record<string, string>;
  readonly adapter: string | null;
}

export function describeEngine(e: Engine): EngineDescription {
  const g = e.graph;
  const io = (name: string) => ({ name, dtype: g.type(name).dtype, shape: [...g.type(name).shape] });
  let weightsBytes = 0;
  for (const t of g.initializers.values()) weightsBytes += t.data.byteLength;
  return {
    name: g.name,
    inputs: g.inputs.filter((i) => !g.initializers.has(i.name)).map((i) => io(i.name)),
    outputs: g.outputs.map(io),
    sourceNodes: e.sourceNodes,
    reformats: e.layers.filter((l) => l.op === 'Reformat').length,
    precisionReformats: {
      quantize: e.layers.filter((l) => l.op === 'QuantizeLinear').length,
      dequantize: e.layers.filter((l) => l.op === 'DequantizeLinear').length,
      layers: e.layers.filter((l) => l.op === 'QuantizeLinear' || l.op === 'DequantizeLinear').map((l) => l.name),
    },
    precisionFallbacks: e.precisionFallbacks.map((f) => f.message),
    layers: e.layers.map((l) => ({
      name: l.name,
      op: l.op,
      origin: [...l.origin],
      tactic: l.tactic,
      precision: l.precision.runs !== 'fp32' ? l.precision.runs : g.type(l.outputs[0]!).dtype,
      layout: g.type(l.outputs[0]!).shape.length === 4 ? layoutOf(g, l.outputs[0]!) : 'row-major',
      packed: isPacked(g.type(l.outputs[0]!), layoutOf(g, l.outputs[0]!)),
      inputs: l.inputs.filter((t) => t && !g.initializers.has(t)).map((t) => shapeToString(g.type(t).shape)),
      output: l.outputs.filter((o) => o).map((o) => shapeToString(g.type(o).shape)).join(' '),
      slot: l.outputs.filter((o) => o).map((o) => e.memory.assign[o] ?? -1),
    })),
    memory: { slots: e.memory.slots.length, peakBytes: e.memory.peakBytes, unplannedBytes: e.memory.unplannedBytes, scratchBytes: e.scratchBytes },
    weightsBytes,
    kernels: e.kernels,
    adapter: e.adapter ? `${e.adapter.vendor} ${e.adapter.architecture} ${e.adapter.description}`.trim() : null,
  };
}
