import { UnsupportedError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { LayerInfo } from '../ir/layer.js';
import { candidates, defaultTactic, tacticById } from '../tactics/registry.js';
import type { Tactic, TacticParams } from '../tactics/types.js';

/**
 * TensorRT's algorithm selector: shown each layer and the tactics that support it, it returns a
 * tactic id to pin the layer to, a list of ids to choose among (the autotuner times only those;
 * an untimed build takes the first), or undefined to leave the layer alone.
 */
export type TacticSelector = (layer: LayerInfo, candidates: readonly Tactic[]) => string | readonly string[] | undefined;

export interface TacticChoiceOptions {
  /**
   * Pin tactics: key -> tactic id, where a key is a layer name, an op, or a pattern over layer
   * names with `*` (any run of characters) and `?` (one character). A layer takes its name's
   * entry, else its op's, else the first pattern that matches it. Every key must match a layer.
   */
  readonly force?: Readonly<Record<string, string>>;
  /** Asked for every layer not pinned by `force`. */
  readonly select?: TacticSelector;
  /** Tactic and parameters per layer name, decided already (by the autotuner, or read from an engine file). */
  readonly chosen?: ReadonlyMap<string, { readonly tactic: string; readonly params: TacticParams }>;
}

export interface TacticChoice {
  readonly tactic: Tactic;
  readonly params: TacticParams;
}

const isPattern = (key: string): boolean => /[*?]/.test(key);

function patternRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** The `force` entry that applies to a layer: [key, tactic id], or undefined. */
function forceEntry(name: string, op: string, force: Readonly<Record<string, string>> | undefined): [string, string] | undefined {
  if (!force) return undefined;
  for (const key of [name, op]) if (Object.hasOwn(force, key)) return [key, force[key]!];
  return Object.entries(force).find(([key]) => isPattern(key) && patternRegExp(key).test(name));
}

/** Fails on a `force` key that matches no layer of `g` (a misspelt name would otherwise be ignored). */
export function checkForceKeys(g: Graph, force: Readonly<Record<string, string>> | undefined): void {
  for (const key of Object.keys(force ?? {})) {
    const re = isPattern(key) ? patternRegExp(key) : undefined;
    if (!g.nodes.some((n) => (re ? re.test(n.name) : n.name === key || n.op === key))) {
      const names = g.nodes.slice(0, 8).map((n) => n.name).join(', ');
      throw new UnsupportedError(`forced tactic key '${key}' matches no layer name, op or pattern of graph '${g.name}' (layers: ${names}${g.nodes.length > 8 ? ', ...' : ''}); layer names are those after optimization (see 'wgrt inspect')`);
    }
  }
}

/**
 * The tactics a layer may use: all its candidates, or those `force` or the selector allows.
 * `pinned` is true when one tactic was forced (the autotuner does not time a pinned layer).
 */
export function allowedTactics(layer: LayerInfo, opts: TacticChoiceOptions): { tactics: Tactic[]; pinned: boolean; restricted: boolean } {
  const all = candidates(layer);
  const where = `layer '${layer.node.name}' (${layer.node.op})`;
  const pick = (ids: readonly string[], by: string): Tactic[] =>
    ids.map((id) => {
      const t = tacticById(id);
      if (!t) throw new UnsupportedError(`${by} tactic '${id}' for ${where} does not exist`);
      if (!all.includes(t)) throw new UnsupportedError(`${by} tactic '${id}' does not support ${where}; candidates: ${all.map((c) => c.id).join(', ')}`);
      return t;
    });
  const forced = forceEntry(layer.node.name, layer.node.op, opts.force);
  if (forced) return { tactics: pick([forced[1]], `forced (by '${forced[0]}')`), pinned: true, restricted: true };
  const sel = opts.select?.(layer, all);
  if (sel === undefined) return { tactics: all, pinned: false, restricted: false };
  const ids = typeof sel === 'string' ? [sel] : sel;
  if (ids.length === 0) throw new UnsupportedError(`the tactic selector allowed no tactic for ${where}; candidates: ${all.map((c) => c.id).join(', ')}`);
  return { tactics: pick(ids, 'selected'), pinned: typeof sel === 'string', restricted: true };
}

/** The parameters a tactic runs with when nothing was timed: its heuristic's, else its first point. */
export const heuristicParams = (t: Tactic, layer: LayerInfo): TacticParams => t.heuristic?.(layer) ?? t.space[0] ?? {};

/**
 * The tactic for a layer: one chosen already (opts.chosen), else the first allowed (a forced or
 * selected one, or the first supported in preference order) with its heuristic parameters.
 * (Timing is the autotuner's, ./autotune.ts.)
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
  const { tactics, restricted } = allowedTactics(layer, opts);
  // Untimed, the device is unknown: the first tactic that needs no device feature (unless pinned or selected).
  const t = (restricted ? tactics[0] : tactics.find((c) => !c.features?.length)) ?? defaultTactic(layer); // none: its error names the layer
  return { tactic: t, params: heuristicParams(t, layer) };
}
