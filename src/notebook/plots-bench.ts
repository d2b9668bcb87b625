/**
 * Benchmark plots: the latency distribution of a benchmark, where the time of one run goes
 * layer by layer, each layer on the roofline of the adapter's measured peaks, and two (or more)
 * engines side by side (fp32 vs int8, level 0 vs fused). Inputs are the values the runtime
 * hands out: BenchReport (src/runtime/bench.ts), ExecutionContext.lastProfile()'s LayerTime[],
 * RooflineRow[] (src/engine/roofline.ts) and AdapterPeaks (src/tune/peaks.ts).
 */
import type { Engine } from '../engine/engine.js';
import { roofline, type RooflineRow } from '../engine/roofline.js';
import { percentile, type BenchReport } from '../runtime/bench.js';
import type { LayerTime } from '../runtime/context.js';
import type { AdapterPeaks } from '../tune/peaks.js';
import { ms, paletteColor, PlotDataError, si, title, vline, type PlotAnnotation, type PlotFigure, type PlotShape, type PlotTrace } from './plots-figure.js';

const PERCENTILES = [50, 90, 99] as const;

/**
 * Histograms of the wall times (and GPU times, where measured) of a benchmark's timed runs,
 * with lines at the 50th, 90th and 99th percentiles (nearest rank, as the report's own stats).
 * A report without samples (made before BenchReport had them) shows its summary statistics as
 * markers instead.
 */
export function latencyHistogram(report: BenchReport, opts: { readonly name?: string } = {}): PlotFigure {
  const what = `${opts.name ? `${opts.name}: ` : ''}${report.iterations} runs on ${report.backend}`;
  const series = [
    { name: 'wall', color: '#1f77b4', samples: report.samples?.wallMs },
    { name: 'GPU', color: '#ff7f0e', samples: report.samples?.gpuMs },
  ].filter((s): s is { name: string; color: string; samples: readonly number[] } => s.samples !== undefined && s.samples.length > 0);
  if (series.length === 0) return summaryOnly(report, what);
  const shapes: PlotShape[] = [];
  const annotations: PlotAnnotation[] = [];
  const data: PlotTrace[] = series.map((s, i) => {
    const sorted = [...s.samples].sort((a, b) => a - b);
    PERCENTILES.forEach((p, j) => {
      const v = percentile(sorted, p);
      shapes.push(vline(v, { name: `${s.name} p${p}`, color: s.color, dash: ['solid', 'dash', 'dot'][j] }));
      annotations.push({ text: `${s.name} p${p} ${ms(v)}`, x: v, y: 1 - 0.07 * (i * PERCENTILES.length + j), xref: 'x', yref: 'y domain', xanchor: 'left', showarrow: false, font: { color: s.color, size: 11 }, bgcolor: 'rgba(255,255,255,0.85)' });
    });
    return { type: 'histogram', name: `${s.name} time`, x: [...s.samples], marker: { color: s.color }, opacity: 0.6, nbinsx: Math.min(60, Math.max(10, Math.ceil(Math.sqrt(sorted.length) * 2))) };
  });
  return {
    data,
    layout: {
      title: title(`Latency, ${what}`),
      xaxis: { title: title('time per run (ms)') },
      yaxis: { title: title('runs') },
      barmode: 'overlay',
      shapes,
      annotations,
      legend: { orientation: 'h', y: 1.02, yanchor: 'bottom' },
    },
  };
}

function summaryOnly(report: BenchReport, what: string): PlotFigure {
  const keys = ['min', 'median', 'mean', 'p90', 'max'] as const;
  const data: PlotTrace[] = [
    { name: 'wall', stats: report.wallMs },
    ...(report.gpuMs ? [{ name: 'GPU', stats: report.gpuMs }] : []),
  ].map(({ name, stats }, i) => ({
    type: 'scatter', mode: 'markers+text', name, x: keys.map((k) => stats[k]), y: keys.map(() => name), text: [...keys],
    textposition: 'top center', marker: { color: paletteColor(i), size: 10 },
  }));
  return {
    data,
    layout: {
      title: title(`Latency summary, ${what} (the report has no samples to draw a histogram from)`),
      xaxis: { title: title('time per run (ms)') },
      yaxis: { type: 'category' },
    },
  };
}

function needProfile(profile: readonly LayerTime[] | undefined, what: string): readonly LayerTime[] {
  if (!profile || profile.length === 0) {
    throw new PlotDataError(`${what} needs a per-layer profile, and none was given: create the context with { profile: true } on an adapter with timestamp-query, run it, then pass ctx.lastProfile()`);
  }
  return profile;
}

/**
 * Per-layer GPU time of one run as a Pareto chart: layers slowest first, bars in ms labelled with
 * their share of the total, and the cumulative share on the right axis (how few layers make up
 * most of the time).
 */
export function layerTimes(profile: readonly LayerTime[] | undefined, opts: { readonly name?: string } = {}): PlotFigure {
  const rows = [...needProfile(profile, 'layerTimes')].sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  const share = (v: number) => (total > 0 ? (100 * v) / total : 0);
  let running = 0;
  const cumulative = rows.map((r) => share((running += r.ms)));
  return {
    data: [
      {
        type: 'bar', name: 'time', x: rows.map((r) => r.layer), y: rows.map((r) => r.ms), text: rows.map((r) => `${share(r.ms).toFixed(1)}%`),
        textposition: 'outside', marker: { color: '#1f77b4' }, hoverinfo: 'text',
        hovertext: rows.map((r) => `${r.layer} (${r.op}, ${r.tactic})<br>${ms(r.ms)}, ${share(r.ms).toFixed(1)}% of ${ms(total)}`),
      },
      { type: 'scatter', mode: 'lines+markers', name: 'cumulative share', x: rows.map((r) => r.layer), y: cumulative, yaxis: 'y2', line: { color: '#d62728' } },
    ],
    layout: {
      title: title(`Time per layer${opts.name ? `, ${opts.name}` : ''}: ${ms(total)} over ${rows.length} layers`),
      xaxis: { type: 'category', tickangle: -45, automargin: true },
      yaxis: { title: title('GPU time (ms)') },
      yaxis2: { title: title('cumulative share (%)'), overlaying: 'y', side: 'right', range: [0, 105] },
      legend: { orientation: 'h', y: 1.02, yanchor: 'bottom' },
    },
  };
}

/**
 * The roofline: every layer at (arithmetic intensity, achieved FLOP/s) on log-log axes, under the
 * roof min(peak FLOP/s, intensity x peak bandwidth) of the adapter's measured peaks; one marker
 * trace per op type. Layers without FLOPs (copies, reshapes) have no place on a log axis: they
 * are named in a note instead.
 */
export function rooflinePlot(rows: readonly RooflineRow[], peaks: AdapterPeaks, opts: { readonly name?: string } = {}): PlotFigure {
  const placed = rows.filter((r) => r.flops > 0 && r.bytes > 0 && r.ms > 0);
  const skipped = rows.filter((r) => !placed.includes(r));
  const ridge = peaks.flops / peaks.bytesPerSecond;
  const xs = placed.map((r) => r.intensity);
  const lo = Math.min(ridge, ...xs) / 4;
  const hi = Math.max(ridge, ...xs) * 4;
  const ops = [...new Set(placed.map((r) => r.op))];
  const markers: PlotTrace[] = ops.map((op, i) => {
    const mine = placed.filter((r) => r.op === op);
    return {
      type: 'scatter', mode: 'markers', name: op, x: mine.map((r) => r.intensity), y: mine.map((r) => r.flopsPerSecond),
      marker: { color: paletteColor(i), size: 10, line: { width: 1, color: '#fff' } }, hoverinfo: 'text',
      hovertext: mine.map((r) => [
        `${r.layer} (${r.op}, ${r.tactic})`, `${ms(r.ms)}, ${si(r.flops, 'FLOP')}, ${si(r.bytes, 'B')}`,
        `intensity ${r.intensity.toPrecision(3)} FLOP/B`, `${si(r.flopsPerSecond, 'FLOP/s')} of ${si(r.attainable, 'FLOP/s')} attainable (${(100 * r.ofRoof).toFixed(1)}%)`, `${r.bound}-bound`,
      ].join('<br>')),
    };
  });
  const roof: PlotTrace = {
    type: 'scatter', mode: 'lines', name: 'roof (measured peaks)', x: [lo, ridge, hi], y: [lo * peaks.bytesPerSecond, peaks.flops, peaks.flops],
    line: { color: '#000', width: 2 }, hoverinfo: 'skip',
  };
  const annotations: PlotAnnotation[] = [
    { text: `peak ${si(peaks.flops, 'FLOP/s')} (f32 FMA)`, x: Math.log10(hi), y: Math.log10(peaks.flops), xref: 'x', yref: 'y', xanchor: 'right', yanchor: 'bottom', showarrow: false },
    { text: `${si(peaks.bytesPerSecond, 'B/s')} (copy)`, x: Math.log10(lo * 2), y: Math.log10(lo * 2 * peaks.bytesPerSecond), xref: 'x', yref: 'y', xanchor: 'left', yanchor: 'bottom', showarrow: false, textangle: -30 },
    ...(skipped.length > 0 ? [{ text: `not placed (no FLOPs or time): ${skipped.map((r) => r.layer).join(', ')}`, x: 0, y: -0.18, xref: 'paper', yref: 'paper', xanchor: 'left', showarrow: false, font: { size: 10 } }] : []),
  ];
  return {
    data: [roof, ...markers],
    layout: {
      title: title(`Roofline${opts.name ? ` of ${opts.name}` : ''}: ${placed.length} layers against the measured peaks (${peaks.method} timing)`),
      xaxis: { type: 'log', title: title('arithmetic intensity (FLOP/byte)') },
      yaxis: { type: 'log', title: title('achieved FLOP/s') },
      annotations,
      hovermode: 'closest',
      margin: { b: skipped.length > 0 ? 110 : 80 },
    },
  };
}

/**
 * The roofline of an engine from one profiled run, in one call: roofline() with each layer's time
 * looked up by name in the profile (a PlotDataError names a layer the profile lacks).
 */
export function engineRoofline(engine: Engine, profile: readonly LayerTime[] | undefined, peaks: AdapterPeaks): PlotFigure {
  const byName = new Map(needProfile(profile, 'engineRoofline').map((t) => [t.layer, t.ms]));
  const times = engine.layers.map((l) => {
    const t = byName.get(l.name);
    if (t === undefined) throw new PlotDataError(`layer '${l.name}' of engine '${engine.graph.name}' is not in the profile; profile a context of this engine`);
    return t;
  });
  return rooflinePlot(roofline(engine, times, peaks), peaks, { name: engine.graph.name });
}

/** One engine's measurements, as compareEngines takes them. */
export interface EngineRun {
  /** How the plot calls it: 'fp32', 'int8', 'level 0', 'fused'. */
  readonly name: string;
  readonly bench?: BenchReport;
  /** ExecutionContext.lastProfile() of one run. */
  readonly profile?: readonly LayerTime[];
}

/**
 * Engines side by side. Left: the latency of each (a box of the wall-time samples, or the
 * median with whiskers to min and p90 when the report has none). Right, when profiles are given:
 * the time of one run stacked by op type, which compares engines whose layers differ (fusion
 * merges layers, int8 renames them). The title gives the speedup of each engine over the first.
 */
export function compareEngines(a: EngineRun, b: EngineRun, ...more: readonly EngineRun[]): PlotFigure {
  const runs = [a, b, ...more];
  const names = runs.map((r) => r.name);
  const data: PlotTrace[] = [];
  const benched = runs.filter((r): r is EngineRun & { bench: BenchReport } => r.bench !== undefined);
  benched.forEach((r) => {
    const s = r.bench.samples?.wallMs;
    const color = paletteColor(runs.indexOf(r));
    data.push(s && s.length > 0
      ? { type: 'box', name: r.name, y: [...s], x: s.map(() => r.name), marker: { color }, boxpoints: 'all', jitter: 0.3, pointpos: 0, showlegend: false, xaxis: 'x', yaxis: 'y' }
      : {
          type: 'bar', name: r.name, x: [r.name], y: [r.bench.wallMs.median], marker: { color }, showlegend: false, xaxis: 'x', yaxis: 'y',
          error_y: { type: 'data', symmetric: false, array: [r.bench.wallMs.p90 - r.bench.wallMs.median], arrayminus: [r.bench.wallMs.median - r.bench.wallMs.min] },
        });
  });
  const profiled = runs.filter((r) => r.profile && r.profile.length > 0);
  const ops = [...new Set(profiled.flatMap((r) => r.profile!.map((t) => t.op)))];
  ops.forEach((op, i) => {
    const y = profiled.map((r) => r.profile!.filter((t) => t.op === op).reduce((s, t) => s + t.ms, 0));
    data.push({ type: 'bar', name: op, x: profiled.map((r) => r.name), y, marker: { color: paletteColor(i + 3) }, xaxis: 'x2', yaxis: 'y2', hovertemplate: `${op}: %{y:.4g} ms<extra>%{x}</extra>` });
  });
  if (data.length === 0) throw new PlotDataError(`compareEngines(${names.map((n) => `'${n}'`).join(', ')}) was given no bench report and no profile to compare`);
  const base = benched[0];
  const speedups = base ? benched.slice(1).map((r) => `${r.name} ${(base.bench.wallMs.median / r.bench.wallMs.median).toFixed(2)}× vs ${base.name}`) : [];
  const split = benched.length > 0 && profiled.length > 0;
  return {
    data,
    layout: {
      title: title(`${names.join(' vs ')}${speedups.length > 0 ? ` (median wall time: ${speedups.join(', ')})` : ''}`),
      ...(benched.length > 0
        ? {
            xaxis: { type: 'category', domain: split ? [0, 0.42] : [0, 1], anchor: 'y' },
            yaxis: { title: title('wall time per run (ms)'), rangemode: 'tozero', anchor: 'x' },
          }
        : {}),
      ...(profiled.length > 0
        ? {
            xaxis2: { type: 'category', domain: split ? [0.55, 1] : [0, 1], anchor: 'y2' },
            yaxis2: { title: title('GPU time of one run by op (ms)'), anchor: 'x2' },
          }
        : {}),
      barmode: 'stack',
      legend: { title: title('op') },
    },
  };
}
