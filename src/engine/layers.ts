import type { Graph } from '../ir/graph.js';
import { layerInfo } from '../ir/layer.js';
import { toposort } from '../ir/graph.js';
import type { TacticParams } from '../tactics/types.js';
import { checkForceKeys, chooseTactic, type TacticChoiceOptions } from '../tune/choose.js';

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
}

/** Lowers a typed graph to layers in execution order, a tactic chosen for each. */
export function lower(g: Graph, opts: TacticChoiceOptions = {}): EngineLayer[] {
  checkForceKeys(g, opts.force);
  return toposort(g).map((n) => {
    const choice = chooseTactic(layerInfo(g, n), opts);
    return {
      name: n.name,
      op: n.op,
      origin: n.origin,
      inputs: n.inputs,
      outputs: n.outputs,
      tactic: choice.tactic.id,
      params: choice.params,
    };
  });
}
