// Tables a notebook shows (issue 8): an engine's layers, a profile, a calibration table, as
// Apache Arrow tables (the same columns whether shown, saved or read back in pandas or polars),
// rendered to an HTML <table> and written as Arrow IPC files.
import { writeFileSync } from 'node:fs';
import { tableFromArrays, tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { describeEngine } from '../engine/describe.js';
import type { Engine } from '../engine/engine.js';
import type { QuantTable } from '../quant/table.js';
import type { LayerTime } from '../runtime/context.js';
import type { RunTimes } from '../runtime/perf.js';
import { escapeXml } from './svg.js';

/** One row per engine layer: what `wgrt inspect` prints. */
export function layerTable(engine: Engine): Table {
  const layers = describeEngine(engine).layers;
  return tableFromArrays({
    layer: layers.map((l) => l.name),
    op: layers.map((l) => l.op),
    origin: layers.map((l) => l.origin.join(', ')),
    tactic: layers.map((l) => l.tactic),
    precision: layers.map((l) => l.precision),
    layout: layers.map((l) => l.layout),
    inputs: layers.map((l) => l.inputs.join(' ')),
    output: layers.map((l) => l.output),
  });
}

/** One row per layer of a profiled run (ExecutionContext.lastProfile()), with its share of the total. */
export function profileTable(profile: readonly LayerTime[]): Table {
  const total = profile.reduce((s, l) => s + l.ms, 0);
  return tableFromArrays({
    layer: profile.map((l) => l.layer),
    op: profile.map((l) => l.op),
    tactic: profile.map((l) => l.tactic),
    ms: Float64Array.from(profile, (l) => l.ms),
    share: Float64Array.from(profile, (l) => (total > 0 ? l.ms / total : 0)),
  });
}

/**
 * One row per timed run of a performance run (src/runtime/perf.ts, `wgrt bench --export-times`),
 * ms; the phase and GPU columns only when the runs have them.
 */
export function runTimesTable(runs: readonly RunTimes[]): Table {
  const col = (pick: (r: RunTimes) => number | undefined) => {
    const v = runs.map(pick);
    return runs.length > 0 && v.every((x) => x !== undefined) ? Float64Array.from(v as number[]) : undefined;
  };
  const cols = {
    iteration: Int32Array.from(runs, (_, i) => i),
    context: Int32Array.from(runs, (r) => r.context),
    start_ms: col((r) => r.startMs),
    latency_ms: col((r) => r.latencyMs),
    h2d_ms: col((r) => r.phases?.writeMs),
    enqueue_ms: col((r) => r.phases?.enqueueMs),
    gpu_wait_ms: col((r) => r.phases?.waitMs),
    d2h_ms: col((r) => r.phases?.readMs),
    gpu_compute_ms: col((r) => r.gpuMs),
  };
  return tableFromArrays(Object.fromEntries(Object.entries(cols).filter(([, v]) => v !== undefined)) as Record<string, Int32Array | Float64Array>);
}

/** One row per calibrated activation: threshold, int8 scale and the range seen. */
export function calibrationTable(table: QuantTable): Table {
  const rows = [...table.activations];
  return tableFromArrays({
    tensor: rows.map(([name]) => name),
    amax: Float64Array.from(rows, ([, r]) => r.amax),
    scale: Float64Array.from(rows, ([, r]) => r.scale),
    min: Float64Array.from(rows, ([, r]) => r.min ?? NaN),
    max: Float64Array.from(rows, ([, r]) => r.max ?? NaN),
  });
}

const cell = (v: unknown): string => {
  if (typeof v === 'number') return Number.isNaN(v) ? '' : Number.isInteger(v) ? String(v) : v.toPrecision(4);
  return escapeXml(v === null || v === undefined ? '' : String(v));
};

const SHORT_CELL = 28;

/** The table as HTML: a header row, then at most `maxRows` rows and a line saying how many were left out. */
export function tableHtml(t: Table, opts: { maxRows?: number; caption?: string } = {}): string {
  const max = opts.maxRows ?? 200;
  const names = t.schema.fields.map((f) => f.name);
  const rows: string[] = [];
  for (let i = 0; i < Math.min(t.numRows, max); i++) {
    const r = t.get(i)!;
    const cells = names.map((n) => cell((r as unknown as Record<string, unknown>)[n]));
    // Short values (shapes, numbers, tactic names) stay on one line; long ones (origins) wrap.
    rows.push(`<tr>${cells.map((c) => (c.length <= SHORT_CELL ? `<td style="white-space:nowrap">${c}</td>` : `<td>${c}</td>`)).join('')}</tr>`);
  }
  const more = t.numRows > max ? `<p>${t.numRows - max} more rows not shown (tableHtml maxRows)</p>` : '';
  const caption = opts.caption ? `<caption>${escapeXml(opts.caption)}</caption>` : '';
  return `<table class="wgrt-table">${caption}<thead><tr>${names.map((n) => `<th>${escapeXml(n)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>${more}`;
}

/** Writes the table as an Arrow IPC file (pandas: pyarrow.ipc.open_file(path).read_pandas()). */
export function writeTable(path: string, t: Table): void {
  writeFileSync(path, tableToIPC(t, 'file'));
}

/** Reads a table written by writeTable. */
export function readTable(bytes: Uint8Array): Table {
  return tableFromIPC(bytes);
}
