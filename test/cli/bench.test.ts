// `wgrt bench`: every field printed, exported per-run times and per-layer profile read back and
// checked against the printed numbers, several contexts in flight, --batch, and bad flags.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src/cli/load.js';
import { readTable } from '../../src/notebook/tables.js';
import { cli } from '../helpers/cli.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();
const dir = mkdtempSync(join(tmpdir(), 'wgrt-bench-'));
const QUICK = ['--duration', '0', '--warmup', '0', '--iterations', '5'];
const FIELDS = ['Latency', 'Enqueue Time', 'H2D Latency', 'GPU Compute Time', 'GPU Wait', 'D2H Latency'];

afterEach(() => vi.restoreAllMocks());

/** The numbers of one summary line, `NAME: min = X ms, mean = ... max = X ms`. */
function field(out: string, name: string): Record<string, number> {
  const m = new RegExp(`^${name}: (.*)$`, 'm').exec(out);
  expect(m, `line '${name}'`).not.toBeNull();
  const pairs = [...m![1]!.matchAll(/(\w+) = ([\d.]+) ms/g)].map((p) => [p[1]!, Number(p[2])] as const);
  expect(pairs.map(([k]) => k)).toEqual(['min', 'mean', 'median', 'p90', 'p95', 'p99', 'max']);
  const v = Object.fromEntries(pairs);
  // Sanity only: finite, non-negative, ordered.
  expect(Object.values(v).every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
  expect(v['min']! <= v['median']! && v['median']! <= v['p90']! && v['p90']! <= v['p95']! && v['p95']! <= v['p99']! && v['p99']! <= v['max']!).toBe(true);
  return v;
}

const num = (out: string, re: RegExp) => Number(re.exec(out)?.[1]);
/** Min, mean, nearest-rank median and max of a column, as printed (3 decimals). */
const expectPrinted = (printed: Record<string, number>, values: number[]) => {
  const v = [...values].sort((a, b) => a - b);
  const want = { min: v[0]!, mean: v.reduce((s, x) => s + x, 0) / v.length, median: v[Math.ceil(v.length / 2) - 1]!, max: v[v.length - 1]! };
  for (const [k, x] of Object.entries(want)) expect(printed[k], k).toBeCloseTo(x, 2);
};

describe('wgrt bench', () => {
  it('benches the demo network: every field, per-run times as JSON, the per-layer profile as Arrow', async () => {
    const [times, profile] = [join(dir, 'times.json'), join(dir, 'profile.arrow')];
    const r = await cli('bench', 'demo', ...QUICK, '--dump-profile', '--export-times', times, '--export-profile', profile);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^bench 'demo-cnn': \d+ layers on .*, 1 context in flight, batch 1$/m);
    const runs = num(r.out, /^(\d+) timed runs after 0 ms of warm-up \(at least 5 runs and 0 s\)$/m);
    expect(runs).toBeGreaterThanOrEqual(5);
    const printed = Object.fromEntries(FIELDS.map((f) => [f, field(r.out, f)]));
    const qps = num(r.out, /^Throughput: ([\d.]+) qps, [\d.]+ examples\/s \(batch 1\)$/m);
    const wall = num(r.out, /^Total Host Walltime: ([\d.]+) s$/m);
    expect(qps).toBeCloseTo(runs / wall, 0); // both printed rounded
    const gpuTotal = num(r.out, /^Total GPU Compute Time: ([\d.]+) s$/m);

    // Per-run times: one row per timed run, nine columns, the printed stats recomputed from them.
    const rows = JSON.parse(readFileSync(times, 'utf8')) as Record<string, number>[];
    expect(rows).toHaveLength(runs);
    expect(Object.keys(rows[0]!)).toEqual(['iteration', 'context', 'start_ms', 'latency_ms', 'h2d_ms', 'enqueue_ms', 'gpu_wait_ms', 'd2h_ms', 'gpu_compute_ms']);
    const col = (k: string) => rows.map((row) => row[k]!);
    expectPrinted(printed['Latency']!, col('latency_ms'));
    expectPrinted(printed['H2D Latency']!, col('h2d_ms'));
    expectPrinted(printed['Enqueue Time']!, col('enqueue_ms'));
    expectPrinted(printed['GPU Wait']!, col('gpu_wait_ms'));
    expectPrinted(printed['D2H Latency']!, col('d2h_ms'));
    expectPrinted(printed['GPU Compute Time']!, col('gpu_compute_ms'));
    expect(gpuTotal).toBeCloseTo(col('gpu_compute_ms').reduce((s, x) => s + x, 0) / 1000, 2);

    // Per-layer profile: one row per engine layer (as inspect lists them); its sum is printed beside the whole-engine time.
    const layers = (JSON.parse((await cli('inspect', 'demo', '--format', 'json')).out) as { layers: { name: string }[] }).layers.map((l) => l.name);
    const t = readTable(readFileSync(profile));
    expect(t.numRows).toBe(layers.length);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['layer', 'op', 'tactic', 'ms', 'share']);
    expect([...t.getChild('layer')!.toArray()]).toEqual(layers);
    for (const l of layers) expect(r.out).toMatch(new RegExp(`^${l} `, 'm'));
    const sum = [...(t.getChild('ms')!.toArray() as Float64Array)].reduce((s, x) => s + x, 0);
    const m = /^sum of layers: ([\d.]+) ms \| whole engine: ([\d.]+) ms \(GPU compute median, one pass\) \| profiled runs, first layer to last: ([\d.]+) ms$/m.exec(r.out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeCloseTo(sum, 2);
    expect(Number(m![2])).toBe(printed['GPU Compute Time']!['median']);
    expect(r.out).toMatch(/^They differ: the layer times come from separate profiled runs/m);
  });

  it('benches an engine file with two contexts in flight, per-run times as Arrow', async () => {
    const [engine, times] = [join(dir, 'demo.wgrt'), join(dir, 'times.arrow')];
    expect((await cli('build', 'demo', '-o', engine)).code).toBe(0);
    const r = await cli('bench', engine, ...QUICK, '--in-flight', '2', '--export-times', times);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/, 2 contexts in flight, batch 1$/m);
    const runs = num(r.out, /^(\d+) timed runs/m);
    const printed = Object.fromEntries(FIELDS.map((f) => [f, field(r.out, f)]));
    for (const re of [/^Throughput: [\d.]+ qps, [\d.]+ examples\/s/m, /^Total Host Walltime: [\d.]+ s$/m, /^Total GPU Compute Time: [\d.]+ s$/m]) expect(r.out).toMatch(re);
    const t = readTable(readFileSync(times));
    expect([t.numRows, t.numCols]).toEqual([runs, 9]);
    expect(new Set(t.getChild('context')!.toArray())).toEqual(new Set([0, 1]));
    expectPrinted(printed['Latency']!, [...(t.getChild('latency_ms')!.toArray() as Float64Array)]);
    expectPrinted(printed['GPU Compute Time']!, [...(t.getChild('gpu_compute_ms')!.toArray() as Float64Array)]);
  });

  it('--batch sets dim 0 of a network (an ONNX model with a symbolic batch needs no --shapes): examples/s = qps x batch', async () => {
    const quick = ['--duration', '0', '--warmup', '0', '--iterations', '2'];
    const r = await cli('bench', 'demo', ...quick, '--batch', '3');
    expect(r.out).toMatch(/, batch 3$/m);
    const m = /^Throughput: ([\d.]+) qps, ([\d.]+) examples\/s \(batch 3\)$/m.exec(r.out)!;
    expect(Number(m[2])).toBeCloseTo(3 * Number(m[1]), 1);
    const onnx = await cli('bench', 'test/models/fashion-mnist/small_cnn.onnx', ...quick, '--batch', '4');
    expect(onnx.out).toMatch(/^bench 'main_graph': .*, batch 4$/m);
  });

  it('bad flags are CliErrors that say what to do', async () => {
    const engine = join(dir, 'bad.wgrt');
    await cli('build', 'demo', '-o', engine);
    await expect(cli('bench', engine, '--batch', '2')).rejects.toThrow(CliError);
    await expect(cli('bench', engine, '--batch', '2')).rejects.toThrow(/--batch sets dim 0 of the inputs when building a network; '.*bad.wgrt' is an engine file/);
    const flat = join(dir, 'flat.wg');
    writeFileSync(flat, 'network flat { input x: f32[8] output y = relu(x) }\n');
    await expect(cli('bench', flat, '--batch', '2')).rejects.toThrow(/--batch: network 'flat' has no batch dimension \(inputs x\[8\]\)/);
    await expect(cli('bench', 'demo', '--in-flight', '0')).rejects.toThrow(/--in-flight takes an integer of at least 1, not '0'/);
    await expect(cli('bench', 'demo', '--iterations', '2.5')).rejects.toThrow(/--iterations takes an integer of at least 1/);
    await expect(cli('bench', 'demo', '--export-times', 'times.csv')).rejects.toThrow(/--export-times 'times.csv': the file name must end in .json .* or .arrow/);
    await expect(cli('bench', 'demo', '--export-profile', 'p.txt')).rejects.toThrow(CliError);
    await expect(cli('bench')).rejects.toThrow(/usage: wgrt bench/);
  });

  it('is listed in wgrt --help, and its --help says what each number measures', async () => {
    expect((await cli('--help')).out).toMatch(/^ {2}bench +throughput, latency percentiles/m);
    const help = (await cli('bench', '--help')).out;
    for (const f of [...FIELDS, '--in-flight', '--dump-profile', '--export-times', '--batch', '--int8', '--calib']) expect(help).toContain(f);
  });
});
