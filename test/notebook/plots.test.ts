// The notebook plot helpers: figure specs built from real values (a calibration of the
// Fashion-MNIST CNN, a tuned build, a profiled benchmark on the WebGPU adapter) carry what the
// values say, and the HTML draws them once plotly.js is loaded.
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../src/cli/inputs.js';
import { buildTuned } from '../../src/engine/engine.js';
import { roofline } from '../../src/engine/roofline.js';
import { network } from '../../src/frontend/fluent/index.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import {
  calibrationMicroscope, compareEngines, engineRoofline, latencyHistogram, layerTimes, microscope, PlotDataError, plotHtml,
  plotlyLoader, rooflinePlot, scriptSafe, sqnrBars, tacticLeaderboard, type PlotFigure, type PlotTrace,
} from '../../src/notebook/plots.js';
import { collectHistograms, tableFrom, type Collected } from '../../src/quant/calibrate.js';
import { amaxFor, CALIBRATION_METHODS, entropyBin, entropyCurve, mseBin, mseCurve } from '../../src/quant/calibrators.js';
import { imageBatches } from '../../src/quant/data.js';
import { Histogram } from '../../src/quant/histogram.js';
import { sensitivity } from '../../src/quant/sensitivity.js';
import { benchmark } from '../../src/runtime/bench.js';
import type { AdapterPeaks } from '../../src/tune/peaks.js';
import { rng } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();

const trace = (fig: PlotFigure, name: string): PlotTrace => {
  const t = fig.data.find((d) => d.name === name);
  if (!t) throw new Error(`no trace '${name}' in ${fig.data.map((d) => d.name).join(', ')}`);
  return t;
};
const numbers = (v: readonly unknown[] | undefined): number[] => (v ?? []).map((x) => (typeof x === 'number' ? x : NaN));

/** The index of the least value, the last one on ties (entropyBin's rule); nulls (infinite KL) skipped. */
function lastArgmin(ys: readonly unknown[]): number {
  let best = -1;
  ys.forEach((y, i) => {
    if (typeof y === 'number' && (best < 0 || y <= (ys[best] as number))) best = i;
  });
  return best;
}

describe('the calibration microscope on the Fashion-MNIST CNN', () => {
  let collected: Collected;
  beforeAll(async () => {
    const g = loadOnnx(new URL('../models/fashion-mnist/small_cnn.onnx', import.meta.url).pathname, { shapes: { image: [16, 1, 28, 28] } });
    const data = imageBatches(new URL('../data/fashion-mnist/calib-1000-images-idx3-ubyte.gz', import.meta.url).pathname, { batchSize: 16, input: 'image', limit: 32 });
    collected = await collectHistograms(g, data);
  }, 60_000);

  it('draws one threshold per method at exactly amaxFor, on a log count axis, and the curves the searches minimized', () => {
    // The activation with the most bins above the first candidate: a ReLU output with a tail.
    const [tensor, hist] = [...collected.histograms].find(([, h]) => h.bins > 128 && h.counts[0]! > h.counts[1]!)!;
    const fig = microscope(collected, tensor);
    expect(fig.layout.yaxis?.type).toBe('log');
    expect(fig.layout.title?.text).toContain(tensor);
    expect(numbers(trace(fig, '|x| histogram').y)).toEqual([...hist.counts]);
    const lines = (fig.layout.shapes ?? []).filter((s) => s.yref === 'y domain');
    expect(lines.map((s) => s.name)).toEqual([...CALIBRATION_METHODS]);
    for (const s of lines) {
      const want = amaxFor(s.name as (typeof CALIBRATION_METHODS)[number], hist);
      expect([s.x0, s.x1]).toEqual([want, want]);
      expect(fig.layout.annotations?.some((a) => a.text.startsWith(`${s.name} `) && a.x === want)).toBe(true);
    }
    // The KL curve's minimum (the last one, on ties) is at the entropy threshold; the MSE curve's at mse's.
    const kl = trace(fig, 'KL divergence');
    expect(kl.yaxis).toBe('y2');
    expect(fig.layout.yaxis2?.type).toBe('log');
    expect(kl.x![lastArgmin(kl.y!)]).toBe(amaxFor('entropy', hist));
    expect(kl.x![lastArgmin(kl.y!)]).toBe(hist.edge(entropyBin(hist.counts)));
    const mse = trace(fig, 'MSE');
    const ys = numbers(mse.y);
    expect(mse.x![ys.indexOf(Math.min(...ys))]).toBeCloseTo(amaxFor('mse', hist), 12);
    // Every threshold is also marked in the curves panel.
    expect((fig.layout.shapes ?? []).filter((s) => s.yref === 'y2 domain')).toHaveLength(CALIBRATION_METHODS.length);
  });

  it('the curves are the ones the searches pick from', () => {
    for (const [, h] of collected.histograms) {
      if (h.bins <= 128) continue;
      const kl = entropyCurve(h.counts);
      expect(kl).toHaveLength(h.bins - 128 + 1);
      expect(128 + lastArgmin([...kl].map((v) => (Number.isFinite(v) ? v : null)))).toBe(entropyBin(h.counts));
      const mse = mseCurve(h.counts);
      expect(mse).toHaveLength(h.bins - 128);
      expect(128 + mse.indexOf(Math.min(...mse))).toBe(mseBin(h.counts));
    }
  });

  it('a tensor that was not calibrated is a PlotDataError naming it and listing those that were', () => {
    expect(() => microscope(collected, 'nope')).toThrow(PlotDataError);
    expect(() => microscope(collected, 'nope')).toThrow(/tensor 'nope' has no histogram .*calibrated tensors: image, /);
  });

  it('SQNR bars follow the sensitivity ranking, worst on top', async () => {
    const table = tableFrom(collected, 'entropy');
    const g = collected.graph;
    const feeds = { image: readInputs(g, [], 3)['image']! };
    const report = await sensitivity(g, table, feeds);
    const fig = sqnrBars(report);
    const bars = fig.data[0]!;
    expect(bars.y).toEqual(report.layers.map((l) => l.layer));
    expect(bars.x).toEqual(report.layers.map((l) => (Number.isFinite(l.sqnrDb) ? l.sqnrDb : null)));
    expect(fig.layout.yaxis?.['autorange']).toBe('reversed');
  }, 60_000);
});

describe('the microscope of a synthetic histogram', () => {
  it('has its thresholds; a histogram with too few bins has no curves panel; one of zeros draws nothing', () => {
    const r = rng(7);
    const h = new Histogram();
    h.collect(Float64Array.from({ length: 20_000 }, () => -Math.log(1 - r()) * (r() < 0.5 ? -1 : 1)));
    const fig = calibrationMicroscope(h, { tensor: 'laplace', methods: ['entropy', 'percentile'], percentile: 99.9 });
    expect((fig.layout.shapes ?? []).filter((s) => s.yref === 'y domain').map((s) => [s.name, s.x0])).toEqual([
      ['entropy', amaxFor('entropy', h)],
      ['percentile', amaxFor('percentile', h, { percentile: 99.9 })],
    ]);
    const small = new Histogram({ bins: 64 });
    small.collect([0.5, 1, -2]);
    const few = calibrationMicroscope(small);
    expect(few.data.map((d) => d.name)).toEqual(['|x| histogram']);
    expect(few.layout.yaxis2).toBeUndefined();
    const zeros = new Histogram();
    zeros.collect([0, 0]);
    expect(calibrationMicroscope(zeros).layout.shapes?.every((s) => s.x0 === 0)).toBe(true);
  });
});

/** A tiny CNN: two convs and a dense layer, so the tuner has several candidates per layer. */
function tiny() {
  const net = network('tiny', { seed: 3 });
  const x = net.input('x', [1, 4, 8, 8]).conv2d(8, { kernel: 3, pad: 1, name: 'c1' }).relu().conv2d(8, { kernel: 3, pad: 1, name: 'c2' });
  net.output('y', x.flatten().dense(10, { name: 'fc' }));
  return net.build();
}

describe('tuning and benchmark plots on the WebGPU adapter', () => {
  it('the leaderboard\'s winner of every layer is the tactic the engine runs', async () => {
    const { engine, tuning } = await buildTuned(tiny(), { tune: { gpu: await gpu(), iterations: 1, warmup: 1, repeat: 1 } });
    const fig = tacticLeaderboard(tuning);
    expect(fig.layout.xaxis?.type).toBe('log');
    const winners = trace(fig, 'chosen');
    expect(winners.y).toHaveLength(tuning.records.size);
    for (const l of engine.layers) {
      if (!tuning.records.has(l.name)) continue;
      const label = winners.y!.find((y) => String(y).startsWith(`${l.name} │ `));
      expect(String(label).split(' │ ')[1]!.split(' ')[0], l.name).toBe(l.tactic);
    }
    // Every timed candidate is on the board once.
    const all = fig.data.flatMap((d) => d.y ?? []);
    expect(all).toHaveLength([...tuning.records.values()].reduce((s, r) => s + r.candidates.length, 0));
    expect(new Set(all).size).toBe(all.length);
  }, 120_000);

  it('latency histogram, layer times, roofline and an engine comparison from one profiled benchmark', async () => {
    const g = await gpu();
    const { engine } = await buildTuned(tiny(), { tune: { gpu: g, iterations: 1, warmup: 1, repeat: 1 } });
    const level0 = (await buildTuned(tiny(), { optimizationLevel: 0, tune: { gpu: g, iterations: 1, warmup: 1, repeat: 1 } })).engine;
    const feeds = readInputs(engine.graph, [], 1);
    const runs = [];
    for (const [name, e] of [['fused', engine], ['level 0', level0]] as const) {
      const ctx = await e.createContext({ backend: 'webgpu', profile: true });
      const bench = await benchmark(ctx, feeds, { iterations: 8, warmup: 1 });
      runs.push({ name, bench, profile: ctx.lastProfile() });
      ctx.release();
    }
    const [fused, plain] = runs as [(typeof runs)[0], (typeof runs)[0]];
    // BenchReport keeps its samples, whose stats are the report's.
    expect(fused.bench.samples?.wallMs).toHaveLength(8);
    expect(Math.min(...fused.bench.samples!.wallMs)).toBe(fused.bench.wallMs.min);

    const hist = latencyHistogram(fused.bench);
    expect(trace(hist, 'wall time').x).toEqual(fused.bench.samples!.wallMs);
    expect(hist.layout.shapes?.map((s) => s.name)).toEqual(expect.arrayContaining(['wall p50', 'wall p90', 'wall p99']));
    expect(hist.layout.shapes?.find((s) => s.name === 'wall p50')?.x0).toBe(fused.bench.wallMs.median);
    const { samples: _, ...old } = fused.bench;
    expect(latencyHistogram(old).layout.title?.text).toContain('no samples');

    if (!g.features.has('timestamp-query')) {
      expect(() => layerTimes(fused.profile)).toThrow(PlotDataError);
      return;
    }
    const profile = fused.profile!;
    const times = layerTimes(profile);
    expect(numbers(trace(times, 'time').y)).toEqual(profile.map((t) => t.ms).sort((a, b) => b - a));
    expect(numbers(trace(times, 'cumulative share').y).at(-1)).toBeCloseTo(100, 9);

    const peaks: AdapterPeaks = { flops: 2e11, bytesPerSecond: 2e10, method: 'timestamp' };
    const rows = roofline(engine, profile.map((t) => t.ms), peaks);
    const roof = rooflinePlot(rows, peaks);
    expect([roof.layout.xaxis?.type, roof.layout.yaxis?.type]).toEqual(['log', 'log']);
    // One marker per layer that has a place on log axes; the others (a Flatten: no kernel, no time) named in a note.
    const markers = roof.data.filter((d) => d.mode === 'markers');
    const placed = rows.filter((r) => r.flops > 0 && r.ms > 0);
    expect(placed.length).toBeGreaterThanOrEqual(3); // c1, c2, fc
    expect(markers.reduce((s, d) => s + (d.x?.length ?? 0), 0)).toBe(placed.length);
    expect(markers.flatMap((d) => d.x)).toEqual(placed.map((r) => r.intensity));
    const note = roof.layout.annotations?.find((a) => a.text.startsWith('not placed'));
    for (const r of rows.filter((r) => !placed.includes(r))) expect(note?.text).toContain(r.layer);
    expect(trace(roof, 'roof (measured peaks)').y).toContain(peaks.flops);
    expect(engineRoofline(engine, profile, peaks).data).toEqual(roof.data);

    const cmp = compareEngines(fused, plain);
    expect(cmp.layout.title?.text).toMatch(/^fused vs level 0 \(median wall time: level 0 [\d.]+× vs fused\)/);
    expect(cmp.data.filter((d) => d.type === 'box').map((d) => d.name)).toEqual(['fused', 'level 0']);
    const byOp = cmp.data.filter((d) => d.xaxis === 'x2');
    const total = (p: typeof profile) => p.reduce((s, t) => s + t.ms, 0);
    expect(byOp.reduce((s, d) => s + numbers(d.y)[1]!, 0)).toBeCloseTo(total(plain.profile!), 9);
  }, 180_000);
});

describe('HTML', () => {
  const fig: PlotFigure = { data: [{ type: 'bar', name: '</script><b>', x: [1], y: [2] }], layout: { title: { text: 't' } } };

  it('plotHtml: the div with the id and a script calling Plotly.newPlot with the figure, no way out of the script', () => {
    const html = plotHtml(fig, { id: 'plot-1' });
    expect(html).toContain('<div id="plot-1"');
    expect(html).toContain('Plotly.newPlot');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    // Run it against a page that has Plotly: it draws into the div at once.
    const calls: unknown[][] = [];
    const div = { textContent: 'loading' };
    const window = { Plotly: { newPlot: (...a: unknown[]) => calls.push(a) } };
    runInNewContext(script(html), { window, document: { getElementById: (id: string) => (id === 'plot-1' ? div : null) } });
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe(div);
    expect(JSON.stringify(calls[0]![1])).toBe(JSON.stringify(fig.data));
    expect(div.textContent).toBe('');
  });

  it('plotlyLoader: inlines plotly.js once, guarded by window.Plotly, and draws the plots queued before it', () => {
    const loader = plotlyLoader();
    expect(loader.length).toBeGreaterThan(1_000_000); // the bundle itself, for offline HTML
    expect(loader).toContain('if (!window.Plotly) {');
    expect(loader.match(/<\/script/gi)).toHaveLength(1);
    expect(loader.match(/<!--/g)).toBeNull();
    // A plot whose script ran first waits; a loader run where Plotly is already loaded does not
    // run the bundle again (it would throw here, with no DOM) and draws the waiting plot.
    const calls: unknown[] = [];
    const page = { window: {} as Record<string, unknown>, document: { getElementById: () => ({ textContent: '' }) } };
    runInNewContext(script(plotHtml(fig, { id: 'early' })), page);
    expect(calls).toHaveLength(0);
    page.window['Plotly'] = { newPlot: (div: unknown) => calls.push(div) };
    runInNewContext(script(loader), page);
    expect(calls).toHaveLength(1);
    expect(page.window['__wgrtPlotQueue']).toEqual([]);
  });

  it('scriptSafe keeps strings and regular expressions meaning the same', () => {
    const src = 'var s = "</script><!--x"; var r = /<\\/SCRIPT>/i; [s, r.source]';
    const out = scriptSafe(src);
    expect(out).not.toMatch(/<\/script|<!--/i);
    expect(runInNewContext(out)).toEqual(runInNewContext(src));
  });
});

/** The body of an HTML snippet's <script> element. */
function script(html: string): string {
  const m = /<script>([\s\S]*)<\/script>/.exec(html);
  if (!m) throw new Error('no script element');
  return m[1]!;
}
