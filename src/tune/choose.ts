import { UnsupportedError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { LayerInfo } from '../ir/layer.js';
import { isFloat } from '../ir/dtype.js';
import { candidates, defaultTactic, tacticById, TACTICS } from '../tactics/registry.js';
import type { Tactic, TacticParams } from '../tactics/types.js';

/**
 * TensorRT's algorithm selector: shown each layer and the tactics that support it, it returns a
 * tactic id to pin the layer to, a list of ids to choose among (the autotuner times only those;
 * an untimed build takes the first), or undefined to leave the layer alone.
 */
export type TacticSelector = (layer: LayerInfo, candidates: readonly Tactic[]) => string | readonly string[] | undefined;

/**
 * The arithmetic a build asks for. 'fp32' (the default): fp16 tactics are never used. 'fp16': a
 * layer with an fp16 tactic (Tactic.precision) uses it where the device has shader-f16, else runs
 * fp32 and the engine says why (EngineLayer.precision). 'best': the autotuner times fp32 and fp16
 * tactics together and keeps the fastest; untimed, fp16 wherever it is available.
 */
export type Precision = 'fp32' | 'fp16' | 'best';

/** What a layer asked for, and why it runs fp32 when it asked for more (absent when it does not). */
export interface PrecisionChoice {
  readonly requested: Precision;
  readonly fallback?: string;
}

export interface TacticChoiceOptions {
  /**
   * Pin tactics: key -> tactic id, where a key is a layer name, an op, or a pattern over layer
   * names with `*` (any run of characters) and `?` (one character). A layer takes its name's
   * entry, else its op's, else the first pattern that matches it. Every key must match a layer.
   */
  readonly force?: Readonly<Record<string, string>>;
  /** Asked for every layer not pinned by `force`. */
  readonly select?: TacticSelector;
  /** The precision of every layer not named in `layerPrecision` (default 'fp32'; see Precision). */
  readonly precision?: Precision;
  /**
   * Per-layer precision, keyed as `force` is (a layer name, an op, or a `*`/`?` pattern over layer
   * names): e.g. `{ '*': 'fp16', 'head*': 'fp32' }`. Every key must match a layer.
   */
  readonly layerPrecision?: Readonly<Record<string, 'fp32' | 'fp16'>>;
  /**
   * The adapter's features (GPUAdapter.features); buildTuned passes the tuning GPU's. An untimed
   * build never knows the device: it uses fp16 tactics only when these include 'shader-f16'.
   */
  readonly features?: ReadonlySet<string> | readonly string[];
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

/** The entry of a `force`-style record that applies to a layer: its name's, else its op's, else the first matching pattern's. */
export function entryFor<T>(name: string, op: string, record: Readonly<Record<string, T>> | undefined): [string, T] | undefined {
  if (!record) return undefined;
  for (const key of [name, op]) if (Object.hasOwn(record, key)) return [key, record[key]!];
  return Object.entries(record).find(([key]) => isPattern(key) && patternRegExp(key).test(name));
}

/** Fails on a key of a `force`-style record that matches no layer of `g` (a misspelt name would otherwise be ignored). */
export function checkKeys(g: Graph, record: Readonly<Record<string, unknown>> | undefined, what: string, names = "layer names are those after optimization (see 'wgrt inspect')"): void {
  for (const key of Object.keys(record ?? {})) {
    const re = isPattern(key) ? patternRegExp(key) : undefined;
    if (!g.nodes.some((n) => (re ? re.test(n.name) : n.name === key || n.op === key))) {
      const names = g.nodes.slice(0, 8).map((n) => n.name).join(', ');
      throw new UnsupportedError(`${what} key '${key}' matches no layer name, op or pattern of graph '${g.name}' (layers: ${names}${g.nodes.length > 8 ? ', ...' : ''}); ${names}`);
    }
  }
}

/** Fails on a `force` key that matches no layer of `g`. */
export function checkForceKeys(g: Graph, force: Readonly<Record<string, string>> | undefined): void {
  checkKeys(g, force, 'forced tactic');
}

/** Fails on a `force` or `layerPrecision` key that matches no layer of `g`. */
export function checkChoiceKeys(g: Graph, opts: TacticChoiceOptions): void {
  checkKeys(g, opts.force, 'forced tactic');
  checkKeys(g, opts.layerPrecision, 'layerPrecision');
}

/** The precision a layer asks for: its `layerPrecision` entry, else `precision`, else fp32. */
export function requestedPrecision(layer: LayerInfo, opts: TacticChoiceOptions): Precision {
  return entryFor(layer.node.name, layer.node.op, opts.layerPrecision)?.[1] ?? opts.precision ?? 'fp32';
}

const isFp16 = (t: Tactic): boolean => t.precision === 'fp16';
const hasFeatures = (t: Tactic, features: TacticChoiceOptions['features']): boolean => {
  const have = new Set(features ?? []);
  return (t.features ?? []).every((f) => have.has(f));
};

/**
 * The fp16 tactics a layer asking for fp16 or 'best' may use (none for fp32), or why it has none:
 * no fp16 tactic for its op, none supporting this layer, or a device without shader-f16.
 */
function fp16Tactics(layer: LayerInfo, all: readonly Tactic[], opts: TacticChoiceOptions): { tactics: Tactic[]; why?: string } {
  if (requestedPrecision(layer, opts) === 'fp32') return { tactics: [] };
  const op = layer.node.op;
  const ofOp = TACTICS.filter((t) => isFp16(t) && t.ops.includes(op));
  if (ofOp.length === 0) return { tactics: [], why: `no fp16 tactic for op ${op}` };
  const fit = all.filter(isFp16);
  if (fit.length === 0) return { tactics: [], why: `its fp16 tactics (${ofOp.map((t) => t.id).join(', ')}) do not support this layer (see their supports(): shapes, group, layouts, constant weights)` };
  if (opts.features === undefined) return { tactics: [], why: 'the build was not told the device features (pass `features`, e.g. the adapter\'s, or build with buildTuned)' };
  const ok = fit.filter((t) => hasFeatures(t, opts.features));
  if (ok.length === 0) return { tactics: [], why: `the adapter lacks ${[...new Set(fit.flatMap((t) => t.features ?? []))].join(', ')}` };
  return { tactics: ok };
}

/** Why a row-major-only tactic cannot take a layer the choose-layout pass stored channel-last, and what to do. */
function layoutHint(layer: LayerInfo, t: Tactic): string {
  const { inputs, outputs } = layer.layouts;
  if (t.layouts || [...inputs, ...outputs].every((l) => l === 'nchw')) return '';
  return ` with its tensors channel-last (the choose-layout pass chose so; build with disablePasses: ['choose-layout'] to keep every layer row-major)`;
}

/**
 * The tactics a layer may use: its candidates of the precision it asks for, or those `force` or the
 * selector allows (force may pin any candidate, fp16 or not). The fp32 candidates, then for 'fp16'
 * only the usable fp16 ones (the fp32 ones when there are none), for 'best' both.
 * `pinned` is true when one tactic was forced (the autotuner does not time a pinned layer);
 * `fp16` whether fp16 tactics are among those offered, `fallback` why none is when some were asked for.
 */
export function allowedTactics(layer: LayerInfo, opts: TacticChoiceOptions): { tactics: Tactic[]; pinned: boolean; restricted: boolean; fp16: boolean; fallback?: string } {
  const candidatesAll = candidates(layer);
  const half = fp16Tactics(layer, candidatesAll, opts);
  const fp32 = candidatesAll.filter((t) => !isFp16(t));
  const requested = requestedPrecision(layer, opts);
  const all = half.tactics.length === 0 ? fp32 : requested === 'fp16' ? half.tactics : candidatesAll.filter((t) => !isFp16(t) || half.tactics.includes(t));
  const fp16 = half.tactics.length > 0;
  const fallback = half.why ? { fallback: half.why } : {};
  const where = `layer '${layer.node.name}' (${layer.node.op})`;
  const pick = (ids: readonly string[], by: string, from: readonly Tactic[]): Tactic[] =>
    ids.map((id) => {
      const t = tacticById(id);
      if (!t) throw new UnsupportedError(`${by} tactic '${id}' for ${where} does not exist`);
      if (!from.includes(t)) throw new UnsupportedError(`${by} tactic '${id}' does not support ${where}${candidatesAll.includes(t) ? ` at precision ${requested}` : layoutHint(layer, t)}; candidates: ${from.map((c) => c.id).join(', ')}`);
      return t;
    });
  const forced = entryFor(layer.node.name, layer.node.op, opts.force);
  if (forced) {
    const tactics = pick([forced[1]], `forced (by '${forced[0]}')`, candidatesAll);
    return { tactics, pinned: true, restricted: true, fp16: isFp16(tactics[0]!), ...fallback };
  }
  const sel = opts.select?.(layer, all);
  if (sel === undefined) return { tactics: all, pinned: false, restricted: false, fp16, ...fallback };
  const ids = typeof sel === 'string' ? [sel] : sel;
  if (ids.length === 0) throw new UnsupportedError(`the tactic selector allowed no tactic for ${where}; candidates: ${all.map((c) => c.id).join(', ')}`);
  const tactics = pick(ids, 'selected', all);
  return { tactics, pinned: typeof sel === 'string', restricted: true, fp16: tactics.some(isFp16), ...fallback };
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
  // Untimed, the device is unknown: the first tactic that needs no device feature (unless pinned or
  // selected); fp16 tactics are offered only when the features given have what they need, and
  // preferred ('best' untimed is fp16 wherever it can be).
  const t = (restricted ? tactics[0] : (tactics.find(isFp16) ?? tactics.find((c) => !c.features?.length))) ?? defaultTactic(layer); // none: its error names the layer
  return { tactic: t, params: heuristicParams(t, layer) };
}

/**
 * What a layer running `tactic` asked for, and why it runs fp32 if it asked for fp16 or 'best'
 * (only for layers that run a kernel from a float input to a float output: the others have no
 * float precision to choose).
 * A 'best' layer that the autotuner found faster in fp32 did not fall back: it has no reason.
 */
export function precisionChoice(layer: LayerInfo, tactic: Tactic, opts: TacticChoiceOptions): PrecisionChoice {
  const requested = requestedPrecision(layer, opts);
  const float = isFloat(layer.inputs[0]?.dtype ?? 'bool') && layer.outputs.some((t) => t && isFloat(t.dtype)); // not Int8Conv, Shape, ...
  if (requested === 'fp32' || tactic.precision !== undefined || tactic.alias || !float) return { requested };
  const allowed = allowedTactics(layer, opts);
  if (allowed.fallback) return { requested, fallback: allowed.fallback };
  const forced = entryFor(layer.node.name, layer.node.op, opts.force);
  if (forced) return { requested, fallback: `forced to tactic '${tactic.id}' (by '${forced[0]}')` };
  if (!allowed.fp16) return { requested, fallback: 'the tactic selector allowed no fp16 tactic' };
  return requested === 'fp16' ? { requested, fallback: `tactic '${tactic.id}' was chosen for it` } : { requested };
}
