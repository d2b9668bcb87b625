// Every notebook in notebooks/ executed with the real tslab kernel (jupyter nbconvert --execute:
// any cell error fails), exported to HTML, and that HTML opened in headless Chromium: every graph
// view and every plot must have drawn its SVG, with no error text. Screenshots and the HTML go to
// notebooks/out/ (ignored by git) for a person to look at.
// Needs Jupyter (Debian: jupyter-nbconvert, python3-ipykernel) and Chromium (Debian: chromium),
// which scripts/setup.sh installs on Debian 12 as root; elsewhere the test is skipped, except in CI.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, renderPage } from '../helpers/browser.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NOTEBOOKS = join(ROOT, 'notebooks');
const OUT = join(NOTEBOOKS, 'out');
// Long commands run asynchronously: a blocked worker misses vitest's own messages and fails the run.
const run = promisify(execFile);
const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || undefined;
const jupyter = which('jupyter');
const names = readdirSync(NOTEBOOKS).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
const ready = !!jupyter && !!chromiumPath;

describe.skipIf(!ready && !process.env['CI'])('notebooks: executed with tslab, rendered in Chromium', () => {
  let kernels = '';
  beforeAll(async () => {
    if (!ready) throw new Error(`notebook tests need jupyter (${jupyter ?? 'missing'}) and chromium (${chromiumPath ?? 'missing'}): run scripts/setup.sh as root on Debian 12`);
    // The kernel is registered in a private prefix, and the notebooks import ../dist: build it fresh.
    kernels = mkdtempSync(join(tmpdir(), 'wgrt-kernels-'));
    await run('bash', [join(ROOT, 'scripts/notebook-install.sh'), '--prefix', kernels], { cwd: ROOT });
    await run('node', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT });
    mkdirSync(OUT, { recursive: true });
  }, 300_000);
  afterAll(() => void (kernels && rmSync(kernels, { recursive: true, force: true })));

  it('there are notebooks, numbered', () => expect(names.length).toBeGreaterThan(0));

  // tslab reports a type error in a cell as a bare '<Error>'; strict tsc over all code cells names it.
  it('every notebook\'s code typechecks (strict), before any is executed', async () => {
    const files = names.map((name) => {
      const cells = (JSON.parse(readFileSync(join(NOTEBOOKS, name), 'utf8')) as { cells: { cell_type: string; source: string[] }[] }).cells;
      const file = join(NOTEBOOKS, `.typecheck-${name.replace(/\.ipynb$/, '')}.ts`);
      writeFileSync(file, `${cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join('')).join('\n')}\nexport {};\n`);
      return file;
    });
    const flags = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node'];
    try {
      const failure = await run('node', [join(ROOT, 'node_modules/typescript/bin/tsc'), ...flags, ...files], { cwd: NOTEBOOKS }).then(() => '', (e: { stdout?: string; message: string }) => e.stdout || e.message);
      expect(failure).toBe('');
    } finally {
      for (const f of files) rmSync(f, { force: true });
    }
  }, 120_000);

  for (const name of names) {
    it(name, async () => {
      const failure = await run(jupyter!, ['nbconvert', '--to', 'html', '--execute', '--ExecutePreprocessor.timeout=600', '--output-dir', OUT, join(NOTEBOOKS, name)], {
        cwd: NOTEBOOKS,
        env: { ...process.env, JUPYTER_PATH: join(kernels, 'share/jupyter'), XDG_RUNTIME_DIR: process.env['XDG_RUNTIME_DIR'] ?? '/tmp' },
        maxBuffer: 64 << 20,
      }).then(() => '', (e: { stderr?: string; message: string }) => e.stderr || e.message);
      // nbconvert prints the failing cell and the kernel's error on stderr.
      expect(failure.slice(-4000), `${name} failed to execute`).toBe('');

      // Debian's nbconvert loads its local MathJax with the 'Safe' extension, which Debian lacks:
      // MathJax's "Loading …" message would stay over the page. The notebooks use no math.
      const seen = await renderPage(join(OUT, name.replace(/\.ipynb$/, '.html')), {
        screenshot: join(OUT, name.replace(/\.ipynb$/, '.png')), css: '#MathJax_Message { display: none !important; }',
      });
      expect(seen.errors, `${name}: script errors in the page`).toEqual([]);
      expect(seen.errorText, `${name}: error output in the notebook`).toEqual([]);
      for (const p of seen.plots) expect(p.drawn, `${name}: plot '${p.id}' did not draw (${p.text})`).toBe(true);
      expect(seen.views.every((v) => v), `${name}: a graph view has no SVG`).toBe(true);
    }, 900_000);
  }
});
