/**
 * The thin adapter between the pure views of this folder and a notebook: `show` sends HTML to
 * the cell's output through tslab's display (in a tslab kernel: `npm run notebook:install`), and
 * `progress` keeps one output entry that it rewrites as long work (calibration, tuning) goes on.
 * Outside a kernel, or to capture what a notebook shows (tests, an HTML export), `setDisplay`
 * sends everything to a function instead; `htmlPage` makes a standalone page of views.
 * tslab is loaded only when something is shown, so using wgrt elsewhere never loads it.
 */
import { createRequire } from 'node:module';
import { NotebookError } from '../errors.js';
import { escapeXml } from './svg.js';

/** Where shown HTML goes: `html` writes a new output entry; `entry` opens one to rewrite. */
export interface DisplaySink {
  html(html: string): void;
  /** A new entry that each call of the returned function overwrites (progress). */
  entry(): (html: string) => void;
}

let sink: DisplaySink | undefined;

/** Send what `show` and `progress` display to `s` (undefined: back to tslab). Returns the previous sink. */
export function setDisplay(s: DisplaySink | undefined): DisplaySink | undefined {
  const previous = sink;
  sink = s;
  return previous;
}

interface Tslab {
  display: { html(s: string): void };
  newDisplay(): { html(s: string): void };
}

function tslabSink(): DisplaySink {
  let t: Tslab;
  try {
    t = createRequire(import.meta.url)('tslab') as Tslab;
  } catch (e) {
    throw new NotebookError(`show(): the 'tslab' package cannot be loaded (${(e as Error).message}); run 'npm install' in the wgrt folder, or send views elsewhere with setDisplay()`);
  }
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if ((e as Error).message === 'Not ready') {
        throw new NotebookError('show(): not inside a tslab kernel (register it with `npm run notebook:install`, then pick "TypeScript" in Jupyter); outside a notebook, use setDisplay() or htmlPage()');
      }
      throw e;
    }
  };
  return {
    html: (s) => guard(() => t.display.html(s)),
    entry: () => {
      const d = guard(() => t.newDisplay());
      return (s) => d.html(s);
    },
  };
}

/** Shows views (HTML or SVG strings, e.g. graphHtml(g), plotHtml(fig, …), tableHtml(t)) in the cell's output. */
export function show(...views: string[]): void {
  (sink ?? tslabSink()).html(views.join('\n'));
}

/** What long work reports: the autotuner's { done, total, layer } or calibration's { batch, batches }. */
export type ProgressEvent = { readonly done: number; readonly total: number; readonly layer?: string } | { readonly batch: number; readonly batches?: number };

/**
 * A progress bar in the cell's output, one entry rewritten on each event: pass it as the
 * `onProgress` of long work, e.g. `calibrate(g, batches, { onProgress: progress('calibrating') })`
 * or `buildTuned(g, { tune: { onProgress: progress('tuning') } })`.
 */
export function progress(label: string): (p: ProgressEvent) => void {
  const update = (sink ?? tslabSink()).entry();
  return (p) => {
    const [done, total, note] = 'done' in p ? [p.done, p.total, p.layer] : [p.batch, p.batches, undefined];
    const pct = total ? Math.min(100, (100 * done) / total) : 0;
    update(
      `<div style="font:13px sans-serif;margin:4px 0">${escapeXml(label)}: ${done}${total ? ` / ${total}` : ''}${note ? ` · ${escapeXml(note)}` : ''}` +
        `<div style="width:320px;height:8px;background:#e5e7eb;border-radius:4px;margin-top:3px"><div style="width:${pct.toFixed(1)}%;height:8px;background:#2563eb;border-radius:4px"></div></div></div>`,
    );
  };
}

/** A standalone HTML page of views (what a notebook would show), e.g. to save with writeFileSync. */
export function htmlPage(title: string, views: readonly string[]): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeXml(title)}</title></head>\n<body style="font-family:sans-serif;margin:16px">\n<h1 style="font-size:20px">${escapeXml(title)}</h1>\n${views.join('\n')}\n</body></html>\n`;
}
