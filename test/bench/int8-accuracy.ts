// INT8 accuracy of the Fashion-MNIST models: per model, calibration method and calibration-set
// size, top-1 on the 10,000 test images and agreement with the fp32 engine; the fp32 engine's
// top-1 and agreement with PyTorch first. Activations are collected on WebGPU; the INT8 engine is
// the explicit-quantization (Q/DQ) graph, which computes what int8 kernels compute. Then, per
// method (calibrated on all 1,000 images), the sensitivity analysis and the layers kept in fp32
// for a 0.5-point budget; the budget is measured on the calibration images' labels (training
// images, so that the test set only reports), the result on the test set.
//   npx tsx test/bench/int8-accuracy.ts   (from the repository root)
//   [--sizes 128,512,1000] [--limit 10000] [--json out.json]
// No assertions: record results in test/bench/RESULTS.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { table } from '../../src/cli/table.js';
import { build } from '../../src/engine/engine.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { agreement, predict } from '../../src/quant/accuracy.js';
import { collectHistograms, tableFrom } from '../../src/quant/calibrate.js';
import { CALIBRATION_METHODS } from '../../src/quant/calibrators.js';
import { imageBatches, labels } from '../../src/quant/data.js';
import { insertQdq } from '../../src/quant/qdq.js';
import { keepForBudget, sensitivity } from '../../src/quant/sensitivity.js';
import { webgpuActivations, webgpuRunner } from '../../src/runtime/activations.js';
import { benchmark } from '../../src/runtime/bench.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { readInputs } from '../../src/cli/inputs.js';

const { values } = parseArgs({ options: { sizes: { type: 'string' }, limit: { type: 'string' }, json: { type: 'string' }, models: { type: 'string' } } });
const sizes = (values.sizes ?? '128,512,1000').split(',').map(Number);
const limit = Number(values.limit ?? 10_000);
// Paths from the repository root (the working directory), so that the bundled copy finds them too.
const here = (f: string) => resolve('test', f);
const TEST = here('data/fashion-mnist/t10k-images-idx3-ubyte.gz');
const CALIB = here('data/fashion-mnist/calib-1000-images-idx3-ubyte.gz');
const EVAL_BATCH = 500;
const CALIB_BATCH = 8;
const truth = labels(here('data/fashion-mnist/t10k-labels-idx1-ubyte.gz')).subarray(0, limit);

async function predictions(g: Graph, images = TEST, n = limit): Promise<Uint8Array> {
  const ctx = await build(g).createContext({ backend: 'webgpu' });
  try {
    return await predict((f) => ctx.run(f), imageBatches(images, { batchSize: EVAL_BATCH, input: 'image', limit: n }));
  } finally {
    ctx.release();
  }
}
const calibLabels = labels(here('data/fashion-mnist/calib-1000-labels-idx1-ubyte.gz'));
/** Top-1 on the 1,000 calibration images: the budget's metric. */
const calibTop1 = async (g: Graph) => agreement(await predictions(g, CALIB, 1000), calibLabels);
const budgetRows: (string | number)[][] = [];
const speedRows: (string | number)[][] = [];

/** GPU median ms of one batch (timestamp queries), 30 runs after 5 warm-up runs. */
async function gpuMs(g: Graph): Promise<{ ms: number; int8Layers: number }> {
  const engine = build(g);
  const ctx = await engine.createContext({ backend: 'webgpu', profile: 'total' });
  try {
    const r = await benchmark(ctx, readInputs(engine.graph, [], 1), { iterations: 30, warmup: 5 });
    return { ms: r.gpuMs?.median ?? r.wallMs.median, int8Layers: engine.layers.filter((l) => l.op === 'Int8Conv').length };
  } finally {
    ctx.release();
  }
}

const gpu = await requireGpu();
const rows: (string | number)[][] = [];
const results: Record<string, unknown>[] = [];
const pct = (v: number) => `${(100 * v).toFixed(2)}`;
for (const model of (values.models ?? 'small_cnn,small_resnet').split(',')) {
  const file = here(`models/fashion-mnist/${model}.onnx`);
  const evalGraph = loadOnnx(file, { shapes: { image: [EVAL_BATCH, 1, 28, 28] } });
  const calibGraph = loadOnnx(file, { shapes: { image: [CALIB_BATCH, 1, 28, 28] } });
  const fp32 = await predictions(evalGraph);
  const torch = new Uint8Array(readFileSync(here(`models/fashion-mnist/${model}.top1.bin`))).subarray(0, limit);
  rows.push([model, 'fp32', '-', pct(agreement(fp32, truth)), `${pct(agreement(fp32, torch))} (vs PyTorch)`, '-']);
  results.push({ model, precision: 'fp32', top1: agreement(fp32, truth), agreesWithTorch: agreement(fp32, torch) });
  for (const n of sizes) {
    const t0 = performance.now();
    const collected = await collectHistograms(calibGraph, imageBatches(CALIB, { batchSize: CALIB_BATCH, input: 'image', limit: n }), { runner: webgpuActivations() });
    const calibS = (performance.now() - t0) / 1000;
    for (const method of CALIBRATION_METHODS) {
      const t = tableFrom(collected, method);
      const int8 = await predictions(insertQdq(evalGraph, { amax: (name) => t.amax(name) }));
      const top1 = agreement(int8, truth);
      rows.push([model, method, n, pct(top1), pct(agreement(int8, fp32)), (100 * (top1 - agreement(fp32, truth))).toFixed(2)]);
      results.push({ model, precision: 'int8', method, calibrationImages: n, calibrationSeconds: calibS, top1, agreesWithFp32: agreement(int8, fp32) });
      if (n !== 1000) continue;
      if (method === 'percentile') {
        const [f, q] = [await gpuMs(evalGraph), await gpuMs(insertQdq(evalGraph, { amax: (name) => t.amax(name) }))];
        speedRows.push([model, EVAL_BATCH, f.ms, q.ms, q.int8Layers, (q.ms / f.ms).toFixed(2)]);
        results.push({ model, batch: EVAL_BATCH, fp32GpuMs: f.ms, int8GpuMs: q.ms, int8Layers: q.int8Layers });
      }
      const feeds = imageBatches(CALIB, { batchSize: EVAL_BATCH, input: 'image', limit: EVAL_BATCH })[Symbol.iterator]().next().value!;
      const report = await sensitivity(evalGraph, t, feeds, { run: webgpuRunner(), metric: calibTop1 });
      const kept = await keepForBudget(evalGraph, t, report, calibTop1, 0.005);
      const mixed = agreement(await predictions(insertQdq(evalGraph, { amax: (name) => t.amax(name), keepFloat: new Set(kept.keptFloat) })), truth);
      const worst = report.layers.slice(0, 3).map((l) => `${l.layer} ${l.sqnrDb.toFixed(1)} dB${l.metric !== undefined ? ` ${pct(l.metric)}%` : ''}`).join('; ');
      budgetRows.push([model, method, worst, kept.keptFloat.join(' ') || '(none)', pct(mixed), (100 * (mixed - agreement(fp32, truth))).toFixed(2)]);
      results.push({ model, method, sensitivity: report, budget: kept, mixedTop1: mixed });
    }
  }
}
console.log(`adapter: ${gpu.adapter.vendor} ${gpu.adapter.description || gpu.adapter.architecture}; ${limit} test images; INT8 = Q/DQ graph (per-tensor activations, per-channel weights)\n`);
console.log(table(['model', 'method', 'calib images', 'top-1 %', 'agrees with fp32 %', 'Δ top-1 (points)'], rows));
console.log('\nsensitivity (only that layer INT8: output SQNR, calibration-set top-1) and fp32 layers kept for 0.5 points, calibrated on 1,000 images\n');
console.log(table(['model', 'method', 'most sensitive layers', 'kept in fp32', 'test top-1 %', 'Δ top-1 (points)'], budgetRows));
console.log(`\nGPU time per batch of ${EVAL_BATCH} (median of 30, timestamp queries): fp32 engine vs INT8 engine (percentile, 1,000 images)\n`);
console.log(table(['model', 'batch', 'fp32 ms', 'int8 ms', 'Int8Conv layers', 'int8 / fp32'], speedRows));
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
await releaseDevices();
