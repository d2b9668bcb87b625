// Times a model at optimization level 0 (one layer per source node) and at the highest level
// (all passes) on the current adapter, checks both against each other, and prints a table.
//   npx tsx test/bench/fusion.ts [model.onnx|demo] [--iterations 30] [--json out.json]
// Both engines are timed interleaved after a common warm-up (./interleave.ts): GPU time (the
// run's one compute pass, as trtexec's GPU compute time) and wall time.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { relativeL2 } from '../../src/runtime/compare.js';
import { readInputs } from '../../src/cli/inputs.js';
import { table } from '../../src/cli/table.js';
import { build } from '../../src/engine/engine.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { MAX_LEVEL } from '../../src/passes/index.js';
import { toFloat64 } from '../../src/ir/tensor.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { median, ratio, timeInterleaved, WARMUP_MS } from './interleave.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { iterations: { type: 'string' }, json: { type: 'string' } },
});
const iterations = Number(values.iterations ?? 30);
const model = positionals[0] ?? 'test/data/onnx-conformance/light/light_resnet50/model.onnx';
const graph = model === 'demo' ? demoNetwork() : loadOnnx(model);
const gpu = await requireGpu();

async function prepare(level: number) {
  const t0 = performance.now();
  const engine = build(graph, { optimizationLevel: level });
  const buildMs = performance.now() - t0;
  const ops = new Map<string, number>();
  for (const l of engine.layers) ops.set(l.op, (ops.get(l.op) ?? 0) + 1);
  return { level, engine, layers: engine.layers.length, buildMs, ops: Object.fromEntries(ops) };
}

const built = [await prepare(0), await prepare(MAX_LEVEL)];
const feeds = readInputs(built[0]!.engine.graph, [], 1);
const times = await timeInterleaved(built.map((b) => b.engine), feeds, iterations);
const levels = built.map((b, i) => ({ ...b, ...times[i]! }));
const [base, full] = levels as [(typeof levels)[0], (typeof levels)[0]];
const outs = levels.map((l) => l.out);
const worst = Math.max(...Object.keys(outs[0]!).map((k) => relativeL2(toFloat64(outs[1]![k]!), toFloat64(outs[0]![k]!))));
const adapter = `${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`.trim();
console.log(`model: ${model} ('${graph.name}'); adapter: ${adapter}; ${WARMUP_MS / 1000} s warm-up, then ${iterations} iterations each running both levels`);
console.log(`outputs, level ${MAX_LEVEL} vs level 0: relative L2 ${worst.toExponential(2)}\n`);
console.log(table(['level', 'layers', 'build ms', 'wall median ms', 'GPU median ms', 'GPU min..max ms', 'speed-up (GPU)', 'speed-up (wall)'], levels.map((r) => [
  r.level, r.layers, r.buildMs.toFixed(0), median(r.wall).toFixed(3), median(r.gpu).toFixed(3), `${Math.min(...r.gpu).toFixed(2)}..${Math.max(...r.gpu).toFixed(2)}`,
  ratio(base.gpu, r.gpu).toFixed(2), ratio(base.wall, r.wall).toFixed(2),
])));
console.log('speed-ups: median over iterations of level 0 time / this level\'s time in the same iteration');
console.log(`\nlayers by op at level ${MAX_LEVEL}: ${Object.entries(full.ops).map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (values.json) writeFileSync(values.json, JSON.stringify({ model, adapter, iterations, rows: levels.map((r) => ({ level: r.level, layers: r.layers, buildMs: r.buildMs, wall: r.wall, gpu: r.gpu, ops: r.ops })), worst }, null, 2));
await releaseDevices();
