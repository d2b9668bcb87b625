/**
 * Per-layer comparison (Polygraphy's `--mark all`): every engine layer's output against the
 * reference executor's value of the same tensor, in execution order. Engines are compared at
 * their own layer boundaries (after fusion), so looking does not change what runs; the context
 * reads the tensors back through ContextOptions.observe.
 *
 * Int8 tensors are compared dequantized, `(q - zero point) * scale`, against the float tensor
 * they quantize. insertQdq and fuse-int8-conv name that tensor: the int8 form of `T` is
 * `T_quantized` (`T_quantized_1`, ... when taken), and its scale comes from the layer that makes
 * it: a QuantizeLinear's scale input, an Int8Conv's y_scale, or, through MaxPool and reshapes
 * (which move ints unchanged), the scale of their input. That scale is `S_scale` for the tensor
 * `S` calibrated (after a QuantizeLinear moved up through a MaxPool, S is the pool's output).
 * An int8 tensor off tolerance that still matches the reference rounded to its own int8 grid is
 * wrong because of that grid: the suspects are then the layers whose int8 input it is (their
 * calibration sets the scale), not the layer that wrote it.
 */
import type { Engine } from '../engine/engine.js';
import type { Graph } from '../ir/graph.js';
import { sizeOf, tensor, toFloat64, type Tensor } from '../ir/tensor.js';
import { quantizeValue } from '../reference/quantize.js';
import { compareOutputs, type OutputComparison, type Tolerance } from './compare.js';

/** Ops that pass int8 values through unchanged, so their output has their input's scale. */
const SAME_SCALE = new Set(['MaxPool', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

export interface LayerComparison {
  readonly layer: string;
  readonly op: string;
  /** The engine's tensor. */
  readonly tensor: string;
  /** The reference graph's tensor it was compared with. */
  readonly reference?: string;
  readonly dtype: string;
  /** For int8 tensors: the scale it was dequantized with. */
  readonly scale?: number;
  /** For int8 tensors: the source layers whose int8 input this is (their calibration sets the scale). */
  readonly quantizedFor?: readonly string[];
  /** For int8 tensors: whether they pass against the reference rounded to their own int8 grid (then a failure is the scale's). */
  readonly onGrid?: boolean;
  readonly comparison?: OutputComparison;
  /** Why it was not compared. */
  readonly skipped?: string;
}

export interface LayerReport {
  readonly layers: readonly LayerComparison[];
  /** The first compared layer (in execution order) outside the tolerance. */
  readonly first?: LayerComparison;
  /**
   * The source layers to suspect for `first`: those whose int8 input it is when it fails only
   * through its int8 scale (onGrid), else the source nodes of the engine layer that wrote it.
   */
  readonly suspects: readonly string[];
}

interface Int8Scale {
  readonly scale: number;
  readonly zeroPoint: number;
  /** The scale tensor's name. */
  readonly from: string;
}

const scalarOf = (g: Graph, t: string | undefined): number | undefined => {
  const c = t ? g.initializers.get(t) : undefined;
  return c && sizeOf(c.shape) === 1 ? Number(toFloat64(c)[0]) : undefined;
};

/** The per-tensor scale and zero point of an int8 tensor of the engine graph, or why there is none. */
export function int8Scale(g: Graph, t: string): Int8Scale | string {
  const p = g.producer(t);
  if (!p) return 'an int8 input of the engine has no known scale';
  if (SAME_SCALE.has(p.op)) return int8Scale(g, p.inputs[0]!);
  const [s, zp] = p.op === 'QuantizeLinear' ? [p.inputs[1], scalarOf(g, p.inputs[2]) ?? 0] : p.op === 'Int8Conv' ? [p.inputs[5], Number(p.attrs['y_zero_point'] ?? 0)] : [undefined, 0];
  const scale = scalarOf(g, s);
  if (scale === undefined) return `int8 output of ${p.op} '${p.name}' without a per-tensor scale`;
  return { scale, zeroPoint: zp, from: s! };
}

/** The tensor of the reference graph an engine tensor stands for (see the file comment), if any. */
function referenceName(engine: Graph, reference: Graph, t: string): string | undefined {
  const has = (x: string) => reference.inputs.some((i) => i.name === x) || reference.nodes.some((n) => n.outputs.includes(x));
  if (has(t)) return t;
  const base = engine.type(t).dtype === 'i8' ? t.replace(/_quantized(_\d+)?$/, '') : t;
  return base !== t && has(base) ? base : undefined;
}

/** The tensors of `engine` to observe for a per-layer comparison with `reference`: the layer outputs that can be compared. */
export function observable(engine: Engine, reference: Graph): string[] {
  const g = engine.graph;
  const comparable = (t: string) => referenceName(g, reference, t) !== undefined && (g.type(t).dtype !== 'i8' || typeof int8Scale(g, t) !== 'string');
  return engine.layers.flatMap((l) => l.outputs.filter((t) => t && !g.initializers.has(t) && comparable(t)));
}

/**
 * Compares every layer output of `engine` (values in `actual`: its outputs and the observed
 * tensors) with the reference's (`expected`: runReference(reference, feeds, { keep: 'all' })).
 */
export function compareLayers(engine: Engine, reference: Graph, actual: Readonly<Record<string, Tensor>>, expected: Readonly<Record<string, Tensor>>, tol: Tolerance = {}): LayerReport {
  const g = engine.graph;
  const layers = engine.layers.flatMap((l) => l.outputs.filter(Boolean).map((t): LayerComparison => {
    const base = { layer: l.name, op: l.op, tensor: t, dtype: g.type(t).dtype };
    const ref = referenceName(g, reference, t);
    if (ref === undefined) return { ...base, skipped: 'not in the reference graph (made by an optimization pass)' };
    const e = expected[ref];
    const a = actual[t];
    if (!e || !a) return { ...base, reference: ref, skipped: `not computed by the ${e ? 'engine run' : 'reference run'}` };
    if (g.type(t).dtype !== 'i8') return { ...base, reference: ref, comparison: compareOutputs({ [ref]: a }, { [ref]: e }, tol).outputs[0]! };
    const q = int8Scale(g, t);
    if (typeof q === 'string') return { ...base, reference: ref, skipped: q };
    const dequantized = tensor('f32', a.shape, toFloat64(a).map((v) => (v - q.zeroPoint) * q.scale));
    const grid = tensor('f32', e.shape, toFloat64(e).map((v) => (quantizeValue(v, q.scale, q.zeroPoint, [-128, 127]) - q.zeroPoint) * q.scale));
    const calibrated = q.from.replace(/_scale(_\d+)?$/, '');
    const quantizedFor = reference.nodes.filter((n) => n.inputs.includes(calibrated) && ['Conv', 'Gemm', 'MatMul'].includes(n.op)).map((n) => n.name);
    const comparison = compareOutputs({ [ref]: dequantized }, { [ref]: e }, tol).outputs[0]!;
    const onGrid = compareOutputs({ [ref]: dequantized }, { [ref]: grid }, tol).pass;
    return { ...base, reference: ref, scale: q.scale, quantizedFor, onGrid, comparison };
  }));
  const first = layers.find((c) => c.comparison && !c.comparison.pass);
  const origin = (name: string) => engine.layers.find((l) => l.name === name)?.origin ?? [name];
  const suspects = !first ? [] : first.onGrid && first.quantizedFor?.length ? first.quantizedFor : origin(first.layer).filter((n) => reference.nodes.some((r) => r.name === n));
  return { layers, ...(first ? { first } : {}), suspects };
}
