/**
 * Explicit quantization: a float graph plus activation thresholds becomes a graph with
 * QuantizeLinear/DequantizeLinear pairs, the form TensorRT and onnxruntime call QDQ.
 * - Activations: symmetric int8 per tensor, scale = amax / 127. Each input of a quantizable
 *   layer (Conv, Gemm, MatMul) that is not a constant gets Q then DQ; one pair per tensor, shared
 *   by all its readers.
 * - Weights: symmetric int8 per output channel, stored as an int8 initializer read by a
 *   DequantizeLinear along that channel axis. Biases stay float (an int8 kernel adds them in
 *   its float epilogue).
 * The result runs anywhere a float graph runs (the Q/DQ layers compute exactly what int8
 * kernels would see), exports as a QDQ ONNX model, and is what INT8 kernels are matched against.
 */
import { GraphError } from '../errors.js';
import { Graph, node, type Node } from '../ir/graph.js';
import { inferTypes } from '../ir/infer.js';
import { tensor, toFloat64, type Tensor } from '../ir/tensor.js';
import { quantizeValue } from '../reference/quantize.js';
import { weightAxis } from './calibrate.js';
import { INT8_MAX, scaleOf } from './calibrators.js';
import { weightAmax } from './table.js';

export interface QdqOptions {
  /** Activation amax by tensor name (from calibration); a quantizable input without one stays float. */
  readonly amax: (tensor: string) => number | undefined;
  /** Nodes kept in float (by name): mixed precision. */
  readonly keepFloat?: ReadonlySet<string>;
}

/** The ops whose inputs are quantized (weights along calibrate.ts's weightAxis). */
const QUANTIZABLE = new Set(['Conv', 'Gemm', 'MatMul']);

/** Which layers of `g` take int8 inputs: the quantizable nodes, not kept in float. */
export function quantizableNodes(g: Graph, keepFloat: ReadonlySet<string> = new Set()): Node[] {
  return g.nodes.filter((n) => QUANTIZABLE.has(n.op) && !keepFloat.has(n.name));
}

/** The scale of a threshold; a zero range gets scale 1 (every value is 0 anyway), never a division by 0. */
function qdqScale(amax: number): number {
  return amax > 0 ? scaleOf(amax) : 1;
}

/** `g` with Q/DQ inserted before the quantizable layers' inputs (see the file comment). */
export function insertQdq(g: Graph, opts: QdqOptions): Graph {
  const initializers = new Map(g.initializers);
  const added: Node[] = [];
  const replaced = new Map<string, string>(); // tensor -> its dequantized twin
  const taken = new Set([...g.nodes.flatMap((n) => [n.name, ...n.outputs]), ...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const constant = (base: string, t: Tensor) => {
    const name = fresh(base);
    initializers.set(name, t);
    return name;
  };

  const activation = (t: string): string => {
    const done = replaced.get(t);
    if (done) return done;
    const amax = opts.amax(t);
    if (amax === undefined) return t;
    if (!(amax >= 0) || !Number.isFinite(amax)) throw new GraphError(`tensor '${t}': amax ${amax} is not a finite threshold ≥ 0; recalibrate`);
    const scale = constant(`${t}_scale`, tensor('f32', [], [qdqScale(amax)]));
    const zp = constant(`${t}_zero_point`, tensor('i8', [], [0]));
    const q = fresh(`${t}_quantized`);
    const dq = fresh(`${t}_dequantized`);
    added.push(node({ name: fresh(`${t}_QuantizeLinear`), op: 'QuantizeLinear', inputs: [t, scale, zp], outputs: [q] }));
    added.push(node({ name: fresh(`${t}_DequantizeLinear`), op: 'DequantizeLinear', inputs: [q, scale, zp], outputs: [dq] }));
    replaced.set(t, dq);
    return dq;
  };

  const weight = (w: string, axis: number): string => {
    const key = `${w}@${axis}`;
    const done = replaced.get(key);
    if (done) return done;
    const t = g.initializers.get(w)!;
    const scales = weightAmax(t, axis).map((a) => Math.fround(qdqScale(a))); // the f32 scales DequantizeLinear reads
    const v = toFloat64(t);
    const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const q = new Int8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const s = scales[Math.floor(i / inner) % t.shape[axis]!]!;
      q[i] = quantizeValue(v[i]!, s, 0, [-INT8_MAX, INT8_MAX]); // as QuantizeLinear rounds, clipped symmetric
    }
    const qName = constant(`${w}_quantized`, tensor('i8', t.shape, q));
    const scale = constant(`${w}_scale`, tensor('f32', [scales.length], scales));
    const zp = constant(`${w}_zero_point`, tensor('i8', [scales.length], new Int8Array(scales.length)));
    const dq = fresh(`${w}_dequantized`);
    added.push(node({ name: fresh(`${w}_DequantizeLinear`), op: 'DequantizeLinear', inputs: [qName, scale, zp], outputs: [dq], attrs: { axis } }));
    replaced.set(key, dq);
    return dq;
  };

  const nodes = g.nodes.map((n) => {
    if (!QUANTIZABLE.has(n.op) || opts.keepFloat?.has(n.name)) return n;
    const inputs = n.inputs.map((t, i) => {
      if (!t || i > 1) return t; // biases stay float
      const w = g.initializers.get(t);
      if (!w) return activation(t);
      const axis = i === 1 ? weightAxis(n, w.shape.length) : undefined;
      return axis === undefined ? t : weight(t, axis); // a constant second operand is a weight
    });
    return node({ ...n, inputs });
  });
  return inferTypes(g.with({ nodes: [...added, ...nodes], initializers, types: new Map() }));
}
