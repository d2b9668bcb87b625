/**
 * INT8 as a build precision, as TensorRT's builder takes it (the INT8 flag and a calibrator): the
 * network's Conv, Gemm and MatMul layers that ask for int8 (BuildOptions.precision 'int8' or
 * 'best', or a layerPrecision entry 'int8') get Q/DQ from the calibration table (insertQdq), and
 * fuse-int8-conv then turns each into an Int8Conv. Every other layer keeps its float precision:
 * fp32 under 'int8', the fastest of fp32 and fp16 under 'best'.
 */
import { CalibrationError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { inferTypes } from '../ir/infer.js';
import { verify } from '../ir/verify.js';
import { insertQdq, quantizableNodes } from '../quant/qdq.js';
import type { QuantTable } from '../quant/table.js';
import { checkKeys, entryFor, type Precision, type TacticChoiceOptions } from '../tune/choose.js';

/** A build's precision: a tactic precision (src/tune/choose.ts) or 'int8'. */
export type BuildPrecision = Precision | 'int8';
export type BuildLayerPrecision = 'fp32' | 'fp16' | 'int8';

export interface Int8Options {
  /** Every layer's precision but those in `layerPrecision` (default 'fp32'). */
  readonly precision?: BuildPrecision;
  /** Per layer, keyed as `force` is (name, op or `*`/`?` pattern); int8 entries name source Conv/Gemm/MatMul nodes. */
  readonly layerPrecision?: Readonly<Record<string, BuildLayerPrecision>>;
  /** Activation thresholds (calibrate(), or QuantTable.load); needed where a layer asks for int8. */
  readonly calibration?: QuantTable;
}

/**
 * The network with Q/DQ where int8 is asked for, and the float precision options for the tactic
 * choice (int8 entries removed: they have done their work). Explicit 'int8' without a table, or
 * with a table lacking a layer's input, is an error naming what to do; under 'best' such layers
 * stay float.
 */
export function applyInt8(network: Graph, opts: Int8Options): { graph: Graph; choice: Pick<TacticChoiceOptions, 'precision' | 'layerPrecision'> } {
  const entries = Object.entries(opts.layerPrecision ?? {});
  const float = Object.fromEntries(entries.filter(([, p]) => p !== 'int8')) as Record<string, 'fp32' | 'fp16'>;
  const precision = opts.precision === 'int8' ? 'fp32' : opts.precision;
  const choice: Pick<TacticChoiceOptions, 'precision' | 'layerPrecision'> = {
    ...(precision !== undefined ? { precision } : {}),
    ...(entries.length ? { layerPrecision: float } : {}),
  };
  const wants = opts.precision === 'int8' || opts.precision === 'best' || entries.some(([, p]) => p === 'int8');
  if (!wants) return { graph: network, choice };
  const g = verify(inferTypes(network));
  const int8Keys = Object.fromEntries(entries.filter(([, p]) => p === 'int8'));
  checkKeys(g, int8Keys, "layerPrecision 'int8'", 'int8 entries name the network\'s own Conv, Gemm and MatMul nodes, before optimization');
  const t = opts.calibration;
  if (!t && opts.precision !== 'best') {
    throw new CalibrationError(`precision int8 needs a calibration table: calibration: await calibrate(network, batches) (src/quant/calibrate.ts), or QuantTable.load('table.json')`);
  }
  if (!t) return { graph: network, choice };
  const asked = (name: string, op: string) => entryFor(name, op, opts.layerPrecision)?.[1] ?? opts.precision ?? 'fp32';
  const keepFloat = new Set<string>();
  const missing: string[] = [];
  for (const n of quantizableNodes(g)) {
    const p = asked(n.name, n.op);
    const x = n.inputs[0]!;
    const ranged = g.initializers.has(x) || t.amax(x) !== undefined;
    if ((p !== 'int8' && p !== 'best') || !ranged) keepFloat.add(n.name);
    if (p === 'int8' && !ranged) missing.push(`${n.name} (input '${x}')`);
  }
  if (missing.length) {
    throw new CalibrationError(`the calibration table has no threshold for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? `, and ${missing.length - 3} more` : ''}; calibrate this network (tensor names must match), or keep those layers in fp32 with layerPrecision`);
  }
  return { graph: insertQdq(g, { amax: (x) => t.amax(x), keepFloat }), choice };
}
