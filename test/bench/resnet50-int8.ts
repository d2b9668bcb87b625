// ResNet-50 (an ONNX export, e.g. torchvision's from baselines/torch_resnet50.py) in INT8: calibrated
// on random inputs (for speed only: the accuracy figures are Fashion-MNIST's, int8-accuracy.ts),
// Q/DQ inserted, built with fuse-int8-conv's Int8Convs; the fp32 engine, the INT8 engine with
// heuristic tactics and (--tune) the INT8 engine tuned among every int8 tactic the adapter has
// (conv.int8_mma on subgroup matrices where Dawn exposes them: this script asks for
// allow_unsafe_apis), and (--mma) the INT8 engine with every Int8Conv on conv.int8_mma at its
// heuristic point, are checked against each other and timed interleaved (./interleave.ts); then
// each engine timed back to back (as PyTorch) and profiled layer by layer, and the slowest layers of
// the last INT8 engine. Baseline in the same command on the H100:
// python3 test/bench/baselines/torch_resnet50.py r50.onnx 20 --batch 32 --fp16 (fp16 channels-last eager).
//   npx tsx test/bench/resnet50-int8.ts MODEL.onnx [--iterations 20] [--tune] [--mma] [--calib 2] [--top 10] [--convs]
// The batch is the model's (torch_resnet50.py --batch B exports it so).
// No assertions: record results in test/bench/RESULTS.md.
import { parseArgs } from 'node:util';
import { readInputs } from '../../src/cli/inputs.js';
import { table } from '../../src/cli/table.js';
import { build, buildTuned, type Engine } from '../../src/engine/engine.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { randomInput } from '../../src/ir/random.js';
import { toFloat64 } from '../../src/ir/tensor.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { insertQdq } from '../../src/quant/qdq.js';
import { webgpuActivations } from '../../src/runtime/activations.js';
import { percentile } from '../../src/runtime/bench.js';
import { relativeL2 } from '../../src/runtime/compare.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import type { TacticSelector } from '../../src/tune/choose.js';
import { median, timeInterleaved } from './interleave.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { iterations: { type: 'string' }, tune: { type: 'boolean' }, mma: { type: 'boolean' }, calib: { type: 'string' }, top: { type: 'string' }, convs: { type: 'boolean' } },
});
const model = positionals[0] ?? 'test/data/onnx-conformance/light/light_resnet50/model.onnx';
const iterations = Number(values.iterations ?? 20);
const device = { unsafeApis: true };
const gpu = await requireGpu(device);
const since = (t: number) => ((performance.now() - t) / 1000).toFixed(1);

const graph = loadOnnx(model);
const input = graph.inputs.find((i) => !graph.initializers.has(i.name))!;

// Calibration: a few random batches (activations computed on the GPU).
let t0 = performance.now();
const batches = Array.from({ length: Number(values.calib ?? 2) }, (_, k) => ({ [input.name]: randomInput(input.type, k + 1) }));
const qt = await calibrate(graph, batches, { method: 'percentile', runner: webgpuActivations(device) });
const q = insertQdq(graph, { amax: (n) => qt.amax(n) });
console.log(`${model}: input ${input.name} [${input.type.shape.join(', ')}]; calibrated on ${batches.length} random batches in ${since(t0)} s; adapter ${gpu.adapter.vendor} ${gpu.adapter.description || gpu.adapter.architecture}, subgroup matrices: ${gpu.features.has('chromium-experimental-subgroup-matrix') ? 'yes' : 'no'}`);

const engines: [string, Engine][] = [['fp32, heuristic', build(graph)], ['int8, heuristic', build(q)]];
// conv.int8_mma reads and writes row-major tensors only: the layout pass is left out for it.
if (values.mma) engines.push(['int8, conv.int8_mma', build(q, { force: { Int8Conv: 'conv.int8_mma' }, disablePasses: ['choose-layout'] })]);
if (values.tune) {
  t0 = performance.now();
  // conv.int8_direct (one thread per output) is left out, to keep the tuned batch-32 build within one
  // 10-minute device command (with it, it did not finish); at batch 1 it won no layer.
  const select: TacticSelector = (layer, c) => (layer.node.op === 'Int8Conv' ? c.map((t) => t.id).filter((id) => id !== 'conv.int8_direct') : undefined);
  const onProgress = (p: { done: number; total: number }) => p.done % 25 === 0 && console.log(`  tuned ${p.done}/${p.total} layers, ${since(t0)} s`);
  engines.push(['int8, tuned', (await buildTuned(q, { select, tune: { gpu, iterations: 5, onProgress } })).engine]);
  console.log(`int8 tuned build: ${since(t0)} s`);
}
const feeds = readInputs(graph, [], 1);
const timed = await timeInterleaved(engines.map(([, e]) => e), feeds, iterations, device);
const out = (i: number) => toFloat64(Object.values(timed[i]!.out)[0]!);
const cosine = (a: Float64Array, b: Float64Array) => {
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i]! * b[i]!, aa + a[i]! ** 2, bb + b[i]! ** 2];
  return ab / Math.sqrt(aa * bb);
};
const tactics = (e: Engine) => {
  const n = new Map<string, number>();
  for (const l of e.layers.filter((x) => x.op === 'Int8Conv')) n.set(l.tactic, (n.get(l.tactic) ?? 0) + 1);
  return [...n].map(([t, k]) => `${k} ${t}`).join(', ') || '-';
};
console.log(`\nGPU and wall median of ${iterations} (interleaved); outputs against the fp32 engine (random weights: cosine, not accuracy)\n`);
console.log(table(['engine', 'GPU ms', 'wall ms', 'vs fp32 GPU', 'Int8Conv tactics', 'cosine vs fp32', 'rel L2 vs int8 heuristic'], engines.map(([name, e], i) => [
  name, median(timed[i]!.gpu).toFixed(3), median(timed[i]!.wall).toFixed(3), (median(timed[i]!.gpu) / median(timed[0]!.gpu)).toFixed(2),
  tactics(e), cosine(out(i), out(0)).toFixed(5), i === 0 ? '-' : relativeL2(out(i), out(1)).toExponential(2),
])));

// Where each engine's time goes (per op), and the last engine's slowest layers: per-layer medians.
// Also the median span of a profiled run, from the first layer's start to the last one's end, and
// the engine's GPU time back to back, as PyTorch runs (baselines/torch_resnet50.py): REPEAT runs
// in one submission (ContextOptions.repeat), the median of 5 such after 3. Run one at a time, as
// timed above, the engine leaves the GPU idle while feeds are written and outputs read, and the
// H100 lowers its clocks (RESULTS.md, "Timing drifts with the GPU's clocks"): the interleaved
// figures compare engines with each other, the back-to-back ones compare them with PyTorch.
let span = 0;
const REPEAT = 20;
async function backToBack(e: Engine): Promise<number> {
  const ctx = await e.createContext({ ...device, backend: 'webgpu', profile: 'total', repeat: REPEAT });
  const ms: number[] = [];
  for (let i = 0; i < 8; i++) {
    await ctx.run(feeds);
    if (i >= 3) ms.push(ctx.lastGpuMs() ?? 0);
  }
  ctx.release();
  return median(ms);
}
async function profile(e: Engine): Promise<{ l: Engine['layers'][number]; ms: number }[]> {
  const ctx = await e.createContext({ ...device, backend: 'webgpu', profile: true });
  const per = e.layers.map(() => [] as number[]);
  const spans: number[] = [];
  for (let i = 0; i < Math.max(3, Math.min(iterations, 10)); i++) {
    await ctx.run(feeds);
    (ctx.lastProfile() ?? []).forEach((l, k) => per[k]!.push(l.ms));
    spans.push(ctx.lastGpuMs() ?? 0);
  }
  ctx.release();
  span = median(spans);
  return e.layers.map((l, k) => ({ l, ms: percentile(per[k]!.sort((a, b) => a - b), 50) }));
}
let rows: { l: Engine['layers'][number]; ms: number }[] = [];
let [sum, first] = [0, rows];
for (const [name, e] of engines) {
  const single = await backToBack(e);
  rows = await profile(e);
  if (first.length === 0) first = rows;
  sum = rows.reduce((s, r) => s + r.ms, 0);
  const byOp = new Map<string, [number, number]>();
  for (const r of rows) {
    const [ms, n] = byOp.get(r.l.op) ?? [0, 0];
    byOp.set(r.l.op, [ms + r.ms, n + 1]);
  }
  console.log(`\n${name}: ${rows.length} layers, sum of layer medians ${sum.toFixed(3)} ms (span ${span.toFixed(3)} ms; back to back ${single.toFixed(3)} ms); by op: ${[...byOp].sort((a, b) => b[1][0] - a[1][0]).map(([op, [ms, n]]) => `${op} x${n} ${ms.toFixed(3)} ms`).join(', ')}`);
}
// The convolutions side by side, fp32 and the last engine (both keep the graph's conv order).
if (values.convs) {
  const convs = (r: typeof rows) => r.filter((x) => /Conv|Gemm|MatMul/.test(x.l.op));
  const [a, b] = [convs(first), convs(rows)];
  console.log(table(['fp32 layer', 'fp32 tactic', 'ms', 'last tactic', 'params', 'ms', 'ratio'], a.map((x, k) => [
    x.l.name, x.l.tactic, x.ms.toFixed(4), b[k]?.l.tactic ?? '-', Object.entries(b[k]?.l.params ?? {}).map(([p, v]) => `${p}${v}`).join(' '), b[k]?.ms.toFixed(4) ?? '-', b[k] ? (b[k]!.ms / x.ms).toFixed(2) : '-',
  ])));
}
console.log(`\n${engines[engines.length - 1]![0]}: slowest layers\n`);
console.log(table(['layer', 'op', 'tactic', 'params', 'ms', '%'], [...rows].sort((a, b) => b.ms - a.ms).slice(0, Number(values.top ?? 10)).map((r) => [
  r.l.name, r.l.op, r.l.tactic, Object.entries(r.l.params).map(([k, v]) => `${k}${v}`).join(' '), r.ms.toFixed(4), ((100 * r.ms) / sum).toFixed(1),
])));
releaseDevices();
