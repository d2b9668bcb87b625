/**
 * The tactic leaderboard: for every tuned layer, each candidate tactic (at each parameter point)
 * with its mean time and standard deviation, fastest first, and the one the autotuner chose
 * highlighted. Read from the timing records (src/tune/cache.ts), so a leaderboard drawn from a
 * loaded timing cache shows the same race the build saw.
 */
import type { AutotuneResult } from '../tune/autotune.js';
import type { CandidateTiming, TimingRecord } from '../tune/cache.js';
import { ms, title, type PlotFigure, type PlotTrace } from './plots-figure.js';

type Params = CandidateTiming['params'];

/** Parameters as `k=v` in key order: the same point always reads the same. */
export function paramsText(p: Params): string {
  return Object.entries(p).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

function samePoint(a: CandidateTiming, tactic: string, params: Params): boolean {
  return a.tactic === tactic && paramsText(a.params) === paramsText(params);
}

/** One row of the leaderboard: a candidate of a layer and where it finished. */
export interface LeaderboardRow {
  readonly layer: string;
  readonly label: string;
  readonly candidate: CandidateTiming;
  readonly outcome: 'winner' | 'timed' | 'dropped' | 'failed';
}

/** The rows of the leaderboard, layer by layer in the records' order, each layer's fastest first. */
export function leaderboardRows(records: ReadonlyMap<string, TimingRecord>): LeaderboardRow[] {
  const rows: LeaderboardRow[] = [];
  for (const [layer, r] of records) {
    const time = (c: CandidateTiming) => (c.error !== undefined || c.meanMs === undefined ? Infinity : c.meanMs);
    const sorted = [...r.candidates].sort((a, b) => time(a) - time(b));
    for (const c of sorted) {
      const outcome = samePoint(c, r.tactic, r.params) ? 'winner' : c.error !== undefined || c.meanMs === undefined ? 'failed' : c.dropped ? 'dropped' : 'timed';
      const p = paramsText(c.params);
      rows.push({ layer, label: `${layer} │ ${c.tactic}${p ? ` ${p}` : ''}`, candidate: c, outcome });
    }
  }
  return rows;
}

const STYLE: Record<LeaderboardRow['outcome'], { name: string; marker: Record<string, unknown> }> = {
  winner: { name: 'chosen', marker: { color: '#d62728', size: 11, symbol: 'star' } },
  timed: { name: 'timed', marker: { color: '#1f77b4', size: 8, symbol: 'circle' } },
  dropped: { name: 'dropped early (first run far slower)', marker: { color: '#7f7f7f', size: 8, symbol: 'circle-open' } },
  failed: { name: 'failed (see hover)', marker: { color: '#000', size: 9, symbol: 'x' } },
};

/**
 * Per layer, every candidate's mean time (log axis, error bars of one standard deviation) with
 * the chosen tactic as a red star. Candidates that failed (an error, a wrong result) sit at their
 * layer's slowest time as a cross, the error in the hover text. Layers forced by name were not
 * timed and do not appear.
 */
export function tacticLeaderboard(tuning: Pick<AutotuneResult, 'records'>): PlotFigure {
  const rows = leaderboardRows(tuning.records);
  const slowest = new Map<string, number>();
  for (const r of rows) if (r.candidate.meanMs !== undefined) slowest.set(r.layer, Math.max(slowest.get(r.layer) ?? 0, r.candidate.meanMs));
  const data: PlotTrace[] = (['winner', 'timed', 'dropped', 'failed'] as const).flatMap((outcome) => {
    const mine = rows.filter((r) => r.outcome === outcome);
    if (mine.length === 0) return [];
    const x = mine.map((r) => (outcome === 'failed' ? slowest.get(r.layer) ?? null : r.candidate.meanMs ?? null));
    const hover = mine.map((r) => {
      const c = r.candidate;
      const time = c.meanMs === undefined ? 'not timed' : `${ms(c.meanMs)} ± ${ms(c.stdMs ?? 0)} over ${c.runs ?? '?'} runs`;
      return `${r.label}<br>${time}${c.error ? `<br>error: ${c.error}` : ''}`;
    });
    return [{
      type: 'scatter', mode: 'markers', name: STYLE[outcome].name, x, y: mine.map((r) => r.label), marker: STYLE[outcome].marker,
      ...(outcome === 'failed' ? {} : { error_x: { type: 'data', array: mine.map((r) => r.candidate.stdMs ?? 0), visible: true, thickness: 1 } }),
      hovertext: hover, hoverinfo: 'text',
    }];
  });
  const layers = new Set(rows.map((r) => r.layer)).size;
  return {
    data,
    layout: {
      title: title(`Tactic leaderboard: ${rows.length} candidates over ${layers} layer${layers === 1 ? '' : 's'}`),
      xaxis: { type: 'log', title: title('mean time per run (ms), log') },
      yaxis: { type: 'category', categoryorder: 'array', categoryarray: rows.map((r) => r.label), autorange: 'reversed', automargin: true },
      height: 160 + 22 * rows.length,
      legend: { orientation: 'h', y: 1.02, yanchor: 'bottom' },
      hovermode: 'closest',
    },
  };
}
