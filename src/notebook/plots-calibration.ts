/**
 * The calibration microscope: one tensor's |x| histogram with every method's threshold on it,
 * and below it the curves the entropy and MSE searches minimized; and the per-layer SQNR bars
 * of the sensitivity analysis. Thresholds come from amaxFor and curves from entropyCurve and
 * mseCurve (src/quant/calibrators.ts), the functions calibration itself uses, so what the plot
 * shows is what the table holds.
 *
 *   display.html(plotHtml(microscope(await collectHistograms(g, batches), 'conv1_out'), { id: 'm1' }));
 */
import type { Collected } from '../quant/calibrate.js';
import {
  amaxFor, CALIBRATION_METHODS, DEFAULT_START_BIN, entropyCurve, mseCurve,
  type AmaxOptions, type CalibrationMethod,
} from '../quant/calibrators.js';
import type { Histogram } from '../quant/histogram.js';
import type { SensitivityReport } from '../quant/sensitivity.js';
import {
  finiteOrNull, METHOD_COLORS, PlotDataError, si, title, vline,
  type PlotAnnotation, type PlotFigure, type PlotShape, type PlotTrace,
} from './plots-figure.js';

export interface MicroscopeOptions extends AmaxOptions {
  /** The tensor's name, for the title. */
  readonly tensor?: string;
  /** The methods whose thresholds are drawn (default: all four). */
  readonly methods?: readonly CalibrationMethod[];
  /** Draw the KL and MSE panel (default true; the entropy search is O(bins^2), so off is faster). */
  readonly curves?: boolean;
}

/** The histogram panel takes the top, the curves panel the bottom of the figure. */
const HIST_DOMAIN: [number, number] = [0.42, 1];
const CURVE_DOMAIN: [number, number] = [0, 0.3];

/** Every method's threshold for one histogram, in the order of `methods`. */
export function thresholds(hist: Histogram, opts: MicroscopeOptions = {}): { method: CalibrationMethod; amax: number }[] {
  return (opts.methods ?? CALIBRATION_METHODS).map((method) => ({ method, amax: amaxFor(method, hist, opts) }));
}

/**
 * One tensor's calibration at a glance: bin counts on a log axis (ReLU zeros and long tails both
 * visible), a labelled vertical line at each method's amax, and (when the histogram has more
 * bins than the first candidate) the KL divergence and the MSE over every candidate threshold,
 * on the same |x| axis, with each search's pick marked.
 */
export function calibrationMicroscope(hist: Histogram, opts: MicroscopeOptions = {}): PlotFigure {
  const w = hist.width;
  const counts = [...hist.counts];
  const data: PlotTrace[] = [{
    type: 'bar', name: '|x| histogram', x: counts.map((_, k) => (k + 0.5) * w), y: counts,
    width: w, marker: { color: '#1f77b4', line: { width: 0 } }, xaxis: 'x', yaxis: 'y',
    hovertemplate: '|x| ≈ %{x:.4g}<br>%{y} values<extra></extra>',
  }];
  const shapes: PlotShape[] = [];
  const annotations: PlotAnnotation[] = [];
  const found = thresholds(hist, opts);
  const showCurves = (opts.curves ?? true) && hist.bins > (opts.startBin ?? DEFAULT_START_BIN);
  found.forEach(({ method, amax }, i) => {
    const color = METHOD_COLORS[method] ?? '#000';
    shapes.push({ ...vline(amax, { name: method, color }), layer: 'below' }); // under the bars: a threshold at a spike leaves the spike visible
    if (showCurves) shapes.push(vline(amax, { name: `${method} (curves)`, color, xaxis: 'x2', yaxis: 'y2', dash: 'dot' }));
    annotations.push({
      text: `${method} ${amax.toPrecision(4)}`, x: amax, y: 1 - 0.09 * i, xref: 'x', yref: 'y domain',
      xanchor: 'left', yanchor: 'top', showarrow: false, font: { color, size: 11 }, bgcolor: 'rgba(255,255,255,0.7)',
    });
  });
  if (showCurves) data.push(...searchCurves(hist, opts.startBin ?? DEFAULT_START_BIN));
  const what = opts.tensor ? `'${opts.tensor}'` : 'tensor';
  const range = hist.total > 0 ? `, |x| ≤ ${hist.maxAbs.toPrecision(4)}` : ', no values';
  const xRange = hist.bins > 0 ? [0, hist.edge(hist.bins)] : undefined;
  return {
    data,
    layout: {
      title: title(`Calibration of ${what}: ${si(hist.total)} values in ${hist.bins} bins${range}`),
      xaxis: { title: title('|x|'), domain: [0, 0.92], anchor: 'y', ...(xRange ? { range: xRange } : {}) },
      yaxis: { type: 'log', title: title('count'), domain: HIST_DOMAIN, anchor: 'x' },
      ...(showCurves
        ? {
            xaxis2: { title: title('candidate threshold (|x|)'), domain: [0, 0.92], anchor: 'y2', matches: 'x' },
            yaxis2: { type: 'log', exponentformat: 'power', dtick: 1, title: title('KL divergence'), domain: CURVE_DOMAIN, anchor: 'x2', color: METHOD_COLORS['entropy'] },
            yaxis3: { type: 'log', exponentformat: 'power', dtick: 1, title: title('MSE'), overlaying: 'y2', side: 'right', anchor: 'x2', color: METHOD_COLORS['mse'] },
          }
        : {}),
      shapes,
      annotations,
      bargap: 0,
      height: showCurves ? 620 : 420,
      legend: { orientation: 'h', y: HIST_DOMAIN[0] - 0.04, yanchor: 'top' },
      hovermode: 'closest',
    },
  };
}

/**
 * The KL divergence at each candidate edge and the MSE at each candidate bin center, in |x|
 * units. The MSE curve is rescaled from the calibrator's bin-width units to a mean squared error
 * of one value (a constant factor: its minimum stays where mseBin found it).
 */
function searchCurves(hist: Histogram, startBin: number): PlotTrace[] {
  const w = hist.width;
  const kl = entropyCurve(hist.counts, startBin);
  const mse = mseCurve(hist.counts, startBin);
  const toValueMse = (hist.bins * w * w) / Math.max(hist.total, 1);
  const curve = (name: string, method: CalibrationMethod, xs: number[], ys: number[], yaxis: string): PlotTrace => ({
    type: 'scatter', mode: 'lines', name, x: xs, y: ys.map(finiteOrNull), xaxis: 'x2', yaxis,
    line: { color: METHOD_COLORS[method], width: 1.5 },
    hovertemplate: `threshold %{x:.4g}<br>${name} %{y:.4g}<extra></extra>`,
  });
  return [
    curve('KL divergence', 'entropy', [...kl].map((_, j) => hist.edge(startBin + j)), [...kl], 'y2'),
    curve('MSE', 'mse', [...mse].map((_, j) => (startBin + j + 0.5) * w), [...mse].map((e) => e * toValueMse), 'y3'),
  ];
}

/**
 * The microscope of one tensor of a calibration run (collectHistograms' result): the one call a
 * notebook makes. A tensor that was not calibrated is a PlotDataError listing those that were.
 */
export function microscope(collected: Collected, tensor: string, opts: Omit<MicroscopeOptions, 'tensor'> = {}): PlotFigure {
  const hist = collected.histograms.get(tensor);
  if (!hist) {
    const names = [...collected.histograms.keys()];
    const shown = names.slice(0, 12).join(', ') + (names.length > 12 ? `, … (${names.length} in all)` : '');
    throw new PlotDataError(`tensor '${tensor}' has no histogram in this calibration of '${collected.graph.name}'; calibrated tensors: ${shown}`);
  }
  const fig = calibrationMicroscope(hist, { ...opts, tensor });
  const text = `${fig.layout.title?.text ?? ''} (${collected.batches} batch${collected.batches === 1 ? '' : 'es'})`;
  return { data: fig.data, layout: { ...fig.layout, title: title(text) } };
}

/**
 * Per-layer SQNR of the sensitivity analysis as horizontal bars, worst (most hurt by INT8) on
 * top, in the report's order. A layer INT8 reproduces exactly (SQNR Infinity) gets no bar, only
 * its label.
 */
export function sqnrBars(report: SensitivityReport): PlotFigure {
  const layers = report.layers;
  const labels = layers.map((l) => (Number.isFinite(l.sqnrDb) ? `${l.sqnrDb.toFixed(1)} dB` : 'exact'));
  const hover = layers.map((l, i) => {
    const metric = l.metric === undefined ? '' : `<br>metric ${l.metric.toPrecision(4)}${report.baseline === undefined ? '' : ` (float ${report.baseline.toPrecision(4)})`}`;
    return `${l.layer} (${l.op})<br>SQNR ${labels[i]}<br>cosine ${l.cosine.toFixed(5)}${metric}`;
  });
  return {
    data: [{
      type: 'bar', orientation: 'h', name: 'SQNR', x: layers.map((l) => finiteOrNull(l.sqnrDb)), y: layers.map((l) => l.layer),
      text: labels, textposition: 'auto', hovertext: hover, hoverinfo: 'text', marker: { color: METHOD_COLORS['entropy'] },
    }],
    layout: {
      title: title(`INT8 sensitivity: output SQNR with only that layer in INT8${report.baseline === undefined ? '' : `, ranked by the metric (float ${report.baseline.toPrecision(4)})`}`),
      xaxis: { title: title('SQNR (dB), higher is better') },
      yaxis: { type: 'category', autorange: 'reversed', automargin: true },
      height: 160 + 24 * layers.length,
      margin: { l: 10 },
    },
  };
}
