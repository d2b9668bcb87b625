/**
 * The autotuner: for each layer of an optimized graph, every candidate (each supporting tactic
 * at each parameter point of its space, and its heuristic point) is timed on the adapter and
 * the fastest is kept (./timing.ts). Layers with equal signatures (src/ir/hash.ts) are timed
 * once; records go to the timing cache (./cache.ts), and a layer found there is not timed again.
 * Forced layers (opts.force) are not timed.
 */
import { TimingCacheError } from '../errors.js';
import { toposort, type Graph } from '../ir/graph.js';
import { layerSignature } from '../ir/hash.js';
import { layerInfo, type LayerInfo } from '../ir/layer.js';
import { isFloat } from '../ir/dtype.js';
import { randomInput } from '../ir/random.js';
import { tensor } from '../ir/tensor.js';
import type { Gpu } from '../runtime/device.js';
import { prepareLayer, type PreparedLayer } from '../runtime/layer.js';
import { candidates } from '../tactics/registry.js';
import type { Tactic, TacticParams } from '../tactics/types.js';
import { adapterFingerprint, TimingCache, type CandidateTiming, type TimingRecord } from './cache.js';
import { timeCandidates, type TimingOptions } from './timing.js';

export interface AutotuneProgress {
  readonly layer: string;
  /** Layers done so far, this one included, of `total`. */
  readonly done: number;
  readonly total: number;
  /** Where the choice came from: timed now, the cache, or nothing to choose (one candidate, or forced). */
  readonly source: 'timed' | 'cache' | 'single' | 'forced';
}

export interface AutotuneOptions extends TimingOptions {
  readonly gpu: Gpu;
  /** Read first, and filled with what is timed (default: a new, empty cache). */
  readonly cache?: TimingCache;
  /** A layer missing from the cache is an error instead of being timed. */
  readonly strict?: boolean;
  /** Layers (by name or op) whose tactic is pinned: not timed. */
  readonly force?: Readonly<Record<string, string>>;
  readonly onProgress?: (p: AutotuneProgress) => void;
}

export interface AutotuneResult {
  /** The chosen tactic and parameters per layer name (forced layers absent). */
  readonly chosen: Map<string, { tactic: string; params: TacticParams }>;
  /** The timing record behind each choice, per layer name. */
  readonly records: Map<string, TimingRecord>;
  readonly cache: TimingCache;
  /** Candidates timed in this call (0 when the cache had everything). */
  readonly timed: number;
}

/** Every parameter point of `t` for `layer` worth timing: the heuristic's first, then the space, without repeats. */
function points(t: Tactic, layer: LayerInfo): TacticParams[] {
  const all = [t.heuristic?.(layer), ...t.space, ...(t.space.length === 0 ? [{}] : [])].filter((p): p is TacticParams => p !== undefined);
  const seen = new Set<string>();
  return all.filter((p) => {
    const k = JSON.stringify(Object.entries(p).sort());
    return !seen.has(k) && !!seen.add(k);
  });
}

/** Times every candidate of `layer` and returns the record (the fastest first-listed on a tie). */
async function tuneLayer(layer: LayerInfo, adapter: string, signature: string, opts: AutotuneOptions): Promise<{ record: TimingRecord; timed: number }> {
  const inputs = layer.inputs.map((t, i) => {
    if (!t) return undefined;
    // Constants as they are (packed weights, shapes); other inputs seeded (integers 0: valid indices).
    return layer.ctx.constant(i) ?? (isFloat(t.dtype) ? randomInput(t, 1 + i) : tensor(t.dtype, t.shape));
  });
  const results: CandidateTiming[] = [];
  const prepared: { tactic: Tactic; params: TacticParams; layer: PreparedLayer }[] = [];
  try {
    for (const t of candidates(layer)) {
      for (const params of points(t, layer)) {
        try {
          prepared.push({ tactic: t, params, layer: await prepareLayer(opts.gpu, layer, t, inputs, params) });
        } catch (e) {
          results.push({ tactic: t.id, params, error: (e as Error).message }); // a point the plan refuses for this shape
        }
      }
    }
    const times = await timeCandidates(opts.gpu, prepared.map((p) => p.layer), opts);
    prepared.forEach((p, k) => {
      const r = times[k]!;
      results.push({ tactic: p.tactic.id, params: p.params, meanMs: r.meanMs, stdMs: r.stdMs, runs: r.runs, ...(r.dropped ? { dropped: true } : {}) });
    });
  } finally {
    prepared.forEach((p) => p.layer.release());
  }
  const timed = prepared.length;
  const ok = results.filter((r) => r.meanMs !== undefined && !r.dropped);
  if (ok.length === 0) throw new Error(`autotune: no candidate ran for layer '${layer.node.name}' (${layer.node.op}): ${results.map((r) => `${r.tactic}: ${r.error}`).join('; ')}`);
  const win = ok.reduce((a, b) => (b.meanMs! < a.meanMs! ? b : a));
  return { record: { adapter, signature, tactic: win.tactic, params: win.params, candidates: results }, timed };
}

/** Chooses a tactic for every layer of `g` (a typed, optimized graph) by timing (see the file comment). */
export async function autotune(g: Graph, opts: AutotuneOptions): Promise<AutotuneResult> {
  const cache = opts.cache ?? new TimingCache();
  const adapter = adapterFingerprint(opts.gpu.adapter);
  const chosen = new Map<string, { tactic: string; params: TacticParams }>();
  const records = new Map<string, TimingRecord>();
  const nodes = toposort(g);
  let timed = 0;
  for (const [i, n] of nodes.entries()) {
    const progress = (source: AutotuneProgress['source']) => opts.onProgress?.({ layer: n.name, done: i + 1, total: nodes.length, source });
    if (opts.force?.[n.name] ?? opts.force?.[n.op]) {
      progress('forced');
      continue;
    }
    const layer = layerInfo(g, n);
    const cands = candidates(layer);
    if (cands.length === 1 && points(cands[0]!, layer).length === 1) {
      progress('single'); // nothing to choose: the default choice stands
      continue;
    }
    const signature = layerSignature(layer);
    let record = cache.get(adapter, signature);
    let source: AutotuneProgress['source'] = 'cache';
    if (!record) {
      if (opts.strict) {
        throw new TimingCacheError(`timing cache has no record for layer '${n.name}' (${n.op}) on adapter '${adapter}' (strict mode); build once without --timing-cache-strict to time it, or use a cache made on this adapter`);
      }
      const r = await tuneLayer(layer, adapter, signature, opts);
      record = r.record;
      timed += r.timed;
      cache.set(record);
      source = 'timed';
    }
    chosen.set(n.name, { tactic: record.tactic, params: record.params });
    records.set(n.name, record);
    progress(source);
  }
  return { chosen, records, cache, timed };
}
