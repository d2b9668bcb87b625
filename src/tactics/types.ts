import type { LayerInfo } from '../ir/layer.js';
import type { PackSpec } from './pack.js';

export type { LayerInfo };

/**
 * What a storage binding holds: input i or output i of the node, or scratch memory. `perm` and
 * `pack` (constant inputs only) bind the constant packed for the kernel, once, when the engine's
 * weights are uploaded (./pack.ts): `perm` reorders its axes as ONNX Transpose would, `pack` names
 * a transform of PACKS (e.g. 'winograd-4x4', the Winograd weight transform). `scratch` (bytes) is a
 * work buffer the layer's dispatches share (e.g. split-K partial sums), its contents undefined
 * when the layer starts.
 */
export type Binding = ({ readonly input: number } & PackSpec) | { readonly output: number } | { readonly scratch: number };

/**
 * One compute dispatch, fully described by data: which WGSL file, its `override` constants,
 * the run-time metadata (shapes, strides, scalars) that goes into the uniform at binding 0,
 * the workgroup grid, and the storage bindings 1..n in order.
 */
export interface KernelPlan {
  /** Path under kernels/, e.g. 'gemm/tiled.wgsl'. */
  readonly kernel: string;
  readonly constants: Readonly<Record<string, number>>;
  /** 32-bit words; write floats with `meta.f32(v)` (see src/tactics/meta.ts). */
  readonly meta: readonly number[];
  readonly dispatch: readonly [number, number, number];
  readonly bindings: readonly Binding[];
  /**
   * WGSL functions generated for this layer (e.g. a fused chain's `chain()`), appended to the
   * kernel file: the hooks it calls. Generated from the graph, deterministically, whenever the
   * plan is made, so engine files record only the kernel file's hash.
   */
  readonly hooks?: string;
}

export type TacticParams = Readonly<Record<string, number>>;

/**
 * A kernel variant for one or more ops. `space` lists the parameter points the autotuner may try
 * (the first is the default); `plan` turns a layer and a point into dispatches (usually one).
 */
export interface Tactic {
  readonly id: string;
  readonly ops: readonly string[];
  readonly kernel: string;
  readonly space: readonly TacticParams[];
  supports(layer: LayerInfo): boolean;
  plan(layer: LayerInfo, params: TacticParams): KernelPlan[];
  /** The point of `space` to use without timing (default: the first); the autotuner times them all. */
  heuristic?(layer: LayerInfo): TacticParams;
  /**
   * A view tactic runs no kernel: its tensors share memory (see src/engine/memory.ts).
   * 'inputs-into-output': each input is a slice of the output (ConcatView);
   * 'outputs-into-input': each output is a slice of the input (SplitView).
   */
  readonly alias?: 'inputs-into-output' | 'outputs-into-input';
  /**
   * True when `supports` checks the layer's memory layouts (layer.layouts, see src/ir/layout.ts)
   * and `plan` honours them; a tactic without it is offered only layers whose tensors are all
   * row-major.
   */
  readonly layouts?: boolean;
  /**
   * Device features the kernel needs (e.g. 'subgroups'). Such a tactic is timed only on an adapter
   * that has them, is never the untimed default, and an engine using it fails to run, with a
   * DeviceError naming it, on a device without them.
   */
  readonly features?: readonly string[];
  /**
   * The arithmetic when it is not fp32. 'fp16': activations stay f32 in memory, the weights are
   * packed to f16 at upload and products are taken in f16 with f32 sums (src/tactics/families/fp16.ts).
   * Builds use such a tactic only where the precision asked for allows it (src/tune/choose.ts:
   * `precision`, `layerPrecision`); an engine's report says which layers run in it. 'int8': integer
   * arithmetic (Int8Conv).
   */
  readonly precision?: 'fp16' | 'int8';
}
