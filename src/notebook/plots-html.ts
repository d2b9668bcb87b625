/**
 * Figures as HTML for a notebook output: `plotlyLoader()` once per notebook (one <script> with
 * the whole minified plotly.js inline, so a notebook exported to HTML draws its plots offline),
 * then `plotHtml(figure, { id })` per plot (a <div> and a short script that calls
 * Plotly.newPlot). Jupyter Notebook and JupyterLab run the scripts of HTML outputs of trusted
 * notebooks, all in one page, so window.Plotly set by the loader serves every later output; a
 * plot whose script runs before the loader (cells run out of order) waits in a queue the loader
 * drains.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { WgrtError } from '../errors.js';
import type { PlotFigure } from './plots-figure.js';

/** The global the plot scripts queue their draw functions on until Plotly is there. */
const QUEUE = '__wgrtPlotQueue';
const PACKAGE = 'plotly.js-dist-min';

/**
 * Text made safe inside an inline <script>: `</script` would end the element, and `<!--`
 * (with a later `<script`) would change how the HTML parser reads the rest. Both only occur
 * inside string and regex literals, where `<\/` and `\x21` mean the same characters.
 */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\x21--');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** JSON inside a script: `<` escaped, so no name in the data (a layer, a tensor) can close the element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface PlotHtmlOptions {
  /** The id of the plot's <div>: unique in the notebook (a second plot with the same id redraws the first). */
  readonly id: string;
  /** Passed to Plotly.newPlot as its config (default: responsive, no Plotly logo). */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** A <div> and a <script> that draws `figure` into it with Plotly.newPlot once plotly.js is loaded. */
export function plotHtml(figure: PlotFigure, opts: PlotHtmlOptions): string {
  const config = opts.config ?? { responsive: true, displaylogo: false };
  const id = scriptJson(opts.id);
  return [
    `<div id="${attr(opts.id)}" class="wgrt-plot">plotly.js is not loaded yet: display plotlyLoader() once in this notebook.</div>`,
    '<script>(function () {',
    `  var id = ${id}, figure = ${scriptJson({ data: figure.data, layout: figure.layout })}, config = ${scriptJson(config)};`,
    '  function draw() {',
    '    var div = document.getElementById(id);',
    '    if (!div) return;',
    "    div.textContent = '';",
    '    window.Plotly.newPlot(div, figure.data, figure.layout, config);',
    '  }',
    `  if (window.Plotly) draw(); else (window.${QUEUE} = window.${QUEUE} || []).push(draw);`,
    '})();</script>',
  ].join('\n');
}

let bundle: string | undefined;

/** The minified plotly.js of the installed plotly.js-dist-min, read once per process. */
export function plotlyBundle(): string {
  if (bundle === undefined) {
    let path: string;
    try {
      path = createRequire(import.meta.url).resolve(PACKAGE);
    } catch {
      throw new WgrtError(`the npm package ${PACKAGE} is not installed, so plots cannot be drawn; run npm install ${PACKAGE}`);
    }
    bundle = readFileSync(path, 'utf8');
  }
  return bundle;
}

/**
 * One <script> that loads plotly.js into the page unless window.Plotly is already there (a
 * second loader, a re-run cell), then draws the plots that were waiting for it. The bundle runs
 * with `module`, `exports` and `define` shadowed, so that under a page's CommonJS or AMD loader
 * (classic Notebook's require.js) it still sets window.Plotly. About 5 MB: display it once.
 */
export function plotlyLoader(): string {
  return [
    '<script>',
    'if (!window.Plotly) {',
    '(function (module, exports, define) {',
    scriptSafe(plotlyBundle()),
    '}).call(window);',
    '}',
    `(function () { var q = window.${QUEUE} || []; window.${QUEUE} = []; for (var i = 0; i < q.length; i++) q[i](); })();`,
    '</script>',
  ].join('\n');
}
