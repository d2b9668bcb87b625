/**
 * The autotuner: for each layer of an optimized graph, every candidate (each supporting tactic
 * at each parameter point of its space, and its heuristic point) is timed on the adapter and
 * the fastest is kept (./timing.ts). Layers with equal signatures (src/ir/hash.ts) are timed
 * once; records go to the timing cache (./cache.ts), and a layer found there is not timed again.
 * Forced layers (opts.force) are not timed.
 */
import { TimingCacheError, UnsupportedError } from '../errors.js';
import { layerCost } from '../ir/cost.js';
import { toposort, type Graph } from '../ir/graph.js';
import { layerSignature } from '../ir/hash.js';
import { layerInfo, type LayerInfo } from '../ir/layer.js';
import { isFloat } from '../ir/dtype.js';
import { randomInput } from '../ir/random.js';
import { sizeOf, tensor, type Tensor } from '../ir/tensor.js';
import { toPhysical } from '../ir/layout.js';
import { runReferenceLayer } from '../reference/index.js';
import type { Gpu } from '../runtime/device.js';
import { layerBuffers, prepareLayer, runPrepared, sampleOf, sampleRanges, type PreparedLayer } from '../runtime/layer.js';
import type { Tactic, TacticParams } from '../tactics/types.js';
import { adapterFingerprint, TimingCache, type CandidateTiming, type TimingRecord } from './cache.js';
import { outputsMismatch } from './check.js';
import { allowedTactics, checkChoiceKeys, requestedPrecision, type TacticChoiceOptions } from './choose.js';
import { timeCandidates, type TimingOptions } from './timing.js';

export interface AutotuneProgress {
  readonly layer: string;
  /** Layers done so far, this one included, of `total`. */
  readonly done: number;
  readonly total: number;
  /** Where the choice came from: timed now, the cache, or nothing to choose (one candidate, or forced). */
  readonly source: 'timed' | 'cache' | 'single' | 'forced';
}

/**
 * `force` and `select` (./choose.ts) narrow what is timed; a pinned layer is not timed. `precision`
 * and `layerPrecision` say whether fp16 tactics are timed: never (fp32), instead of the fp32 ones
 * where the GPU can run one (fp16), or beside them ('best').
 */
export interface AutotuneOptions extends TimingOptions, Pick<TacticChoiceOptions, 'force' | 'select' | 'precision' | 'layerPrecision'> {
  readonly gpu: Gpu;
  /** Read first, and filled with what is timed (default: a new, empty cache). */
  readonly cache?: TimingCache;
  /** A layer missing from the cache is an error instead of being timed. */
  readonly strict?: boolean;
  readonly onProgress?: (p: AutotuneProgress) => void;
  /** Check each candidate's outputs before timing it (default true; see ./check.ts). */
  readonly check?: boolean;
  /** Largest layer (FLOPs, src/ir/cost.ts) checked against the CPU reference (default REFERENCE_MAX_FLOPS). */
  readonly referenceMaxFlops?: number;
}

/** About 0.2 s of the reference executor's convolution on one CPU core. */
export const REFERENCE_MAX_FLOPS = 1e8;

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

/**
 * What candidates are checked against: the reference executor's outputs when the layer is small
 * enough for the CPU (opts.referenceMaxFlops), else the first candidate's (the default tactic at
 * its heuristic point, itself checked against the reference by the test suite), so that a large
 * layer's cold build does not wait minutes for JavaScript.
 */
async function expectedOutputs(layer: LayerInfo, inputs: readonly (Tensor | undefined)[], opts: AutotuneOptions): Promise<{ outputs: (Tensor | undefined)[]; by: string; fp16?: boolean } | undefined> {
  if (opts.check === false || layerCost(layer).flops > (opts.referenceMaxFlops ?? REFERENCE_MAX_FLOPS)) return undefined;
  // Large outputs are compared on a sample of their physical buffer (see runPrepared).
  const outputs = runReferenceLayer(layer, inputs).map((t, i) => {
    const physical = t && toPhysical(t, layer.layouts.outputs[i] ?? 'nchw');
    const ranges = physical ? sampleRanges(sizeOf(physical.shape)) : undefined;
    return physical && ranges ? sampleOf(physical, ranges) : t;
  });
  return { outputs, by: 'the reference' };
}

/** Checks, then times, every candidate of `layer` and returns the record (the fastest first-listed on a tie). */
async function tuneLayer(layer: LayerInfo, tactics: readonly Tactic[], adapter: string, signature: string, opts: AutotuneOptions): Promise<{ record: TimingRecord; timed: number }> {
  const names = layer.node.inputs;
  const inputs = layer.inputs.map((t, i) => {
    if (!t) return undefined;
    // Constants as they are (packed weights, shapes); other inputs seeded (integers 0: valid indices),
    // one tensor per name (a residual conv may read its input twice).
    return layer.ctx.constant(i) ?? (isFloat(t.dtype) ? randomInput(t, 1 + names.indexOf(names[i]!)) : tensor(t.dtype, t.shape));
  });
  const results: CandidateTiming[] = [];
  const prepared: { tactic: Tactic; params: TacticParams; layer: PreparedLayer }[] = [];
  let expected = await expectedOutputs(layer, inputs, opts);
  const shared = layerBuffers(opts.gpu, layer, inputs); // one upload for every candidate
  try {
    // All candidates at once, so that their pipelines compile concurrently.
    const all = tactics.flatMap((tactic) => points(tactic, layer).map((params) => ({ tactic, params })));
    const made = await Promise.allSettled(all.map((c) => prepareLayer(opts.gpu, layer, c.tactic, inputs, c.params, shared)));
    made.forEach((m, k) => {
      const { tactic, params } = all[k]!;
      if (m.status === 'fulfilled') prepared.push({ tactic, params, layer: m.value });
      else results.push({ tactic: tactic.id, params, error: (m.reason as Error).message }); // a point the plan refuses for this shape
    });
    for (const p of opts.check === false ? [] : [...prepared]) {
      const got = await runPrepared(opts.gpu, layer, p.layer, true);
      if (!expected) {
        expected = { outputs: got, by: `${p.tactic.id} ${JSON.stringify(p.params)}`, fp16: p.tactic.precision === 'fp16' };
        continue;
      }
      // An fp16 candidate, or one checked against an fp16 candidate's outputs, is held to f16's error.
      const why = outputsMismatch(got, expected.outputs, p.tactic.precision === 'fp16' || expected.fp16 === true);
      if (why) {
        prepared.splice(prepared.indexOf(p), 1);
        p.layer.release();
        results.push({ tactic: p.tactic.id, params: p.params, error: `wrong result (checked against ${expected.by}): ${why}` });
      }
    }
    const times = await timeCandidates(opts.gpu, prepared.map((p) => p.layer), opts);
    prepared.forEach((p, k) => {
      const r = times[k]!;
      results.push({ tactic: p.tactic.id, params: p.params, meanMs: r.meanMs, stdMs: r.stdMs, runs: r.runs, ...(r.dropped ? { dropped: true } : {}) });
    });
  } finally {
    prepared.forEach((p) => p.layer.release());
    shared.release();
  }
  const timed = prepared.length;
  const ok = results.filter((r) => r.meanMs !== undefined && !r.dropped);
  if (ok.length === 0) throw new UnsupportedError(`autotune: no candidate ran correctly for layer '${layer.node.name}' (${layer.node.op}): ${results.map((r) => `${r.tactic}: ${r.error}`).join('; ')}`);
  const win = ok.reduce((a, b) => (b.meanMs! < a.meanMs! ? b : a));
  const checked = expected ? { checkedAgainst: expected.by } : {};
  return { record: { adapter, signature, tactic: win.tactic, params: win.params, ...checked, candidates: results }, timed };
}

/** Chooses a tactic for every layer of `g` (a typed, optimized graph) by timing (see the file comment). */
export async function autotune(g: Graph, opts: AutotuneOptions): Promise<AutotuneResult> {
  const cache = opts.cache ?? new TimingCache();
  const adapter = adapterFingerprint(opts.gpu.adapter);
  const chosen = new Map<string, { tactic: string; params: TacticParams }>();
  const records = new Map<string, TimingRecord>();
  const nodes = toposort(g);
  checkChoiceKeys(g, opts);
  let timed = 0;
  for (const [i, n] of nodes.entries()) {
    const progress = (source: AutotuneProgress['source']) => opts.onProgress?.({ layer: n.name, done: i + 1, total: nodes.length, source });
    const layer = layerInfo(g, n);
    const allowed = allowedTactics(layer, { ...opts, features: opts.gpu.features });
    if (allowed.pinned) {
      progress('forced');
      continue;
    }
    const cands = allowed.tactics.filter((t) => (t.features ?? []).every((f) => opts.gpu.features.has(f)));
    // Nothing to choose: one candidate at one point, or a view (it runs no kernel: nothing is faster).
    if ((cands.length === 1 && points(cands[0]!, layer).length === 1) || cands[0]?.alias) {
      progress('single');
      continue;
    }
    // A record timed among fewer tactics, or among fp16 ones, answers only for that choice.
    const precision = allowed.fp16 ? ` precision=${requestedPrecision(layer, opts)}` : '';
    const signature = layerSignature(layer) + (allowed.restricted ? ` tactics=${cands.map((t) => t.id).join(',')}` : '') + precision;
    let record = cache.get(adapter, signature);
    let source: AutotuneProgress['source'] = 'cache';
    if (!record) {
      if (opts.strict) {
        throw new TimingCacheError(`timing cache has no record for layer '${n.name}' (${n.op}) on adapter '${adapter}' (strict mode); build once without strict (--timing-cache-strict) to time it, or use a cache made on this adapter for this network's shapes`);
      }
      const r = await tuneLayer(layer, cands, adapter, signature, opts);
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
