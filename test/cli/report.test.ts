// `wgrt report` (src/cli/report.ts): the page of the demo network, opened in headless Chromium as
// test/notebook/notebooks.test.ts does: every plot and the graph view drew, no script errors, one
// table row per engine layer, the lint findings of `inspect --lint`. Needs Chromium (Debian:
// chromium); skipped without it, except in CI. A screenshot goes next to the page, in a temporary folder.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { lintEngine } from '../../src/engine/lint.js';
import { TimingCache } from '../../src/tune/cache.js';
import { chromiumPath, renderPage } from '../helpers/browser.js';
import { cli } from '../helpers/cli.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();
const dir = mkdtempSync(join(tmpdir(), 'wgrt-report-'));

describe.skipIf(!chromiumPath && !process.env['CI'])('wgrt report', () => {
  it('writes one offline page for the demo network: graph, a row per layer, lint, leaderboard, latency, layer times, roofline', async () => {
    const [engineFile, cacheFile, html] = ['demo.wgrt', 'timing.json', 'report.html'].map((f) => join(dir, f)) as [string, string, string];
    expect((await cli('build', 'demo', '-o', engineFile, '--timing-cache', cacheFile, '--tune-iterations', '1')).code).toBe(0);
    const r = await cli('report', engineFile, '--timing-cache', cacheFile, '--html', html, '--iterations', '5');
    expect(r.code).toBe(0);
    const engine = Engine.deserialize(new Uint8Array(readFileSync(engineFile)));
    const records = TimingCache.load(cacheFile).size;
    expect(r.out).toMatch(new RegExp(`report of 'demo-cnn': ${engine.layers.length} layers, 1 lint finding, [1-9]\\d* layers with timing records`));
    expect(records).toBeGreaterThan(0);
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script[^>]+src=/); // self-contained: nothing loaded from elsewhere

    const page = await renderPage(html, { screenshot: join(dir, 'report.png') });
    expect(page.errors).toEqual([]);
    expect(page.plots.map((p) => p.id).sort()).toEqual(['report-latency', 'report-layers', 'report-leaderboard', 'report-roofline']);
    for (const p of page.plots) expect(p.drawn, `plot '${p.id}' did not draw (${p.text})`).toBe(true);
    expect(page.views).toEqual([true]);
    const [layers, lint] = page.tables as [string[], string[]];
    expect(layers.length).toBe(engine.layers.length);
    engine.layers.forEach((l, i) => expect(layers[i]).toContain(l.name));
    expect(lint).toEqual(lintEngine(engine).map((f) => expect.stringContaining(f.layers.join(', '))));
  }, 300_000);

  it('says so on the page when there are no timing records; rejects a missing --html or a cache for nothing', async () => {
    const html = join(dir, 'plain.html');
    expect((await cli('report', 'demo', '--html', html, '--iterations', '2', '--level', '0')).code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('No timing records for this engine');
    expect(text).not.toContain('id="report-leaderboard"');
    const page = await renderPage(html);
    expect(page.errors).toEqual([]);
    for (const p of page.plots) expect(p.drawn, `plot '${p.id}' did not draw (${p.text})`).toBe(true);
    expect(page.tables[0]!.length).toBe(23); // level 0: one layer per source node of the demo network
    await expect(cli('report', 'demo')).rejects.toThrow(/usage: wgrt report/);
    await expect(cli('report', 'demo', '--html', join(dir, 'x.pdf'))).rejects.toThrow(/ending in .html/);
    await expect(cli('report', join(dir, 'any.wgrt'), '--html', html, '--timing-cache', join(dir, 'none.json'))).rejects.toThrow(/--timing-cache '.*none.json' does not exist/);
  }, 300_000);
});
