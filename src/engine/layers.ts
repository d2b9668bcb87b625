import type { Graph } from '../ir/graph.js';
import { layerInfo } from '../ir/layer.js';
import { toposort } from '../ir/graph.js';
import type { TacticParams } from '../tactics/types.js';
import { checkChoiceKeys, chooseTactic, precisionChoice, type PrecisionChoice, type TacticChoiceOptions } from '../tune/choose.js';

/**
 * A layer's precision: what the build asked for it (TacticChoiceOptions.precision,
 * layerPrecision), what its tactic computes in, and why that is fp32 when more was asked for.
 */
export interface LayerPrecision extends PrecisionChoice {
  readonly runs: 'fp32' | 'fp16' | 'int8';
}

/** One engine layer: one node run by one tactic (one kernel; fusion makes nodes larger). */
export interface EngineLayer {
  readonly name: string;
  readonly op: string;
  /** Source nodes this layer stands for. */
  readonly origin: readonly string[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly tactic: string;
  readonly params: TacticParams;
  readonly precision: LayerPrecision;
}

/** Lowers a typed graph to layers in execution order, a tactic chosen for each. */
export function lower(g: Graph, opts: TacticChoiceOptions = {}): EngineLayer[] {
  checkChoiceKeys(g, opts);
  return toposort(g).map((n) => {
    const layer = layerInfo(g, n);
    const choice = chooseTactic(layer, opts);
    return {
      name: n.name,
      op: n.op,
      origin: n.origin,
      inputs: n.inputs,
      outputs: n.outputs,
      tactic: choice.tactic.id,
      params: choice.params,
      precision: { ...precisionChoice(layer, choice.tactic, opts), runs: choice.tactic.precision ?? 'fp32' },
    };
  });
}
