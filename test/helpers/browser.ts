// Opens a wgrt HTML page (a notebook's export, a report) in headless Chromium (playwright-core)
// and says what drew: every Plotly plot's SVG, every graph view's SVG, the tables' rows, error
// output and script errors. Chromium: Debian's `chromium` (scripts/setup.sh installs it).
import { spawnSync } from 'node:child_process';

// What the page code below reads (the tests compile without the DOM library).
interface PageEl { id: string; textContent: string | null; querySelector(s: string): PageEl | null; querySelectorAll(s: string): Iterable<PageEl> }
declare const document: { querySelectorAll(s: string): Iterable<PageEl> };

export const chromiumPath: string | undefined =
  spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser || command -v google-chrome'], { encoding: 'utf8' }).stdout.trim().split('\n')[0] || undefined;

export interface RenderedPage {
  readonly errors: string[];
  readonly plots: { id: string; drawn: boolean; text: string }[];
  readonly views: boolean[];
  /** The rows' text of each table.wgrt-table. */
  readonly tables: string[][];
  /** Error output of notebook cells. */
  readonly errorText: string[];
}

/** Renders `file`, waits for the plots (up to a minute), and saves a full-page screenshot when asked. */
export async function renderPage(file: string, opts: { screenshot?: string; css?: string } = {}): Promise<RenderedPage> {
  if (!chromiumPath) throw new Error('rendering a page needs chromium (Debian: apt-get install chromium; scripts/setup.sh does it)');
  const { chromium } = await import('playwright-core');
  const b = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    const page = await b.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    // Plotly draws asynchronously: wait until every plot has its SVG (or time out and report).
    await page.waitForFunction(() => [...document.querySelectorAll('.wgrt-plot')].every((d) => d.querySelector('svg.main-svg')), undefined, { timeout: 60_000 }).catch(() => undefined);
    const seen = await page.evaluate(() => ({
      plots: [...document.querySelectorAll('.wgrt-plot')].map((d) => ({ id: d.id, drawn: !!d.querySelector('svg.main-svg'), text: (d.textContent ?? '').slice(0, 200) })),
      views: [...document.querySelectorAll('.wgrt-view')].map((d) => !!d.querySelector('svg')),
      tables: [...document.querySelectorAll('table.wgrt-table')].map((t) => [...t.querySelectorAll('tbody tr')].map((r) => r.textContent ?? '')),
      errorText: [...document.querySelectorAll('.output_error, .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')].map((e) => (e.textContent ?? '').slice(0, 300)),
    }));
    if (opts.css) await page.addStyleTag({ content: opts.css });
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
    return { errors, ...seen };
  } finally {
    await b.close();
  }
}
