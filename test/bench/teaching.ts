// The measurements of notebooks/08-teaching-demo.ipynb on the current adapter, as a table: a
// chain of six elementwise ops on 2M values and a 3x3 conv + BatchNorm + ReLU, each at level 0
// (one kernel per op) and fused, with the bytes they move (src/ir/cost.ts), their GPU time and
// the bandwidth they reach against the adapter's measured copy bandwidth (src/tune/peaks.ts).
//   npx tsx test/bench/teaching.ts [--iterations 50]
// No assertions: record results in test/bench/RESULTS.md.
import { parseArgs } from 'node:util';
import { table } from '../../src/cli/table.js';
import { build, type Engine } from '../../src/engine/engine.js';
import { layerCosts } from '../../src/engine/roofline.js';
import { network } from '../../src/frontend/fluent/index.js';
import { randomInput } from '../../src/ir/random.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { benchmark } from '../../src/runtime/bench.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { measurePeaks } from '../../src/tune/peaks.js';

const { values } = parseArgs({ options: { iterations: { type: 'string' } } });
const iterations = Number(values.iterations ?? 50);
const gpu = await requireGpu();
const peaks = await measurePeaks(gpu);

const chainNet = network('pointwise-chain', { seed: 1 });
chainNet.output('y', chainNet.input('x', [8, 64, 64, 64]).mul(1.5).add(0.25).relu().mul(2).add(-1).relu());
const convNet = network('conv-bn-relu', { seed: 1 });
convNet.output('y', convNet.input('x', [4, 64, 32, 32]).conv2d(64, { kernel: 3, pad: 1 }).batchNorm().relu());

async function measure(engine: Engine, feeds: Record<string, Tensor>): Promise<{ layers: number; flops: number; bytes: number; ms: number }> {
  const cost = layerCosts(engine).reduce((s, c) => ({ flops: s.flops + c.flops, bytes: s.bytes + c.bytes }), { flops: 0, bytes: 0 });
  const ctx = await engine.createContext({ backend: 'webgpu', profile: 'total' });
  const r = await benchmark(ctx, feeds, { iterations, warmup: 5 });
  ctx.release();
  return { layers: engine.layers.length, ...cost, ms: r.gpuMs?.median ?? r.wallMs.median };
}

const rows: (string | number)[][] = [];
for (const [name, net] of [['6 elementwise ops, 2M values', chainNet], ['conv 3x3 64->64 + BN + ReLU, 4x32x32', convNet]] as const) {
  const g = net.build();
  const feeds = { x: randomInput(g.inputs[0]!.type, 1) };
  const level0 = await measure(build(g, { optimizationLevel: 0 }), feeds);
  const fused = await measure(build(g), feeds);
  for (const [how, m] of [['level 0', level0], ['fused', fused]] as const) {
    rows.push([name, how, m.layers, (m.bytes / 1e6).toFixed(1), (m.flops / m.bytes).toFixed(2), m.ms.toFixed(4), (m.bytes / (m.ms * 1e-3) / 1e9).toFixed(0), (level0.ms / m.ms).toFixed(2)]);
  }
}
console.log(`adapter: ${gpu.adapter.vendor} ${gpu.adapter.description || gpu.adapter.architecture}; peaks ${(peaks.flops / 1e12).toFixed(1)} TFLOP/s f32 FMA, ${(peaks.bytesPerSecond / 1e9).toFixed(0)} GB/s copy; GPU median of ${iterations} runs\n`);
console.log(table(['network', 'build', 'kernels', 'MB moved', 'FLOP/byte', 'GPU ms', 'GB/s', 'speed-up'], rows));
await releaseDevices();
