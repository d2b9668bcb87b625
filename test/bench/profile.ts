// Per-layer GPU time of one model (median over runs, timestamp queries): the slowest layers
// and the time per tactic. For finding where a model's time goes.
//   npx tsx test/bench/profile.ts [model.onnx|demo] [--level N] [--iterations 10] [--top 15]
import { parseArgs } from 'node:util';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { percentile } from '../../src/cli/demo.js';
import { readInputs } from '../../src/cli/inputs.js';
import { table } from '../../src/cli/table.js';
import { build } from '../../src/engine/engine.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { level: { type: 'string' }, iterations: { type: 'string' }, top: { type: 'string' } },
});
const model = positionals[0] ?? 'demo';
const graph = model === 'demo' ? demoNetwork() : loadOnnx(model);
await requireGpu();
const engine = build(graph, values.level === undefined ? {} : { optimizationLevel: Number(values.level) });
const ctx = await engine.createContext({ backend: 'webgpu', profile: true });
const feeds = readInputs(engine.graph, [], 1);
for (let i = 0; i < 3; i++) await ctx.run(feeds);
const times = engine.layers.map(() => [] as number[]);
for (let i = 0; i < Number(values.iterations ?? 10); i++) {
  await ctx.run(feeds);
  (ctx.lastProfile() ?? []).forEach((l, k) => times[k]!.push(l.ms));
}
ctx.release();
const rows = engine.layers.map((l, k) => {
  const t = times[k]!.sort((a, b) => a - b);
  const shape = engine.graph.type(l.outputs[0]!).shape.join('x');
  return { name: l.name, op: l.op, tactic: l.tactic, shape, ms: percentile(t, 50) };
});
const total = rows.reduce((s, r) => s + r.ms, 0);
console.log(`${model} ('${graph.name}'): ${rows.length} layers, GPU ${total.toFixed(3)} ms (sum of layer medians)\n`);
const top = [...rows].sort((a, b) => b.ms - a.ms).slice(0, Number(values.top ?? 15));
console.log(table(['layer', 'op', 'tactic', 'output', 'ms', '%'], top.map((r) => [r.name, r.op, r.tactic, r.shape, r.ms.toFixed(4), ((100 * r.ms) / total).toFixed(1)])));
const byTactic = new Map<string, { n: number; ms: number }>();
for (const r of rows) {
  const e = byTactic.get(r.tactic) ?? { n: 0, ms: 0 };
  byTactic.set(r.tactic, { n: e.n + 1, ms: e.ms + r.ms });
}
console.log();
console.log(table(['tactic', 'layers', 'ms', '%'], [...byTactic].sort((a, b) => b[1].ms - a[1].ms).map(([t, e]) => [t, e.n, e.ms.toFixed(3), ((100 * e.ms) / total).toFixed(1)])));
await releaseDevices();
