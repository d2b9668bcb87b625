// INT8 GEMM M x N x K on the current adapter: Int8Conv as a GEMM (what fuse-int8-conv makes of a
// Q/DQ MatMul: an i8 input [M, K], a constant i8 weight [N, K], int32 sums, f32 output with
// per-column scales), run by each int8 tactic. conv.int8_mma (subgroup matrices, tensor cores)
// needs Dawn's allow_unsafe_apis, which this script asks for. Every tactic's output is checked
// against conv.int8_implicit_gemm's (exact: int32 sums, the same float epilogue), and a small odd
// shape against the reference executor, then all are timed interleaved (./interleave.ts).
//   npx tsx test/bench/int8-gemm.ts [--size 4096] [--iterations 20] [--all]
// Baseline in the same command on a CUDA machine: python3 test/bench/baselines/torch_int_mm.py 4096
// --all times every point of conv.int8_mma's space, else its heuristic point and the best two.
// No assertions: record results in test/bench/RESULTS.md.
import { parseArgs } from 'node:util';
import { table } from '../../src/cli/table.js';
import { build, type Engine } from '../../src/engine/engine.js';
import { Graph, node } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { runReference } from '../../src/reference/index.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { tacticById } from '../../src/tactics/index.js';
import { median, timeInterleaved } from './interleave.js';

const { values } = parseArgs({ options: { size: { type: 'string' }, iterations: { type: 'string' }, all: { type: 'boolean' } } });
const size = Number(values.size ?? 4096);
const iterations = Number(values.iterations ?? 20);
const device = { unsafeApis: true };
const gpu = await requireGpu(device);

const i8 = (n: number, seed: number) => Int8Array.from({ length: n }, (_, i) => ((i * 2654435761 + seed * 40503) >>> 7) % 255 - 127);
const i64 = (v: number[]) => tensor('i64', [v.length], BigInt64Array.from(v.map(BigInt)));

function gemm(m: number, n: number, k: number): Graph {
  return inferTypes(new Graph({
    name: `int8-gemm-${m}x${n}x${k}`,
    inputs: [{ name: 'a', type: { dtype: 'i8', shape: [m, k] } }],
    outputs: ['c'],
    nodes: [
      node({ name: 'to3d', op: 'Reshape', inputs: ['a', 'shape_in'], outputs: ['a3'] }),
      node({ name: 'gemm', op: 'Int8Conv', inputs: ['a3', 'w', '', 'xs', 'ws'], outputs: ['c3'], attrs: { kernel_shape: [1] } }),
      node({ name: 'to2d', op: 'Reshape', inputs: ['c3', 'shape_out'], outputs: ['c'] }),
    ],
    initializers: new Map<string, Tensor>([
      ['w', tensor('i8', [n, k, 1], i8(n * k, 2))],
      ['xs', tensor('f32', [1], [1])],
      ['ws', tensor('f32', [n], new Float32Array(n).fill(1))],
      ['shape_in', i64([m, k, 1])],
      ['shape_out', i64([m, n])],
    ]),
  }));
}

const BASE = 'conv.int8_implicit_gemm';
const mma = tacticById('conv.int8_mma')!;
const has = (mma.features ?? []).every((f) => gpu.features.has(f));
console.log(`adapter: ${gpu.adapter.vendor} ${gpu.adapter.description || gpu.adapter.architecture}; subgroup matrices: ${has ? 'yes' : 'no'}`);
const engineFor = (g: Graph, tactic: string, params?: Record<string, number>): Engine =>
  build(g, params ? { chosen: new Map([['gemm', { tactic, params }]]) } : { force: { gemm: tactic } });
const label = (e: Engine) => {
  const l = e.layers.find((x) => x.name === 'gemm')!;
  return `${l.tactic} ${Object.entries(l.params).map(([k, v]) => `${k}${v}`).join(' ')}`;
};
const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

// Candidates: the baseline at its heuristic point, the direct kernel on small sizes, every MMA point.
const candidatesFor = (g: Graph, withDirect: boolean): Engine[] => [
  engineFor(g, BASE),
  ...(withDirect ? [engineFor(g, 'conv.int8_direct')] : []),
  ...(has ? mma.space.map((p) => engineFor(g, mma.id, { ...p })) : []),
];

// Exactness on a small odd shape against the reference executor (M, N, K not tile multiples).
const small = gemm(77, 45, 203);
const smallFeeds = { a: tensor('i8', [77, 203], i8(77 * 203, 1)) };
const want = runReference(small, smallFeeds)['c']!.data as Float32Array;
const rows: string[][] = [];
for (const e of candidatesFor(small, true)) {
  const ctx = await e.createContext({ ...device, backend: 'webgpu' });
  const got = (await ctx.run(smallFeeds))['c']!.data as Float32Array;
  ctx.release();
  rows.push([label(e), sameBits(got, want) ? 'exact' : `WRONG (first diff at ${got.findIndex((v, i) => v !== want[i])})`]);
}
console.log(`\n77 x 45 x 203 against the reference executor\n${table(['tactic', 'result'], rows)}`);

// The big GEMM: every candidate timed interleaved, each output compared with the baseline's.
const big = gemm(size, size, size);
const feeds = { a: tensor('i8', [size, size], i8(size * size, 1)) };
const engines = candidatesFor(big, false);
const timed = await timeInterleaved(engines, feeds, iterations, device);
const base = timed[0]!.out['c']!.data as Float32Array;
const ops = 2 * size ** 3;
const res = engines.map((e, i) => {
  const ms = median(timed[i]!.gpu);
  return { name: label(e), ms, tops: ops / ms / 1e9, ok: sameBits(timed[i]!.out['c']!.data as Float32Array, base) };
}).sort((a, b) => a.ms - b.ms);
console.log(`\nINT8 GEMM ${size}³ (i8 x i8 -> int32 sums -> f32), GPU median of ${iterations} (interleaved)`);
console.log(table(['tactic', 'GPU ms', 'TOPS', `same as ${BASE}`], res.map((r) => [r.name, r.ms.toFixed(3), r.tops.toFixed(1), r.ok ? 'yes' : 'NO'])));
releaseDevices();
