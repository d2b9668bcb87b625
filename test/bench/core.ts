// Times the demo network and a 1024^3 GEMM on the current WebGPU adapter and prints a table.
//   npm run bench [-- --iterations 50 --json out.json --size 1024 --tune --force MatMul=gemm.blocked]
// --tune builds with the autotuner (every candidate tactic timed on this adapter) instead of the
// heuristics; --force OP_OR_LAYER=TACTIC pins one.
// GPU time comes from timestamp queries (when the adapter has them); wall time includes
// submit and readback. No assertions: record results in test/bench/RESULTS.md.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { percentile } from '../../src/runtime/bench.js';
import { table } from '../../src/cli/table.js';
import { build, buildTuned } from '../../src/engine/engine.js';
import type { Graph } from '../../src/ir/graph.js';
import { readInputs } from '../../src/cli/inputs.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { gemmGraph } from './graphs.js';

const { values } = parseArgs({ options: { iterations: { type: 'string' }, json: { type: 'string' }, size: { type: 'string' }, tune: { type: 'boolean' }, force: { type: 'string' } } });
const iterations = Number(values.iterations ?? 30);
const size = Number(values.size ?? 1024);


interface Row {
  name: string;
  flops: number;
  wallMedian: number;
  wallP90: number;
  gpuMedian: number | undefined;
}

async function time(name: string, g: Graph, flops: number): Promise<Row> {
  const force = values.force ? { [values.force.split('=')[0]!]: values.force.split('=')[1]! } : undefined;
  const engine = values.tune ? (await buildTuned(g, { ...(force ? { force } : {}), tune: { gpu: await requireGpu() } })).engine : build(g, force ? { force } : {});
  const feeds = readInputs(engine.graph, [], 1);
  const ctx = await engine.createContext({ backend: 'webgpu', profile: true });
  for (let i = 0; i < 3; i++) await ctx.run(feeds);
  const wall: number[] = [];
  const gpu: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await ctx.run(feeds);
    wall.push(performance.now() - t);
    const p = ctx.lastProfile();
    if (p) gpu.push(p.reduce((s, l) => s + l.ms, 0));
  }
  ctx.release();
  wall.sort((a, b) => a - b);
  gpu.sort((a, b) => a - b);
  return { name, flops, wallMedian: percentile(wall, 50), wallP90: percentile(wall, 90), gpuMedian: gpu.length ? percentile(gpu, 50) : undefined };
}

const gpu = await requireGpu();
const demoFlops = 0; // reported as time only
const rows = [await time('demo-cnn (batch 1)', demoNetwork(), demoFlops), await time(`gemm ${size}^3 f32`, gemmGraph(size), 2 * size ** 3)];
const adapter = `${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`.trim();
console.log(`adapter: ${adapter}; tactics ${values.tune ? 'tuned' : 'by heuristic'}; ${iterations} timed runs after 3 warm-up runs\n`);
console.log(table(['workload', 'wall median ms', 'wall p90 ms', 'GPU median ms', 'GFLOP/s (GPU time)'], rows.map((r) => [
  r.name, r.wallMedian, r.wallP90, r.gpuMedian ?? '-', r.flops && r.gpuMedian ? r.flops / (r.gpuMedian * 1e6) : '-',
])));
if (values.json) writeFileSync(values.json, JSON.stringify({ adapter, iterations, rows }, null, 2));
await releaseDevices();
