// `wgrt demo`: a quick INT8 experiment on the embedded Fashion-MNIST model, end to end: import the
// ONNX model, build an fp32 engine and check it against the CPU reference executor and PyTorch's
// own predictions, calibrate on training images, build the INT8 engine, and compare accuracy and
// GPU time. The models and data are the ones of test/models/fashion-mnist and
// test/data/fashion-mnist (train.py trained them in PyTorch; the package ships them).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeEngine } from '../engine/describe.js';
import { build } from '../engine/engine.js';
import { loadOnnx } from '../frontend/onnx/index.js';
import { toFloat64 } from '../ir/tensor.js';
import { agreement, predict } from '../quant/accuracy.js';
import { calibrate } from '../quant/calibrate.js';
import type { CalibrationMethod } from '../quant/calibrators.js';
import { imageBatches, labels } from '../quant/data.js';
import { insertQdq } from '../quant/qdq.js';
import { runReference } from '../reference/index.js';
import { webgpuActivations } from '../runtime/activations.js';
import { benchmark } from '../runtime/bench.js';
import { relativeL2 } from '../runtime/compare.js';
import type { ExecutionContext } from '../runtime/context.js';
import { CliError } from './load.js';
import { table } from './table.js';

export const DEMO_MODELS = ['small_cnn', 'small_resnet'] as const;
export type DemoModel = (typeof DEMO_MODELS)[number];

const ROOT = new URL('../../test/', import.meta.url);
const file = (path: string): string => fileURLToPath(new URL(path, ROOT));
const INPUT = 'image';
const BATCH = 100;
/** The fp32 engine must predict what PyTorch predicts on this share of the images (issue 6). */
const MIN_AGREEMENT = 0.999;

export interface DemoOptions {
  readonly model: DemoModel;
  /** Test images to evaluate (a multiple of 100; default 1,000, or 100 on the reference executor). */
  readonly images?: number;
  /** Calibration images (training images, 100 per class in the shipped subset). */
  readonly calibration: number;
  readonly method: CalibrationMethod;
  readonly iterations: number;
  readonly backend: 'auto' | 'webgpu' | 'reference';
}

/** Runs the demo and prints what it measured; 1 when the fp32 engine disagrees with the reference or with PyTorch. */
export async function runDemo(o: DemoOptions): Promise<number> {
  const paths = {
    model: file(`models/fashion-mnist/${o.model}.onnx`),
    torch: file(`models/fashion-mnist/${o.model}.top1.bin`),
    test: file('data/fashion-mnist/t10k-images-idx3-ubyte.gz'),
    labels: file('data/fashion-mnist/t10k-labels-idx1-ubyte.gz'),
    calib: file('data/fashion-mnist/calib-1000-images-idx3-ubyte.gz'),
  };
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length) throw new CliError(`the demo's model and data are missing (${missing.join(', ')}); run the demo from a clone of the repository or the installed package`);

  // Engines for batches of BATCH test images, calibration in batches of 8.
  const t0 = performance.now();
  const graph = loadOnnx(paths.model, { shapes: { [INPUT]: [BATCH, 1, 28, 28] } });
  const fp32 = build(graph);
  const buildMs = performance.now() - t0;
  const ctx32 = await fp32.createContext({ backend: o.backend, profile: 'total' });
  const onGpu = ctx32.backend === 'webgpu';
  const adapter = ctx32.gpu ? `${ctx32.gpu.adapter.vendor || '?'} / ${ctx32.gpu.adapter.description || ctx32.gpu.adapter.architecture || 'unknown adapter'}` : 'none (CPU reference executor)';
  const images = o.images ?? (onGpu ? 1000 : BATCH);
  if (!Number.isInteger(images) || images < BATCH || images % BATCH || images > 10_000) throw new CliError(`--images must be a multiple of ${BATCH} up to 10000, got ${o.images}`);
  console.log(`wgrt demo — Fashion-MNIST '${o.model}' (${graph.nodes.length} ONNX nodes), backend ${ctx32.backend}, adapter ${adapter}\n`);
  const test = () => imageBatches(paths.test, { batchSize: BATCH, input: INPUT, limit: images });
  const truth = labels(paths.labels).subarray(0, images);
  const torch = new Uint8Array(readFileSync(paths.torch)).subarray(0, images);
  const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

  // fp32: the first batch against the reference executor, then top-1 and agreement with PyTorch.
  const first = test()[Symbol.iterator]().next().value!;
  const out = await ctx32.run(first);
  const name = fp32.graph.outputs[0]!;
  const err = relativeL2(toFloat64(out[name]!), toFloat64(runReference(fp32.graph, first)[name]!));
  const top32 = await predict((f) => ctx32.run(f), test());

  // INT8: calibrate (activations computed on this backend), insert Q/DQ, build: fuse-int8-conv
  // turns each Q/DQ Conv and Gemm into an Int8Conv.
  const t1 = performance.now();
  const calibGraph = loadOnnx(paths.model, { shapes: { [INPUT]: [8, 1, 28, 28] } });
  const qt = await calibrate(calibGraph, imageBatches(paths.calib, { batchSize: 8, input: INPUT, limit: o.calibration }), {
    method: o.method,
    ...(onGpu ? { runner: webgpuActivations() } : {}),
  });
  const calibMs = performance.now() - t1;
  const t2 = performance.now();
  const int8 = build(insertQdq(graph, { amax: (n) => qt.amax(n) }));
  const int8BuildMs = performance.now() - t2;
  const ctx8 = await int8.createContext({ backend: ctx32.backend, profile: 'total' });
  const top8 = await predict((f) => ctx8.run(f), test());

  const time = async (ctx: ExecutionContext) => {
    const r = await benchmark(ctx, first, { iterations: Math.max(1, o.iterations), warmup: onGpu ? 5 : 0 });
    return { ms: (r.gpuMs ?? r.wallMs).median, what: r.gpuMs ? 'GPU' : 'wall' };
  };
  const [s32, s8] = [await time(ctx32), await time(ctx8)];
  ctx32.release();
  ctx8.release();

  const d8 = describeEngine(int8);
  const int8Layers = int8.layers.filter((l) => l.op === 'Int8Conv').length;
  console.log(table(['#', 'layer', 'op', 'tactic', 'prec', 'in', 'out'], d8.layers.map((l, i) => [i, l.name, l.op, l.tactic, l.precision, l.inputs.join(' '), l.output])));
  console.log(`\nINT8 engine: ${int8Layers} of ${int8.layers.length} layers are Int8Conv (int8 x int8, int32 sums); ${d8.precisionReformats.quantize} quantize and ${d8.precisionReformats.dequantize} dequantize layers where int8 meets float\n`);
  const agree = agreement(top32, torch);
  console.log(table(['measure', 'fp32 engine', 'int8 engine'], [
    ['build', `${buildMs.toFixed(0)} ms`, `${int8BuildMs.toFixed(0)} ms (+ calibration ${(calibMs / 1000).toFixed(1)} s: ${o.method}, ${o.calibration} training images)`],
    [`top-1 on ${images} test images`, pct(agreement(top32, truth)), pct(agreement(top8, truth))],
    ['same prediction as', `PyTorch: ${pct(agree)}`, `fp32 engine: ${pct(agreement(top8, top32))}`],
    [`${s32.what} time per batch of ${BATCH}, median of ${Math.max(1, o.iterations)}`, `${s32.ms.toFixed(3)} ms`, `${s8.ms.toFixed(3)} ms (${(s8.ms / s32.ms).toFixed(2)}x)`],
    [`'${name}' vs CPU reference, relative L2`, err.toExponential(2), ''],
  ]));
  if (!(err < 1e-4) || agree < MIN_AGREEMENT) {
    console.error(`\nwgrt demo: the fp32 ${ctx32.backend} engine differs from ${err < 1e-4 ? `PyTorch (agrees on ${pct(agree)})` : `the reference (relative L2 ${err})`}; please report this`);
    return 1;
  }
  return 0;
}
