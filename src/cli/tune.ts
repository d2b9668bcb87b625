// `wgrt build --tune`: the autotuner's choices as a builder report, and the timing-cache file.
import { existsSync } from 'node:fs';
import { buildTuned, type BuildOptions, type Engine } from '../engine/engine.js';
import type { Graph } from '../ir/graph.js';
import { requireGpu } from '../runtime/device.js';
import type { AutotuneResult } from '../tune/autotune.js';
import { TimingCache } from '../tune/cache.js';
import { cliProgress } from './progress.js';
import { table } from './table.js';

export interface TuneCliOptions {
  /** Read (when it exists) and written back. */
  readonly cachePath?: string;
  readonly strict?: boolean;
  readonly iterations?: number;
  readonly verbose?: boolean;
  /** Where the report goes (default console.log). */
  readonly log?: (text: string) => void;
}

/** Per layer, every candidate's mean and spread, the winner marked: the build report. */
export function formatTuning(t: AutotuneResult): string {
  const rows = [...t.records].flatMap(([layer, r]) =>
    r.candidates.map((c) => {
      const won = c.tactic === r.tactic && JSON.stringify(c.params) === JSON.stringify(r.params);
      const time = c.error ? `cannot run (${c.error.slice(0, 60)})` : `${c.meanMs!.toFixed(4)} ± ${(c.stdMs ?? 0).toFixed(4)}${c.dropped ? ' (dropped: > 3x best)' : ''}`;
      return [won ? `* ${layer}` : `  ${layer}`, c.tactic, JSON.stringify(c.params), time];
    }),
  );
  return table(['layer (* chosen)', 'tactic', 'params', 'mean ± std ms'], rows);
}

export async function buildWithTuning(network: Graph, build: BuildOptions, o: TuneCliOptions): Promise<Engine> {
  const log = o.log ?? console.log;
  const gpu = await requireGpu();
  const cache = o.cachePath && existsSync(o.cachePath) ? TimingCache.load(o.cachePath) : new TimingCache();
  const onProgress = o.strict ? undefined : cliProgress('tuning');
  const { engine, tuning } = await buildTuned(network, {
    ...build,
    tune: { gpu, cache, ...(o.strict ? { strict: true } : {}), ...(o.iterations ? { iterations: o.iterations } : {}), ...(onProgress ? { onProgress } : {}) },
  });
  if (o.verbose) log(formatTuning(tuning));
  const fromCache = [...tuning.records.values()].length;
  log(`tuned on ${gpu.adapter.vendor} ${gpu.adapter.description || gpu.adapter.architecture}: ${fromCache} layers with a timing record, ${tuning.timed} candidates timed now`);
  if (o.cachePath) {
    tuning.cache.save(o.cachePath);
    log(`timing cache: ${tuning.cache.size} records -> ${o.cachePath}`);
  }
  return engine;
}
