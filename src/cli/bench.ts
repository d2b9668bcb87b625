/**
 * `wgrt bench <net|engine>`: trtexec's performance run. Builds the network with the build flags
 * (or loads the engine file), runs it on WebGPU (src/runtime/perf.ts: warm-up, then a minimum
 * duration and run count, several contexts in flight), prints throughput and the spread of each
 * measured time, and optionally a per-layer profile; exports per-run times and the profile.
 */
import { writeFileSync } from 'node:fs';
import type { Table } from 'apache-arrow';
import { DeviceError, WgrtError } from '../errors.js';
import { declaredInputs } from '../frontend/onnx/inputs.js';
import { batchOf, withBatch } from '../ir/batch.js';
import type { Graph } from '../ir/graph.js';
import { profileTable, runTimesTable, writeTable } from '../notebook/tables.js';
import type { ExecutionContext } from '../runtime/context.js';
import { medianProfile, runPerf, summarizePerf, type PerfSummary, type Spread } from '../runtime/perf.js';
import { BUILD_ARGS, BUILD_ARGS_HELP, engineFromArgs, type BuildArgValues, type EngineFromArgsOptions } from './build-args.js';
import type { CliCommand, FlagValues } from './command.js';
import { readInputs } from './inputs.js';
import { CliError, parseShapes } from './load.js';
import { table } from './table.js';

const HELP = `wgrt bench <net|engine.wgrt> [build options] [--warmup MS] [--duration S] [--iterations N]
          [--in-flight N] [--batch N] [--dump-profile] [--export-times FILE] [--export-profile FILE]
          [--input NAME=FILE]... [--seed N]

Measures an engine on WebGPU, as trtexec does: builds the network with the build options (an
engine file is used as built), runs it for --warmup MS untimed (default 200), then until both
--duration S (default 3) and --iterations N runs (default 10) are reached, and prints:

  Throughput          timed runs / total host wall time (qps), and examples/s = qps x batch
                      when the inputs have a batch dimension (dim 0, the same in every input)
  Latency             host wall time of one run: inputs written, work submitted, outputs back
  Enqueue Time        host time to encode the command buffer and submit it
  H2D Latency         host time to write the inputs to the queue (queue.writeBuffer copies them
                      into staging memory; the device-side copy runs with the submitted work)
  GPU Compute Time    timestamp queries around the run's compute pass (adapters with
                      timestamp-query); the device-side copies are outside it
  GPU Wait            host time from the submit until the submitted work is done: compute, the
                      device-side copies of inputs and outputs, scheduling (the GPU may start
                      during the submit, so this can be shorter than GPU Compute Time)
  D2H Latency         host time to map the output buffers and copy the outputs out, once done
  Total Host Walltime, Total GPU Compute Time

Each line gives min, mean, median, p90, p95, p99 and max over the timed runs, in ms. Warnings
follow when the latency or GPU compute time varies (coefficient of variation > 10 %), or when
H2D + D2H take longer than the GPU compute. WebGPU cannot timestamp copies, so H2D and D2H are
the host's share of the transfers; on a discrete GPU the DMA itself is in GPU Wait.

  --in-flight N         N execution contexts of the engine run at once (default 1): throughput
                        with the queue kept busy; each run's times then include waiting on others
  --batch N             set dim 0 of the inputs to N before building (a network, not an engine
                        file); an ONNX model's symbolic batch dim needs no --shapes then
  --dump-profile        per-layer GPU time, the median over --iterations extra profiled runs,
                        with the sum of the layers beside the whole-engine GPU compute time
  --export-times FILE   one row per timed run: .json (array of rows) or .arrow (Arrow IPC file)
  --export-profile FILE one row per engine layer (measured as for --dump-profile): .json or .arrow
  --input NAME=FILE     input data (.bin raw, .json numbers); others are seeded random (--seed)

${BUILD_ARGS_HELP}`;

const EXPORTS = ['.json', '.arrow'];

function number(v: FlagValues[string], flag: string, fallback: number, opts: { integer?: boolean; min?: number } = {}): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  const min = opts.min ?? 0;
  if (typeof v !== 'string' || !Number.isFinite(n) || n < min || (opts.integer && !Number.isInteger(n))) {
    throw new CliError(`${flag} takes ${opts.integer ? 'an integer' : 'a number'} of at least ${min}, not '${String(v)}'`);
  }
  return n;
}

function exportPath(v: FlagValues[string], flag: string): string | undefined {
  if (v === undefined) return undefined;
  const file = String(v);
  if (!EXPORTS.some((e) => file.endsWith(e))) throw new CliError(`${flag} '${file}': the file name must end in .json (rows as JSON) or .arrow (Arrow IPC file)`);
  return file;
}

/** Writes a table as JSON rows or as an Arrow IPC file, by the file's extension. */
function exportTable(file: string, t: Table): void {
  if (file.endsWith('.arrow')) return writeTable(file, t);
  const names = t.schema.fields.map((f) => f.name);
  const columns = names.map((n) => t.getChild(n)!.toArray() as ArrayLike<unknown>);
  const rows = Array.from({ length: t.numRows }, (_, i) => Object.fromEntries(names.map((n, c) => [n, columns[c]![i]])));
  writeFileSync(file, `${JSON.stringify(rows, null, 1)}\n`);
}

const noBatch = (what: string, inputs: string) =>
  new CliError(`--batch: ${what} has no batch dimension (inputs ${inputs}); --batch needs every input to have at least two dims and the same dim 0`);

/**
 * --batch N: the build flags and options that set dim 0 of the inputs to N. An ONNX model is
 * imported with those shapes (its symbolic dims filled by --shapes or declared fixed), so that
 * the importer folds its shape computations for that batch; another network is typed again.
 */
function batchArgs(target: string, n: number, args: BuildArgValues): { args: BuildArgValues; opts: EngineFromArgsOptions } {
  if (!target.endsWith('.onnx')) {
    return {
      args,
      opts: {
        network: (g: Graph) => {
          if (batchOf(g) === undefined) throw noBatch(`network '${g.name}'`, g.inputs.map((i) => `${i.name}[${i.type.shape.join(', ')}]`).join(', '));
          try {
            return withBatch(g, n);
          } catch (e) {
            throw e instanceof WgrtError ? new CliError(`--batch ${n}: ${e.message}`) : e;
          }
        },
      },
    };
  }
  const given = parseShapes(args.shapes ?? []);
  const declared = declaredInputs(target).map((i) => ({ name: i.name, dims: given[i.name] ?? i.dims }));
  if (declared.length === 0 || declared.some((i) => i.dims.length < 2)) throw noBatch(`'${target}'`, declared.map((i) => `${i.name}[${i.dims.join(', ')}]`).join(', '));
  const shapes = declared.filter((i) => i.dims.slice(1).every((d) => typeof d === 'number')).map((i) => `${i.name}:${[n, ...i.dims.slice(1)].join('x')}`);
  return {
    args: { ...args, shapes: [...(args.shapes ?? []), ...shapes] },
    opts: { network: (g: Graph) => (batchOf(g) === n ? g : Promise.reject(noBatch(`'${target}'`, g.inputs.map((i) => `${i.name}[${i.type.shape.join(', ')}]`).join(', ')))) },
  };
}

const ms = (v: number) => v.toFixed(3);
const line = (s: Spread) => `min = ${ms(s.min)} ms, mean = ${ms(s.mean)} ms, median = ${ms(s.median)} ms, p90 = ${ms(s.p90)} ms, p95 = ${ms(s.p95)} ms, p99 = ${ms(s.p99)} ms, max = ${ms(s.max)} ms`;

function formatSummary(s: PerfSummary, batch: number | undefined): string {
  const out = [`Throughput: ${s.qps.toFixed(2)} qps${batch !== undefined ? `, ${(s.qps * batch).toFixed(2)} examples/s (batch ${batch})` : ''}`, `Latency: ${line(s.latency)}`];
  const rows: [string, Spread | undefined][] = [['Enqueue Time', s.enqueue], ['H2D Latency', s.h2d], ['GPU Compute Time', s.gpu], ['GPU Wait', s.wait], ['D2H Latency', s.d2h]];
  for (const [name, v] of rows) out.push(v ? `${name}: ${line(v)}` : `${name}: not measured`);
  out.push(`Total Host Walltime: ${(s.wallMs / 1000).toFixed(3)} s`);
  out.push(`Total GPU Compute Time: ${s.gpu ? `${((s.gpu.mean * s.iterations) / 1000).toFixed(3)} s` : 'not measured (the adapter has no timestamp-query)'}`);
  for (const w of s.warnings) out.push(`Warning: ${w}`);
  return out.join('\n');
}

async function run(positionals: readonly string[], v: FlagValues): Promise<number> {
  const target = positionals[0];
  if (!target) throw new CliError(`usage: ${HELP.split('\n')[0]}`);
  const warmupMs = number(v.warmup, '--warmup', 200);
  const durationMs = 1000 * number(v.duration, '--duration', 3);
  const iterations = number(v.iterations, '--iterations', 10, { integer: true, min: 1 });
  const inFlight = number(v['in-flight'], '--in-flight', 1, { integer: true, min: 1 });
  const batchFlag = v.batch === undefined ? undefined : number(v.batch, '--batch', 1, { integer: true, min: 1 });
  const [timesFile, profileFile] = [exportPath(v['export-times'], '--export-times'), exportPath(v['export-profile'], '--export-profile')];
  const wantProfile = v['dump-profile'] === true || profileFile !== undefined;
  if (batchFlag !== undefined && target.endsWith('.wgrt')) {
    throw new CliError(`--batch sets dim 0 of the inputs when building a network; '${target}' is an engine file, built with its inputs' shapes: give the network instead ('wgrt bench <net> --batch ${batchFlag}')`);
  }
  const { args, opts } = batchFlag !== undefined ? batchArgs(target, batchFlag, v as BuildArgValues) : { args: v as BuildArgValues, opts: {} };
  const { engine } = await engineFromArgs(target, args, console.error, opts);
  const feeds = readInputs(engine.graph, (v.input as string[] | undefined) ?? [], number(v.seed, '--seed', 1, { integer: true }));
  const contexts: ExecutionContext[] = [];
  try {
    for (let i = 0; i < inFlight; i++) contexts.push(await engine.createContext({ backend: 'webgpu', profile: 'total' }));
    const gpu = contexts[0]!.gpu!;
    const adapter = `${gpu.adapter.vendor} ${gpu.adapter.description || gpu.adapter.architecture}`.trim();
    if (wantProfile && !gpu.features.has('timestamp-query')) throw new DeviceError(`--dump-profile and --export-profile need timestamp queries; this adapter (${adapter}) lacks the feature 'timestamp-query'`);
    const batch = batchOf(engine.graph);
    console.log(`bench '${engine.graph.name}': ${engine.layers.length} layers on ${adapter}, ${inFlight} context${inFlight > 1 ? 's' : ''} in flight${batch !== undefined ? `, batch ${batch}` : ''}`);
    const perf = await runPerf(contexts, feeds, { warmupMs, durationMs, iterations });
    const s = summarizePerf(perf);
    console.log(`${s.iterations} timed runs after ${warmupMs} ms of warm-up (at least ${iterations} runs and ${durationMs / 1000} s)\n`);
    console.log('=== Performance summary ===');
    console.log(formatSummary(s, batch));
    if (timesFile) {
      exportTable(timesFile, runTimesTable(perf.runs));
      console.log(`per-run times (${perf.runs.length} rows) -> ${timesFile}`);
    }
    if (!wantProfile) return 0;
    const profiler = await engine.createContext({ backend: 'webgpu', profile: 'layers' });
    contexts.push(profiler);
    const profile = await medianProfile(profiler, feeds, iterations);
    if (!profile) throw new DeviceError(`the profiled runs gave no per-layer times on ${adapter}`);
    const sum = profile.layers.reduce((acc, l) => acc + l.ms, 0);
    if (v['dump-profile']) {
      console.log(`\n=== Per-layer GPU time (median of ${iterations} profiled runs) ===`);
      console.log(table(['layer', 'op', 'tactic', 'ms', '%'], profile.layers.map((l) => [l.layer, l.op, l.tactic, l.ms, sum > 0 ? (100 * l.ms) / sum : 0])));
      console.log(`sum of layers: ${ms(sum)} ms | whole engine: ${s.gpu ? `${ms(s.gpu.median)} ms` : 'not measured'} (GPU compute median, one pass) | profiled runs, first layer to last: ${ms(profile.spanMs)} ms`);
      console.log('They differ: the layer times come from separate profiled runs that stamp each layer in a compute pass of its own (the passes add gaps between layers and remove any overlap), the whole-engine time from the timed runs, one pass for all layers.');
    }
    if (profileFile) {
      exportTable(profileFile, profileTable(profile.layers));
      console.log(`per-layer profile (${profile.layers.length} rows) -> ${profileFile}`);
    }
    return 0;
  } finally {
    for (const c of contexts) c.release();
  }
}

export const bench: CliCommand = {
  summary: 'throughput, latency percentiles, per-layer GPU time (trtexec)',
  help: HELP,
  options: {
    ...BUILD_ARGS,
    warmup: { type: 'string' },
    duration: { type: 'string' },
    iterations: { type: 'string' },
    'in-flight': { type: 'string' },
    batch: { type: 'string' },
    'dump-profile': { type: 'boolean' },
    'export-times': { type: 'string' },
    'export-profile': { type: 'string' },
    input: { type: 'string', multiple: true },
    seed: { type: 'string' },
  },
  run,
};
