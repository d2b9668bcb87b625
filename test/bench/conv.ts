// Times conv.direct against conv.implicit_gemm on the convolutions of torchvision ResNet-50 at
// batch 1 (every distinct shape, with how often it occurs), checks their outputs against each
// other, and prints a table; the last row weights each shape by its count (all 53 convs).
//   npx tsx test/bench/conv.ts [--iterations 20] [--repeat 8] [--only l1.3x3,l4.1x1a] [--points] [--json out.json]
// --points also times every point of conv.implicit_gemm's space (not only the default, the first).
// Each engine holds --repeat sibling copies of the conv (optimization level 0, so they stay apart),
// which keeps the GPU busy from one dispatch to the next as in a whole network; a shape's GPU time
// is the median over the timed runs (after 2 warm-up runs) of the copies' mean timestamp time.
// 'build() picks' is the tactic and tile point build() chooses without timing, 'build() ms' its time.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { percentile } from '../../src/runtime/bench.js';
import { relativeL2 } from '../../src/runtime/compare.js';
import { table } from '../../src/cli/table.js';
import { build, Engine } from '../../src/engine/engine.js';
import { Graph, node } from '../../src/ir/graph.js';
import { tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { tacticById, type TacticParams } from '../../src/tactics/index.js';

const { values } = parseArgs({
  options: { iterations: { type: 'string' }, repeat: { type: 'string' }, only: { type: 'string' }, points: { type: 'boolean' }, json: { type: 'string' } },
});
const iterations = Number(values.iterations ?? 20);
const repeat = Number(values.repeat ?? 8);

interface Shape {
  readonly name: string;
  /** How many convs of ResNet-50 (batch 1, 224x224) have this shape. */
  readonly count: number;
  readonly c: number;
  readonly m: number;
  /** Input height = width. */
  readonly hw: number;
  readonly k: number;
  readonly stride: number;
}

// torchvision ResNet-50 (v1.5: the stride sits on the 3x3 conv); 'sc' = the projection shortcut.
const SHAPES: Shape[] = [
  { name: 'stem.7x7', count: 1, c: 3, m: 64, hw: 224, k: 7, stride: 2 },
  { name: 'l1.1x1a', count: 1, c: 64, m: 64, hw: 56, k: 1, stride: 1 },
  { name: 'l1.1x1r', count: 2, c: 256, m: 64, hw: 56, k: 1, stride: 1 },
  { name: 'l1.3x3', count: 3, c: 64, m: 64, hw: 56, k: 3, stride: 1 },
  { name: 'l1.1x1b', count: 4, c: 64, m: 256, hw: 56, k: 1, stride: 1 },
  { name: 'l2.1x1a0', count: 1, c: 256, m: 128, hw: 56, k: 1, stride: 1 },
  { name: 'l2.3x3s2', count: 1, c: 128, m: 128, hw: 56, k: 3, stride: 2 },
  { name: 'l2.sc', count: 1, c: 256, m: 512, hw: 56, k: 1, stride: 2 },
  { name: 'l2.1x1b', count: 4, c: 128, m: 512, hw: 28, k: 1, stride: 1 },
  { name: 'l2.1x1a', count: 3, c: 512, m: 128, hw: 28, k: 1, stride: 1 },
  { name: 'l2.3x3', count: 3, c: 128, m: 128, hw: 28, k: 3, stride: 1 },
  { name: 'l3.1x1a0', count: 1, c: 512, m: 256, hw: 28, k: 1, stride: 1 },
  { name: 'l3.3x3s2', count: 1, c: 256, m: 256, hw: 28, k: 3, stride: 2 },
  { name: 'l3.sc', count: 1, c: 512, m: 1024, hw: 28, k: 1, stride: 2 },
  { name: 'l3.1x1b', count: 6, c: 256, m: 1024, hw: 14, k: 1, stride: 1 },
  { name: 'l3.1x1a', count: 5, c: 1024, m: 256, hw: 14, k: 1, stride: 1 },
  { name: 'l3.3x3', count: 5, c: 256, m: 256, hw: 14, k: 3, stride: 1 },
  { name: 'l4.1x1a0', count: 1, c: 1024, m: 512, hw: 14, k: 1, stride: 1 },
  { name: 'l4.3x3s2', count: 1, c: 512, m: 512, hw: 14, k: 3, stride: 2 },
  { name: 'l4.sc', count: 1, c: 1024, m: 2048, hw: 14, k: 1, stride: 2 },
  { name: 'l4.1x1b', count: 3, c: 512, m: 2048, hw: 7, k: 1, stride: 1 },
  { name: 'l4.1x1a', count: 2, c: 2048, m: 512, hw: 7, k: 1, stride: 1 },
  { name: 'l4.3x3', count: 2, c: 512, m: 512, hw: 7, k: 3, stride: 1 },
];

const only = values.only?.split(',');
const shapes = only ? SHAPES.filter((s) => only.includes(s.name)) : SHAPES;
if (shapes.length === 0) throw new Error(`--only ${values.only}: no such shape; shapes: ${SHAPES.map((s) => s.name).join(', ')}`);

function filled(shape: number[], seed: number, scale: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = ((((i + seed) * 2654435761) % 2001) / 1000 - 1) * scale;
  return tensor('f32', shape, d);
}

/** `repeat` copies of one Conv (weights and bias constant) over a 1 x c x hw x hw input, outputs y0, y1, ... */
function convGraph(s: Shape): Graph {
  const pad = (s.k - 1) / 2;
  const attrs = { pads: [pad, pad, pad, pad], strides: [s.stride, s.stride] };
  const copies = Array.from({ length: repeat }, (_, i) => i);
  return new Graph({
    name: s.name,
    inputs: [{ name: 'x', type: { dtype: 'f32', shape: [1, s.c, s.hw, s.hw] } }],
    outputs: copies.map((i) => `y${i}`),
    nodes: copies.map((i) => node({ name: `conv${i}`, op: 'Conv', inputs: ['x', 'w', 'b'], outputs: [`y${i}`], attrs })),
    initializers: new Map<string, Tensor>([
      ['w', filled([s.m, s.c, s.k, s.k], 1, 1 / Math.sqrt(s.c * s.k * s.k))],
      ['b', filled([s.m], 2, 0.1)],
    ]),
  });
}

function flopsOf(s: Shape): number {
  const out = Math.floor((s.hw + 2 * ((s.k - 1) / 2) - s.k) / s.stride) + 1;
  return 2 * s.m * out * out * s.c * s.k * s.k;
}

/** Median GPU ms of one conv layer of the engine, and the first copy's output. */
async function time(engine: Engine, x: Tensor): Promise<{ ms: number; y: Float64Array }> {
  const ctx = await engine.createContext({ backend: 'webgpu', profile: true });
  let out = await ctx.run({ x });
  await ctx.run({ x });
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    out = await ctx.run({ x });
    const p = ctx.lastProfile();
    if (!p) throw new Error('no timestamp profile: this adapter lacks timestamp-query');
    ms.push(p.reduce((a, l) => a + l.ms, 0) / p.length);
  }
  ctx.release();
  ms.sort((a, b) => a - b);
  return { ms: percentile(ms, 50), y: toFloat64(out['y0']!) };
}

/**
 * The engine with its layer run by conv.implicit_gemm at point `p`, also where the tactic does not
 * claim the layer (too small to be preferred): the table shows where the preference should lie.
 */
const implicitGemm = (e: Engine, p: TacticParams) => new Engine(e.graph, e.layers.map((l) => ({ ...l, tactic: 'conv.implicit_gemm', params: p })), e.memory, e.adapter);

const gpu = await requireGpu();
const points = values.points ? tacticById('conv.implicit_gemm')!.space : tacticById('conv.implicit_gemm')!.space.slice(0, 1);
const pointName = (p: TacticParams) => `${p['bm']}x${p['bn']}x${p['bk']}/${p['tm']}x${p['tn']}`;
const rows: { shape: Shape; flops: number; chosen: string; auto: number; direct: number; igemm: number[]; err: number }[] = [];
for (const s of shapes) {
  const g = convGraph(s);
  const x = filled([1, s.c, s.hw, s.hw], 3, 1);
  const level0 = (force?: Record<string, string>) => build(g, { optimizationLevel: 0, ...(force ? { force } : {}) });
  const direct = await time(level0({ Conv: 'conv.direct' }), x);
  const built = level0();
  const layer = built.layers[0]!;
  const chosen = layer.tactic === 'conv.implicit_gemm' ? `igemm ${pointName(layer.params)}` : layer.tactic;
  const auto = await time(built, x);
  const igemm: number[] = [];
  let err = 0;
  for (const p of points) {
    const r = await time(implicitGemm(level0({ Conv: 'conv.direct' }), p), x);
    igemm.push(r.ms);
    err = Math.max(err, relativeL2(r.y, direct.y));
  }
  rows.push({ shape: s, flops: flopsOf(s), chosen, auto: auto.ms, direct: direct.ms, igemm, err });
  console.error(`${s.name}: direct ${direct.ms.toFixed(3)} ms, implicit_gemm ${igemm.map((v) => v.toFixed(3)).join(' / ')} ms`);
}

const gf = (flops: number, ms: number) => flops / (ms * 1e6);
const total = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + r.shape.count * f(r), 0);
const adapter = `${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`.trim();
console.log(`adapter: ${adapter}; batch 1; ${repeat} copies of each conv; median of ${iterations} timed runs after 2 warm-up runs; implicit_gemm points: ${points.map(pointName).join(', ')}\n`);
const header = ['shape', 'count', 'C->M', 'HxW', 'k/s', 'GFLOP', 'build() picks', 'build() ms', 'direct ms', ...points.map((p) => `igemm ${pointName(p)} ms`), 'speed-up (default)', 'igemm GFLOP/s (default)', 'rel L2'];
const body = rows.map((r) => [
  r.shape.name, r.shape.count, `${r.shape.c}->${r.shape.m}`, `${r.shape.hw}`, `${r.shape.k}/${r.shape.stride}`, (r.flops / 1e9).toFixed(3), r.chosen, r.auto.toFixed(4),
  r.direct.toFixed(4), ...r.igemm.map((v) => v.toFixed(4)), (r.direct / r.igemm[0]!).toFixed(2), gf(r.flops, r.igemm[0]!).toFixed(1), r.err.toExponential(1),
]);
body.push([
  'all x count', total(() => 1), '', '', '', (total((r) => r.flops) / 1e9).toFixed(3), '', total((r) => r.auto).toFixed(4),
  total((r) => r.direct).toFixed(4), ...points.map((_, i) => total((r) => r.igemm[i]!).toFixed(4)),
  (total((r) => r.direct) / total((r) => r.igemm[0]!)).toFixed(2), gf(total((r) => r.flops), total((r) => r.igemm[0]!)).toFixed(1), '',
]);
console.log(table(header, body));
const best = total((r) => Math.min(...r.igemm));
console.log(`\nsum over the ${total(() => 1)} convs: direct ${total((r) => r.direct).toFixed(3)} ms; implicit_gemm at its default point ${total((r) => r.igemm[0]!).toFixed(3)} ms, ` +
  `as build() picks ${total((r) => r.auto).toFixed(3)} ms${points.length > 1 ? `, at the best timed point per shape ${best.toFixed(3)} ms` : ''}`);
if (values.json) {
  writeFileSync(values.json, JSON.stringify({ adapter, iterations, repeat, points, rows: rows.map((r) => ({ ...r.shape, flops: r.flops, chosen: r.chosen, auto: r.auto, direct: r.direct, igemm: r.igemm, err: r.err })) }, null, 2));
}
await releaseDevices();
