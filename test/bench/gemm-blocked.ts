// The GEMM tactics' parameter points on one square f32 MatMul, each checked and then timed
// round-robin by the autotuner's timing (src/tune/timing.ts), in two rounds to show the spread.
// Checked: sampled rows of Y against a float64 product on the CPU.
//   npx tsx test/bench/gemm-blocked.ts [--size 4096] [--iterations 20] [--rows 32] [--extra gemm/x.wgsl,...] [--no-robustness]
// --no-robustness: Dawn without bounds clamps on storage accesses (DeviceOptions.robustness).
// --extra also times gemm.blocked's plan with other kernel files under kernels/ (variants of
// kernels/gemm/blocked.wgsl with its bindings and grid, to compare in one command).
import { parseArgs } from 'node:util';
import { table } from '../../src/cli/table.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { prepareLayer, type PreparedLayer } from '../../src/runtime/layer.js';
import { GEMM_BLOCKED, GEMM_VEC4 } from '../../src/tactics/families/gemm.js';
import type { Tactic, TacticParams } from '../../src/tactics/types.js';
import { timeCandidates, type Timing } from '../../src/tune/timing.js';
import { randomF32 } from '../helpers/data.js';
import { opLayer } from '../helpers/op-layer.js';

const { values } = parseArgs({ options: { size: { type: 'string' }, iterations: { type: 'string' }, rows: { type: 'string' }, extra: { type: 'string' }, 'no-robustness': { type: 'boolean' } } });
const n = Number(values.size ?? 4096);
const iterations = Number(values.iterations ?? 20);
const rows = Number(values.rows ?? 32);
const gpu = await requireGpu(values['no-robustness'] ? { robustness: false } : {});

const A = randomF32([n, n], 1);
const B = randomF32([n, n], 2);
const { layer, inputs } = opLayer('MatMul', [A, B]);
const candidates: { label: string; tactic: Tactic; params: TacticParams }[] = [
  ...GEMM_BLOCKED.space.map((p) => ({ label: `gemm.blocked ${JSON.stringify(p)}`, tactic: GEMM_BLOCKED, params: p })),
  ...(values.extra ? values.extra.split(',') : []).map((kernel) => ({ label: kernel, tactic: { ...GEMM_BLOCKED, kernel }, params: {} })),
  { label: `gemm.vec4 ${JSON.stringify(GEMM_VEC4.space[0])}`, tactic: GEMM_VEC4, params: GEMM_VEC4.space[0]! },
];

// Float64 reference rows, spread over the tiles.
const a = A.data as Float32Array;
const b = B.data as Float32Array;
const sample = Array.from({ length: rows }, (_, i) => Math.floor(((i + 0.5) * n) / rows));
const ref = sample.map((m) => {
  const r = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const x = a[m * n + k]!;
    for (let j = 0; j < n; j++) r[j]! += x * b[k * n + j]!;
  }
  return r;
});

async function readBack(buf: GPUBuffer): Promise<Float32Array> {
  const r = gpu.device.createBuffer({ size: buf.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = gpu.device.createCommandEncoder();
  enc.copyBufferToBuffer(buf, 0, r, 0, buf.size);
  gpu.device.queue.submit([enc.finish()]);
  await r.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(r.getMappedRange().slice(0));
  r.unmap();
  r.destroy();
  return out;
}

const prepared: PreparedLayer[] = [];
const errors: number[] = [];
for (const c of candidates) {
  const p = await prepareLayer(gpu, layer, c.tactic, inputs, c.params);
  prepared.push(p);
  const enc = gpu.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  p.encode(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
  const y = await readBack(p.outputs[0]!);
  let num = 0;
  let den = 0;
  sample.forEach((m, i) => {
    for (let j = 0; j < n; j++) {
      const d = y[m * n + j]! - ref[i]![j]!;
      num += d * d;
      den += ref[i]![j]! ** 2;
    }
  });
  errors.push(Math.sqrt(num / den));
}

const rounds: Timing[][] = [];
for (let r = 0; r < 2; r++) rounds.push(await timeCandidates(gpu, prepared, { iterations, warmup: 5, dropFactor: 100 }));
const flop = 2 * n ** 3;
console.log(`adapter: ${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}; MatMul ${n}^3 f32; ${iterations} samples of 10 runs per round`);
console.log(table(['candidate', 'ms (round 1)', 'ms (round 2)', 'std', 'TFLOP/s (best)', 'rel. L2 error'], candidates.map((c, i) => {
  const ms = rounds.map((t) => t[i]!.meanMs);
  return [c.label, ms[0]!.toFixed(3), ms[1]!.toFixed(3), rounds[1]![i]!.stdMs.toFixed(3), (flop / Math.min(...ms) / 1e9).toFixed(1), errors[i]!.toExponential(1)];
})));
if (errors.some((e) => !(e < 1e-5))) console.log('ERROR: a candidate is wrong');
prepared.forEach((p) => p.release());
await releaseDevices();
