// Per-layer GPU time of one model (median over runs, one timestamped pass per layer) and the
// roofline table: each layer's achieved TFLOP/s and GB/s against the adapter's measured peaks
// (src/tune/peaks.ts), the slowest layers, the time per tactic and the share in GEMM/conv kernels.
//   npx tsx test/bench/profile.ts [model.onnx|demo] [--level N] [--tune [--cache timing.json]] [--iterations 10] [--top 15] [--json out.json]
// --cache reads a timing cache (e.g. written by tune.ts --cache) so that --tune times only what it lacks.
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { percentile } from '../../src/runtime/bench.js';
import { readInputs } from '../../src/cli/inputs.js';
import { table } from '../../src/cli/table.js';
import { build, buildTuned } from '../../src/engine/engine.js';
import { roofline } from '../../src/engine/roofline.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { isMatrixOp } from '../../src/ir/cost.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { TimingCache } from '../../src/tune/cache.js';
import { measurePeaks } from '../../src/tune/peaks.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { level: { type: 'string' }, iterations: { type: 'string' }, top: { type: 'string' }, tune: { type: 'boolean' }, cache: { type: 'string' }, json: { type: 'string' } },
});
const model = positionals[0] ?? 'demo';
const graph = model === 'demo' ? demoNetwork() : loadOnnx(model);
const gpu = await requireGpu();
const peaks = await measurePeaks(gpu);
const opts = values.level === undefined ? {} : { optimizationLevel: Number(values.level) };
const cache = values.cache && existsSync(values.cache) ? TimingCache.load(values.cache) : undefined;
const engine = values.tune ? (await buildTuned(graph, { ...opts, tune: { gpu, ...(cache ? { cache } : {}) } })).engine : build(graph, opts);
const ctx = await engine.createContext({ backend: 'webgpu', profile: true });
const feeds = readInputs(engine.graph, [], 1);
for (let i = 0; i < 3; i++) await ctx.run(feeds);
const times = engine.layers.map(() => [] as number[]);
for (let i = 0; i < Number(values.iterations ?? 10); i++) {
  await ctx.run(feeds);
  (ctx.lastProfile() ?? []).forEach((l, k) => times[k]!.push(l.ms));
}
ctx.release();
const rows = roofline(engine, times.map((t) => percentile(t.sort((a, b) => a - b), 50)), peaks);
const total = rows.reduce((s, r) => s + r.ms, 0);
const matrixMs = rows.filter((r) => isMatrixOp(r.op)).reduce((s, r) => s + r.ms, 0);
const tf = (v: number) => (v / 1e12).toFixed(2);
const gb = (v: number) => (v / 1e9).toFixed(0);
console.log(`${model} ('${graph.name}'), ${values.tune ? 'tuned' : 'heuristic tactics'}: ${rows.length} layers, GPU ${total.toFixed(3)} ms (sum of layer medians)`);
console.log(`adapter peaks (measured): ${tf(peaks.flops)} TFLOP/s f32 FMA, ${gb(peaks.bytesPerSecond)} GB/s copy; ridge at ${(peaks.flops / peaks.bytesPerSecond).toFixed(1)} FLOP/B`);
console.log(`GEMM/conv layers: ${rows.filter((r) => isMatrixOp(r.op)).length}, ${matrixMs.toFixed(3)} ms = ${((100 * matrixMs) / total).toFixed(1)}% of the time\n`);
const top = [...rows].sort((a, b) => b.ms - a.ms).slice(0, Number(values.top ?? 15));
console.log(table(['layer', 'op', 'tactic', 'ms', '%', 'GFLOP', 'MB', 'FLOP/B', 'TFLOP/s', 'GB/s', 'bound', '% of roof'], top.map((r) => [
  r.layer, r.op, r.tactic, r.ms.toFixed(4), ((100 * r.ms) / total).toFixed(1), (r.flops / 1e9).toFixed(3), (r.bytes / 1e6).toFixed(2),
  r.intensity.toFixed(1), tf(r.flopsPerSecond), gb(r.bytesPerSecond), r.bound, (100 * r.ofRoof).toFixed(0),
])));
const byTactic = new Map<string, { n: number; ms: number; flops: number }>();
for (const r of rows) {
  const e = byTactic.get(r.tactic) ?? { n: 0, ms: 0, flops: 0 };
  byTactic.set(r.tactic, { n: e.n + 1, ms: e.ms + r.ms, flops: e.flops + r.flops });
}
console.log();
console.log(table(['tactic', 'layers', 'ms', '%', 'TFLOP/s'], [...byTactic].sort((a, b) => b[1].ms - a[1].ms).map(([t, e]) => [t, e.n, e.ms.toFixed(3), ((100 * e.ms) / total).toFixed(1), e.ms > 0 ? tf(e.flops / (e.ms * 1e-3)) : '-'])));
if (values.json) writeFileSync(values.json, JSON.stringify({ model, peaks, rows }, null, 2));
await releaseDevices();
