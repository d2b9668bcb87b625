// Times a model at optimization level 0 (one layer per source node) and at the highest level
// (all passes) on the current adapter, checks both against each other, and prints a table.
//   npx tsx test/bench/fusion.ts [model.onnx|demo] [--iterations 30] [--json out.json]
// GPU time: timestamps around the run's one compute pass (first dispatch to last, the gaps between
// kernels included, as trtexec's GPU compute time); wall time: ctx.run() on a context without
// timestamps, upload, encoding, submit and readback included.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { percentile, relativeL2 } from '../../src/cli/demo.js';
import { readInputs } from '../../src/cli/inputs.js';
import { table } from '../../src/cli/table.js';
import { build } from '../../src/engine/engine.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { MAX_LEVEL } from '../../src/passes/index.js';
import { toFloat64 } from '../../src/ir/tensor.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { iterations: { type: 'string' }, json: { type: 'string' } },
});
const iterations = Number(values.iterations ?? 30);
const model = positionals[0] ?? 'test/data/onnx-conformance/light/light_resnet50/model.onnx';
const graph = model === 'demo' ? demoNetwork() : loadOnnx(model);
const gpu = await requireGpu();

async function time(level: number) {
  const t0 = performance.now();
  const engine = build(graph, { optimizationLevel: level });
  const buildMs = performance.now() - t0;
  const feeds = readInputs(engine.graph, [], 1);
  const plain = await engine.createContext({ backend: 'webgpu' });
  const timed = await engine.createContext({ backend: 'webgpu', profile: 'total' });
  let out = await plain.run(feeds);
  for (let i = 0; i < 2; i++) {
    out = await plain.run(feeds);
    await timed.run(feeds);
  }
  const wall: number[] = [];
  const gpuMs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await plain.run(feeds);
    wall.push(performance.now() - t);
    await timed.run(feeds);
    const ms = timed.lastGpuMs();
    if (ms === undefined) throw new Error('no GPU time: this adapter lacks timestamp-query');
    gpuMs.push(ms);
  }
  plain.release();
  timed.release();
  wall.sort((a, b) => a - b);
  gpuMs.sort((a, b) => a - b);
  const ops = new Map<string, number>();
  for (const l of engine.layers) ops.set(l.op, (ops.get(l.op) ?? 0) + 1);
  return { level, layers: engine.layers.length, buildMs, wall: percentile(wall, 50), gpu: percentile(gpuMs, 50), out, ops: Object.fromEntries(ops) };
}

const base = await time(0);
const full = await time(MAX_LEVEL);
const worst = Math.max(...Object.keys(base.out).map((k) => relativeL2(toFloat64(full.out[k]!), toFloat64(base.out[k]!))));
const adapter = `${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`.trim();
console.log(`model: ${model} ('${graph.name}'); adapter: ${adapter}; ${iterations} timed runs after 3 warm-up runs`);
console.log(`outputs, level ${MAX_LEVEL} vs level 0: relative L2 ${worst.toExponential(2)}\n`);
console.log(table(['level', 'layers', 'build ms', 'wall median ms', 'GPU median ms', 'speed-up (GPU)', 'speed-up (wall)'], [base, full].map((r) => [
  r.level, r.layers, r.buildMs.toFixed(0), r.wall, r.gpu, (base.gpu / r.gpu).toFixed(2), (base.wall / r.wall).toFixed(2),
])));
console.log(`\nlayers by op at level ${MAX_LEVEL}: ${Object.entries(full.ops).map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (values.json) writeFileSync(values.json, JSON.stringify({ model, adapter, iterations, rows: [base, full].map(({ out: _, ...r }) => r), worst }, null, 2));
await releaseDevices();
