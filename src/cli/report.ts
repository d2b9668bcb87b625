/**
 * `wgrt report <engine|net> --html out.html`: one self-contained HTML page about an engine,
 * viewable offline (plotly inlined once): the graph view, the layer table, the lint findings
 * (src/engine/lint.ts), the tactic leaderboard (timing records of the engine's layers), and the
 * profile plots of a benchmark on this WebGPU adapter (latency, time per layer, roofline).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import type { Engine } from '../engine/engine.js';
import { lintEngine, type LintFinding } from '../engine/lint.js';
import { layerInfo } from '../ir/layer.js';
import { layerSignature } from '../ir/hash.js';
import { graphHtml } from '../notebook/graph-view.js';
import { htmlPage } from '../notebook/display.js';
import { engineRoofline, latencyHistogram, layerTimes, plotHtml, plotlyLoader, tacticLeaderboard } from '../notebook/plots.js';
import { escapeXml } from '../notebook/svg.js';
import { layerTable, tableHtml } from '../notebook/tables.js';
import { benchmark } from '../runtime/bench.js';
import { requireGpu } from '../runtime/device.js';
import { medianProfile } from '../runtime/perf.js';
import { adapterFingerprint, TimingCache, type TimingRecord } from '../tune/cache.js';
import { measurePeaks } from '../tune/peaks.js';
import { BUILD_ARGS, BUILD_ARGS_HELP, engineFromArgs, type BuildArgValues } from './build-args.js';
import type { CliCommand, FlagValues } from './command.js';
import { readInputs } from './inputs.js';
import { CliError } from './load.js';
import { bytes } from './table.js';

const HELP = `wgrt report <engine.wgrt|net> --html <out.html> [build options] [--iterations N]

Writes one self-contained HTML page about the engine (a network is built with the build options
first), viewable offline:
  - the graph view of the engine's layers (scroll and zoom) and the layer table
  - the lint findings of 'wgrt inspect --lint': patterns that cost speed and what to change
  - the tactic leaderboard: every candidate timed for each layer, from the records of
    --timing-cache FILE that match the engine's layers, or from tuning now (--tune)
  - a benchmark on this WebGPU adapter: the latency histogram of --iterations runs (default 20),
    the GPU time per layer (median of up to 10 profiled runs) and the roofline of the layers
    against the adapter's measured peaks (needs timestamp-query)

${BUILD_ARGS_HELP}`;

/** Peak measurement sized for a page made in seconds, even on a software GPU (notebooks/07). */
const PEAKS = { fmaThreads: 1 << 16, fmaRounds: 64, copyBytes: 16 << 20, iterations: 3, warmup: 1, repeat: 2 };
const PROFILE_RUNS = 10;

/** The timing records of `cache` that answer for the engine's layers on `adapter`, by layer name. */
export function engineRecords(engine: Engine, cache: TimingCache, adapter: string): Map<string, TimingRecord> {
  const nodes = new Map(engine.graph.nodes.map((n) => [n.name, n]));
  const mine = cache.entries().filter((r) => r.adapter === adapter);
  const out = new Map<string, TimingRecord>();
  for (const l of engine.layers) {
    const sig = layerSignature(layerInfo(engine.graph, nodes.get(l.name)!));
    // A record timed among fewer tactics or at a precision has a suffix after the signature.
    const r = mine.find((x) => x.signature === sig && x.tactic === l.tactic) ?? mine.find((x) => x.signature.startsWith(`${sig} `) && x.tactic === l.tactic);
    if (r) out.set(l.name, r);
  }
  return out;
}

function lintHtml(findings: readonly LintFinding[]): string {
  if (!findings.length) return '<p>No patterns that cost speed were found.</p>';
  const t = tableFromArrays({
    rule: findings.map((f) => f.rule),
    layers: findings.map((f) => f.layers.join(', ')),
    finding: findings.map((f) => f.message),
    fix: findings.map((f) => f.fix),
  });
  return tableHtml(t, { maxRows: findings.length });
}

const section = (title: string, ...body: string[]) => `<section><h2>${escapeXml(title)}</h2>\n${body.join('\n')}\n</section>`;
const note = (text: string) => `<p class="wgrt-note">${escapeXml(text)}</p>`;

const STYLE = `<style>
body { max-width: 1400px; color: #222; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.wgrt-table { border-collapse: collapse; font-size: 12px; }
.wgrt-table th, .wgrt-table td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
.wgrt-table th { background: #f3f4f6; }
.wgrt-note { color: #555; font-style: italic; }
.wgrt-plot { min-height: 420px; }
</style>`;

async function run(positionals: readonly string[], v: FlagValues): Promise<number> {
  const target = positionals[0];
  const out = v.html as string | undefined;
  if (!target || !out) throw new CliError(`usage: ${HELP.split('\n')[0]}`);
  if (!out.endsWith('.html')) throw new CliError(`--html '${out}': the report is an HTML page; give a file name ending in .html`);
  const iterations = Number(v.iterations ?? 20);
  if (!Number.isInteger(iterations) || iterations < 1) throw new CliError(`--iterations takes a positive integer, not '${String(v.iterations)}'`);
  const args = { ...(v as BuildArgValues) };
  // An engine file is used as built: its --timing-cache only feeds the leaderboard. --tune alone
  // keeps its records in a scratch cache file, read back for the leaderboard.
  let cacheFile = args['timing-cache'];
  let scratch: string | undefined;
  if (target.endsWith('.wgrt')) delete args['timing-cache'];
  else if (args.tune && !cacheFile) {
    scratch = mkdtempSync(join(tmpdir(), 'wgrt-report-'));
    cacheFile = args['timing-cache'] = join(scratch, 'timing.json');
  }
  if (cacheFile && target.endsWith('.wgrt') && !existsSync(cacheFile)) throw new CliError(`--timing-cache '${cacheFile}' does not exist; give the cache the engine was tuned with, or leave it out`);
  try {
    const { engine, network } = await engineFromArgs(target, args);
    const gpu = await requireGpu();
    const name = engine.graph.name;
    const records = cacheFile && existsSync(cacheFile) ? engineRecords(engine, TimingCache.load(cacheFile), adapterFingerprint(engine.adapter ?? gpu.adapter)) : new Map<string, TimingRecord>();

    const feeds = readInputs(engine.graph, [], 1);
    const ctx = await engine.createContext({ backend: 'webgpu', profile: 'total' });
    const bench = await benchmark(ctx, feeds, { iterations, warmup: 3 });
    ctx.release();
    const pctx = await engine.createContext({ backend: 'webgpu', profile: true });
    const profile = await medianProfile(pctx, feeds, Math.min(iterations, PROFILE_RUNS));
    pctx.release();
    const peaks = profile ? await measurePeaks(gpu, PEAKS) : undefined;
    const findings = lintEngine(engine);

    const adapter = `${gpu.adapter.vendor} ${gpu.adapter.description || gpu.adapter.architecture}`.trim();
    const median = (s: { median: number } | undefined) => (s ? `${s.median.toFixed(3)} ms` : 'not measured');
    const views = [
      STYLE,
      plotlyLoader(),
      `<p>${engine.layers.length} layers standing for ${engine.sourceNodes} source nodes; activations ${bytes(engine.memory.peakBytes)} planned. ` +
        `Measured on ${escapeXml(adapter)}: median wall time ${median(bench.wallMs)}, GPU time ${median(bench.gpuMs)} over ${iterations} runs.</p>`,
      section('Graph', graphHtml(engine, { ...(network ? { source: network } : {}), height: 560 })),
      section(`Layers (${engine.layers.length})`, tableHtml(layerTable(engine), { maxRows: engine.layers.length })),
      section(`Lint (${findings.length} finding${findings.length === 1 ? '' : 's'})`, lintHtml(findings)),
      section('Tactic leaderboard', records.size
        ? plotHtml(tacticLeaderboard({ records }), { id: 'report-leaderboard' })
        : note(`No timing records for this engine's layers: the leaderboard needs --timing-cache FILE (the cache it was tuned with) or --tune.`)),
      section('Latency', plotHtml(latencyHistogram(bench, { name }), { id: 'report-latency' })),
      ...(profile && peaks
        ? [
            section('Time per layer', plotHtml(layerTimes(profile.layers, { name }), { id: 'report-layers' })),
            section('Roofline', plotHtml(engineRoofline(engine, profile.layers, peaks), { id: 'report-roofline' })),
          ]
        : [section('Profile', note(`No per-layer profile: the adapter (${adapter}) has no timestamp-query.`))]),
    ];
    const html = htmlPage(`wgrt report: ${name}`, views);
    writeFileSync(out, html);
    console.log(`report of '${name}': ${engine.layers.length} layers, ${findings.length} lint finding${findings.length === 1 ? '' : 's'}, ${records.size} layers with timing records, ${iterations} runs -> ${out} (${bytes(Buffer.byteLength(html))})`);
    return 0;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

export const report: CliCommand = {
  summary: 'an HTML page: graph, layers, lint, tactics, profile plots',
  help: HELP,
  options: { ...BUILD_ARGS, html: { type: 'string' }, iterations: { type: 'string' } },
  run,
};
