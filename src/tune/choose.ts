import { UnsupportedError } from '../errors.js';
import type { LayerInfo } from '../ir/layer.js';
import { candidates, defaultTactic, tacticById } from '../tactics/registry.js';
import type { Tactic, TacticParams } from '../tactics/types.js';

export interface TacticChoiceOptions {
  /** Pin tactics: layer name or op -> tactic id. */
  readonly force?: Readonly<Record<string, string>>;
  /** Tactic and parameters per layer name, decided already (by the autotuner, or read from an engine file). */
  readonly chosen?: ReadonlyMap<string, { readonly tactic: string; readonly params: TacticParams }>;
}

export interface TacticChoice {
  readonly tactic: Tactic;
  readonly params: TacticParams;
}

/**
 * The tactic for a layer: one chosen already (opts.chosen), a forced one, else the first
 * supported in preference order with its heuristic parameters. (Timing is the autotuner's, ./autotune.ts.)
 */
export function chooseTactic(layer: LayerInfo, opts: TacticChoiceOptions = {}): TacticChoice {
  const picked = opts.chosen?.get(layer.node.name);
  if (picked) {
    const t = tacticById(picked.tactic);
    if (!t || !candidates(layer).includes(t)) {
      throw new UnsupportedError(`tactic '${picked.tactic}' chosen for layer '${layer.node.name}' (${layer.node.op}) ${t ? 'does not support it' : 'does not exist'}; candidates: ${candidates(layer).map((c) => c.id).join(', ')}`);
    }
    return { tactic: t, params: picked.params };
  }
  const forced = opts.force?.[layer.node.name] ?? opts.force?.[layer.node.op];
  if (forced) {
    const t = tacticById(forced);
    if (!t) throw new UnsupportedError(`forced tactic '${forced}' for layer '${layer.node.name}' does not exist`);
    if (!candidates(layer).includes(t)) {
      throw new UnsupportedError(`forced tactic '${forced}' does not support layer '${layer.node.name}' (${layer.node.op}); candidates: ${candidates(layer).map((c) => c.id).join(', ')}`);
    }
    return { tactic: t, params: t.space[0] ?? {} };
  }
  const t = defaultTactic(layer);
  return { tactic: t, params: t.heuristic?.(layer) ?? t.space[0] ?? {} };
}
