// Probe: how fast do the adapter's subgroup matrices (tensor cores on the H100) multiply int8
// when the operands are already packed 4 x i8 per word, K contiguous (A row-major, B
// column-major)? It bounds what packed int8 activations would give conv.int8_mma, whose
// staging today packs four i32-per-element words into each operand word.
// Two kernel shapes, generated here (not wgrt tactics):
//   direct  each subgroup loads its 16x32 operand tiles straight from storage (TM x TN tiles of C)
//   staged  a workgroup of SGM x SGN subgroups stages a (16 SGM TM) x BKW-word tile of A and of B
//           in workgroup memory (vec4 loads), row stride BKW + PAD words, then each subgroup
//           multiplies its TM x TN tiles from there
// Every variant's C is checked exactly on 64 sampled elements against the CPU.
//   npx tsx test/bench/packed-int8-gemm.ts [--size 4096]
// Baseline in the same command on a CUDA machine: python3 test/bench/baselines/torch_int_mm.py 4096
// No assertions: record results in test/bench/RESULTS.md.
import { parseArgs } from 'node:util';
import { table } from '../../src/cli/table.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';

const { values } = parseArgs({ options: { size: { type: 'string' } } });
const S = Number(values.size ?? 4096);
const [M, N, K] = [S, S, S];
const KW = K / 4;
const { device, features, adapter } = await requireGpu({ unsafeApis: true });
if (!features.has('chromium-experimental-subgroup-matrix')) throw new Error(`this adapter (${adapter.vendor} ${adapter.architecture}) has no subgroup matrices`);

const rnd = (n: number, seed: number) => Int8Array.from({ length: n }, (_, i) => (((i * 2654435761 + seed * 40503) >>> 7) % 255) - 127);
const A = rnd(M * K, 1);
const B = rnd(N * K, 2); // column-major: B[col * K + k]
const upload = (data: Int8Array) => {
  const b = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
  new Int8Array(b.getMappedRange()).set(data);
  b.unmap();
  return b;
};
const [ab, bb] = [upload(A), upload(B)];
const cb = device.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
const rb = device.createBuffer({ size: M * N * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const qs = device.createQuerySet({ type: 'timestamp', count: 2 });
const qb = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
const qr = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

const HEADER = `enable subgroups;
enable chromium_experimental_subgroup_matrix;
alias Left = subgroup_matrix_left<i8, 32, 16>;
alias Right = subgroup_matrix_right<i8, 16, 32>;
@group(0) @binding(2) var<storage, read_write> c: array<i32>;`;

/** The TM x TN accumulators, their multiply-adds and stores (C rows from `row`, columns from `col`). */
function tiles(TM: number, TN: number, row: string, col: string) {
  const decl: string[] = [];
  const mma: string[] = [];
  const store: string[] = [];
  for (let i = 0; i < TM; i++) decl.push(`var l${i}: Left;`);
  for (let j = 0; j < TN; j++) decl.push(`var q${j}: Right;`);
  for (let i = 0; i < TM; i++) {
    for (let j = 0; j < TN; j++) {
      decl.push(`var acc${i}_${j} = subgroup_matrix_result<i32, 16, 16>();`);
      mma.push(`acc${i}_${j} = subgroupMatrixMultiplyAccumulate(l${i}, q${j}, acc${i}_${j});`);
      store.push(`subgroupMatrixStore<row_major>(&c, (${row} + ${16 * i}u) * ${N}u + ${col} + ${16 * j}u, acc${i}_${j}, ${N}u);`);
    }
  }
  return { decl: decl.join('\n  '), mma: mma.join('\n    '), store: store.join('\n  ') };
}

function direct(TM: number, TN: number): { code: string; groups: [number, number]; threads: number } {
  const t = tiles(TM, TN, 'r0', 'c0');
  const loads = [
    ...Array.from({ length: TM }, (_, i) => `l${i} = subgroupMatrixLoad<Left, row_major>(&a, (r0 + ${16 * i}u) * ${KW}u + k0, ${KW}u);`),
    ...Array.from({ length: TN }, (_, j) => `q${j} = subgroupMatrixLoad<Right, col_major>(&b, (c0 + ${16 * j}u) * ${KW}u + k0, ${KW}u);`),
  ];
  return {
    threads: 32,
    groups: [N / (16 * TN), M / (16 * TM)],
    code: `${HEADER}
@group(0) @binding(0) var<storage, read> a: array<i32>;
@group(0) @binding(1) var<storage, read> b: array<i32>;
@compute @workgroup_size(32) fn main(@builtin(workgroup_id) wg: vec3<u32>) {
  let r0 = wg.y * ${16 * TM}u;
  let c0 = wg.x * ${16 * TN}u;
  ${t.decl}
  for (var k0 = 0u; k0 < ${KW}u; k0 += 8u) {
    ${loads.join('\n    ')}
    ${t.mma}
  }
  ${t.store}
}`,
  };
}

function staged(SGM: number, SGN: number, TM: number, TN: number, BKW: number, PAD: number, arrays = false): { code: string; groups: [number, number]; threads: number } {
  const [BM, BN, NT, RS] = [SGM * 16 * TM, SGN * 16 * TN, 32 * SGM * SGN, BKW + PAD];
  const t = arrays ? arrayTiles(TM, TN) : tiles(TM, TN, 'r0 + sm * ' + `${16 * TM}u`, 'c0 + sn * ' + `${16 * TN}u`);
  const loads = arrays ? [`for (var i = 0u; i < ${TM}u; i++) { l[i] = subgroupMatrixLoad<Left, row_major>(&sa, (sm * ${16 * TM}u + i * 16u) * ${RS}u + kk, ${RS}u); }`] : [
    ...Array.from({ length: TM }, (_, i) => `l${i} = subgroupMatrixLoad<Left, row_major>(&sa, (sm * ${16 * TM}u + ${16 * i}u) * ${RS}u + kk, ${RS}u);`),
    ...Array.from({ length: TN }, (_, j) => `q${j} = subgroupMatrixLoad<Right, col_major>(&sb, (sn * ${16 * TN}u + ${16 * j}u) * ${RS}u + kk, ${RS}u);`),
  ];
  if (arrays) t.mma = `for (var j = 0u; j < ${TN}u; j++) {\n        let q = subgroupMatrixLoad<Right, col_major>(&sb, (sn * ${16 * TN}u + j * 16u) * ${RS}u + kk, ${RS}u);\n        for (var i = 0u; i < ${TM}u; i++) { acc[i][j] = subgroupMatrixMultiplyAccumulate(l[i], q, acc[i][j]); }\n      }`;
  const stage = (tile: string, src: string, rows: number, first: string) => `for (var i = lid; i < ${(rows * BKW) / 4}u; i += ${NT}u) {
      let r = i / ${BKW / 4}u;
      let q = i % ${BKW / 4}u;
      let v = ${src}[((${first} + r) * ${KW}u + k0) / 4u + q];
      let d = r * ${RS}u + q * 4u;
      ${tile}[d] = v.x; ${tile}[d + 1u] = v.y; ${tile}[d + 2u] = v.z; ${tile}[d + 3u] = v.w;
    }`;
  return {
    threads: NT,
    groups: [N / BN, M / BM],
    code: `${HEADER}
@group(0) @binding(0) var<storage, read> a: array<vec4<i32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<i32>>;
var<workgroup> sa: array<i32, ${BM * RS}>;
var<workgroup> sb: array<i32, ${BN * RS}>;
@compute @workgroup_size(${NT}) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(subgroup_id) sg: u32, @builtin(local_invocation_index) lid: u32) {
  let r0 = wg.y * ${BM}u;
  let c0 = wg.x * ${BN}u;
  let sm = sg / ${SGN}u;
  let sn = sg % ${SGN}u;
  ${t.decl}
  for (var k0 = 0u; k0 < ${KW}u; k0 += ${BKW}u) {
    ${stage('sa', 'a', BM, 'r0')}
    ${stage('sb', 'b', BN, 'c0')}
    workgroupBarrier();
    for (var kk = 0u; kk < ${BKW}u; kk += 8u) {
      ${loads.join('\n      ')}
      ${t.mma.replace(/\n {4}/g, '\n      ')}
    }
    workgroupBarrier();
  }
  ${t.store}
}`,
  };
}

/** As conv.int8_mma holds them: accumulators and left operands in arrays, loops over the tiles. */
function arrayTiles(TM: number, TN: number) {
  return {
    decl: `var acc: array<array<subgroup_matrix_result<i32, 16, 16>, ${TN}>, ${TM}>;\n  var l: array<Left, ${TM}>;`,
    mma: '',
    store: `for (var i = 0u; i < ${TM}u; i++) {\n    for (var j = 0u; j < ${TN}u; j++) {\n      subgroupMatrixStore<row_major>(&c, (r0 + sm * ${16 * TM}u + i * 16u) * ${N}u + c0 + sn * ${16 * TN}u + j * 16u, acc[i][j], ${N}u);\n    }\n  }`,
  };
}

async function time(name: string, v: { code: string; groups: [number, number]; threads: number }): Promise<(string | number)[]> {
  device.pushErrorScope('validation');
  const pipe = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: v.code }), entryPoint: 'main' } });
  const err = await device.popErrorScope();
  if (err) return [name, '-', '-', `does not compile: ${err.message.split('\n')[0]}`];
  const bg = device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [ab, bb, cb].map((buffer, binding) => ({ binding, resource: { buffer } })) });
  const once = async (timed: boolean): Promise<number> => {
    const enc = device.createCommandEncoder();
    const p = enc.beginComputePass(timed ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
    p.setPipeline(pipe);
    p.setBindGroup(0, bg);
    p.dispatchWorkgroups(...v.groups);
    p.end();
    if (timed) {
      enc.resolveQuerySet(qs, 0, 2, qb, 0);
      enc.copyBufferToBuffer(qb, 0, qr, 0, 16);
    }
    device.queue.submit([enc.finish()]);
    if (!timed) return device.queue.onSubmittedWorkDone().then(() => 0);
    await qr.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(qr.getMappedRange().slice(0));
    qr.unmap();
    return Number(t[1]! - t[0]!) / 1e6;
  };
  await once(false);
  const times: number[] = [];
  for (let i = 0; i < 11; i++) times.push(await once(true));
  times.sort((x, y) => x - y);
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(cb, 0, rb, 0, M * N * 4);
  device.queue.submit([enc.finish()]);
  await rb.mapAsync(GPUMapMode.READ);
  const C = new Int32Array(rb.getMappedRange().slice(0));
  let bad = 0;
  for (let s = 0; s < 64; s++) {
    const [r, col] = [(s * 977) % M, (s * 613) % N];
    let sum = 0;
    for (let k = 0; k < K; k++) sum += A[r * K + k]! * B[col * K + k]!;
    if (sum !== C[r * N + col]) bad++;
  }
  rb.unmap();
  const ms = times[5]!;
  return [name, ms.toFixed(3), ((2 * M * N * K) / (ms * 1e-3) / 1e12).toFixed(1), bad === 0 ? 'exact (64 samples)' : `${bad}/64 WRONG`];
}

const rows: (string | number)[][] = [];
for (const [TM, TN] of [[2, 2], [2, 4]] as const) rows.push(await time(`direct TM${TM} TN${TN}`, direct(TM, TN)));
for (const [SGM, SGN, TM, TN, BKW, PAD] of [
  [2, 2, 2, 2, 8, 0], [2, 2, 2, 2, 16, 0], [2, 2, 2, 2, 16, 4], [2, 2, 2, 4, 8, 0], [2, 4, 2, 2, 8, 0], [4, 2, 2, 2, 8, 0], [2, 2, 4, 2, 8, 0], [4, 4, 1, 2, 8, 0], [2, 2, 2, 2, 8, 4],
] as const) {
  rows.push(await time(`staged ${SGM}x${SGN} sg, TM${TM} TN${TN}, BK ${4 * BKW}${PAD ? ` pad ${PAD}` : ''}`, staged(SGM, SGN, TM, TN, BKW, PAD)));
}
rows.push(await time('staged 2x4 sg, TM2 TN2, BK 32, arrays and loops', staged(2, 4, 2, 2, 8, 0, true)));
rows.push(await time('staged 2x2 sg, TM2 TN2, BK 32, arrays and loops', staged(2, 2, 2, 2, 8, 0, true)));
console.log(`packed int8 GEMM ${M}x${N}x${K} on ${adapter.vendor} ${adapter.description || adapter.architecture}; GPU median of 11 runs (timestamp queries)\n`);
console.log(table(['kernel', 'ms', 'TOPS', 'check'], rows));
await releaseDevices();
