/**
 * The Plotly figure spec the plot helpers return: plain JSON ({ data, layout }) that
 * `Plotly.newPlot(div, data, layout)` draws (plotly.js 4, which takes titles as `{ text }`).
 * Typed here by the few attributes the helpers and their tests read; every other Plotly
 * attribute passes through the index signatures, so no @types package is needed.
 */

export type Datum = number | string | null;

export interface PlotTrace {
  readonly type: 'bar' | 'scatter' | 'histogram' | 'box';
  readonly name?: string;
  readonly x?: readonly Datum[];
  readonly y?: readonly Datum[];
  readonly mode?: string;
  readonly text?: string | readonly string[];
  readonly xaxis?: string;
  readonly yaxis?: string;
  readonly [attribute: string]: unknown;
}

export interface PlotAxis {
  readonly type?: 'linear' | 'log' | 'category';
  readonly title?: { readonly text: string };
  readonly domain?: readonly [number, number];
  readonly [attribute: string]: unknown;
}

/** A line or rectangle in the layout; `name` says what it marks (a method's threshold, a percentile). */
export interface PlotShape {
  readonly type: 'line' | 'rect';
  readonly name?: string;
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly xref: string;
  readonly yref: string;
  readonly [attribute: string]: unknown;
}

export interface PlotAnnotation {
  readonly text: string;
  readonly [attribute: string]: unknown;
}

export interface PlotLayout {
  readonly title?: { readonly text: string };
  readonly xaxis?: PlotAxis;
  readonly yaxis?: PlotAxis;
  readonly xaxis2?: PlotAxis;
  readonly yaxis2?: PlotAxis;
  readonly yaxis3?: PlotAxis;
  readonly shapes?: readonly PlotShape[];
  readonly annotations?: readonly PlotAnnotation[];
  readonly [attribute: string]: unknown;
}

export interface PlotFigure {
  readonly data: readonly PlotTrace[];
  readonly layout: PlotLayout;
}

export { PlotDataError } from '../errors.js';

/** Colors of the calibration methods, the same in every plot. */
export const METHOD_COLORS: Readonly<Record<string, string>> = {
  minmax: '#7f7f7f',
  entropy: '#d62728',
  percentile: '#2ca02c',
  mse: '#9467bd',
};

/** A qualitative palette (Plotly's default), for traces with no fixed meaning. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

export function paletteColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** Plotly draws no Infinity or NaN (JSON turns them into null anyway): they become gaps. */
export function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export function title(text: string): { text: string } {
  return { text };
}

/** A vertical line across one panel (its y axis's domain), at data x. */
export function vline(x: number, opts: { name: string; color: string; yaxis?: string; xaxis?: string; dash?: string }): PlotShape {
  return {
    type: 'line', name: opts.name, x0: x, x1: x, y0: 0, y1: 1,
    xref: opts.xaxis ?? 'x', yref: `${opts.yaxis ?? 'y'} domain`,
    line: { color: opts.color, width: 2, dash: opts.dash ?? 'solid' },
  };
}

/** A number with 3 significant digits and an SI prefix: 1.23 G, 456 k, 7.89 m. */
export function si(v: number, unit = ''): string {
  if (v === 0 || !Number.isFinite(v)) return `${v} ${unit}`.trim();
  const prefixes = ['p', 'n', 'µ', 'm', '', 'k', 'M', 'G', 'T', 'P'];
  const e = Math.max(-4, Math.min(5, Math.floor(Math.log10(Math.abs(v)) / 3)));
  return `${(v / 1000 ** e).toPrecision(3)} ${prefixes[e + 4]}${unit}`.trim();
}

/** Milliseconds with 3 significant digits, whole numbers from 1000 on (1234 ms, not 1.23e+3 ms). */
export function ms(v: number): string {
  return `${Math.abs(v) >= 1000 ? Math.round(v) : v.toPrecision(3)} ms`;
}
