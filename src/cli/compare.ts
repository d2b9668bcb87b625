/**
 * `wgrt compare` (Polygraphy's `run --trt --onnxrt`): the same inputs through the wgrt engine and
 * a second backend (the reference executor on the model's own, unoptimized graph, or
 * onnxruntime-node), per output the errors and a verdict; with --per-layer every engine layer's
 * output against the reference's value of that tensor (src/runtime/per-layer.ts).
 */
import { readFileSync } from 'node:fs';
import type { Engine } from '../engine/engine.js';
import type { Graph } from '../ir/graph.js';
import { allocate } from '../ir/dtype.js';
import { tensor, type Tensor } from '../ir/tensor.js';
import { fileBatches } from '../quant/file-batches.js';
import { runReference } from '../reference/index.js';
import { compareOutputs, type CompareReport, type Tolerance } from '../runtime/compare.js';
import { runOnnxRuntime } from '../runtime/onnxruntime.js';
import { compareLayers, observable, type LayerReport } from '../runtime/per-layer.js';
import { BUILD_ARGS, BUILD_ARGS_HELP, engineFromArgs, type BuildArgValues } from './build-args.js';
import type { CliCommand, FlagValues } from './command.js';
import { readInputs } from './inputs.js';
import { CliError, loadNetwork, parseShapes } from './load.js';
import { fmt, table } from './table.js';

/** The input and criterion flags compare and bisect share. */
export const INPUT_ARGS = {
  input: { type: 'string', multiple: true },
  seed: { type: 'string' },
  data: { type: 'string' },
  images: { type: 'string' },
  atol: { type: 'string' },
  rtol: { type: 'string' },
  'min-cosine': { type: 'string' },
} as const;

export const INPUT_ARGS_HELP = `Inputs (the same for both sides):
  --seed N                  seeded random data for every input not given (default 1)
  --input NAME=FILE         an input from a file: raw little-endian (.bin) or a JSON array (repeatable)
  --data FILE               real examples: IDX images (bytes / 255) or an Arrow IPC file with a column
                            per input; the first batch (the input's batch dimension), or --images N
  --images N                with --data: the first N examples, in whole batches
Criterion:
  --atol A, --rtol R        every element within A + R × |expected| (numpy's allclose)
  --min-cosine C            instead: every output's cosine similarity at least C`;

type Values = FlagValues & BuildArgValues;

const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);

function number(v: Values, flag: string, check: (n: number) => boolean, what: string): number | undefined {
  const s = str(v, flag);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n) || !check(n)) throw new CliError(`--${flag} takes ${what}, not '${s}'`);
  return n;
}

/** The pass criterion of the flags; `fallback` when none is given. */
export function criterion(v: Values, fallback: Tolerance = {}): Tolerance {
  const atol = number(v, 'atol', (n) => n >= 0, 'a number ≥ 0');
  const rtol = number(v, 'rtol', (n) => n >= 0, 'a number ≥ 0');
  const minCosine = number(v, 'min-cosine', (n) => n >= -1 && n <= 1, 'a cosine from -1 to 1');
  if (minCosine !== undefined && (atol !== undefined || rtol !== undefined)) throw new CliError('--min-cosine replaces --atol/--rtol as the criterion; give one or the other');
  if (minCosine !== undefined) return { minCosine };
  if (atol === undefined && rtol === undefined) return fallback;
  return { ...(atol !== undefined ? { atol } : {}), ...(rtol !== undefined ? { rtol } : {}) };
}

/** Batches of feeds for `g` from the flags, and what they are (for the header line). */
export function feedsFromArgs(g: Graph, v: Values): { batches: Record<string, Tensor>[]; what: string } {
  const data = str(v, 'data');
  const images = number(v, 'images', (n) => Number.isInteger(n) && n >= 1, 'a positive whole number');
  if (data === undefined) {
    if (images !== undefined) throw new CliError('--images N needs --data FILE');
    const seed = number(v, 'seed', Number.isInteger, 'a whole number') ?? 1;
    const given = (v['input'] as string[] | undefined) ?? [];
    return { batches: [readInputs(g, given, seed)], what: `${given.length ? 'inputs from files, the rest ' : ''}seeded random inputs (seed ${seed})` };
  }
  if (v['input'] !== undefined) throw new CliError('--data and --input both give the inputs; give one');
  const { source, input, batch, maxBatches } = fileBatches(g, data, { limit: images ?? batchOf(g) });
  const batches = [...source].slice(0, maxBatches);
  return { batches, what: `${batches.length * batch} examples of ${data} as '${input}'` };
}

const batchOf = (g: Graph) => g.inputs.find((i) => !g.initializers.has(i.name))?.type.shape[0] ?? 1;

/** Tensors of one shape joined along the first axis. */
function concat(parts: readonly Tensor[]): Tensor {
  const first = parts[0]!;
  const data = allocate(first.dtype, parts.reduce((s, p) => s + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    (data as { set(src: ArrayLike<unknown>, offset: number): void }).set(p.data, at);
    at += p.data.length;
  }
  return tensor(first.dtype, [parts.reduce((s, p) => s + (p.shape[0] ?? 1), 0), ...first.shape.slice(1)], data);
}

/** Each batch through `run`, the results of every batch joined along the first axis. */
export async function runBatches(run: (feeds: Record<string, Tensor>) => Promise<Record<string, Tensor>> | Record<string, Tensor>, batches: readonly Record<string, Tensor>[]): Promise<Record<string, Tensor>> {
  const results: Record<string, Tensor>[] = [];
  for (const b of batches) results.push(await run(b));
  if (results.length === 1) return results[0]!;
  return Object.fromEntries(Object.keys(results[0]!).map((k) => [k, concat(results.map((r) => r[k]!))]));
}

/** The verdict's criterion, in words. */
export function criterionText(t: Tolerance): string {
  return t.minCosine !== undefined ? `cosine ≥ ${t.minCosine}` : `every element within atol ${t.atol ?? 1e-5} + rtol ${t.rtol ?? 1e-5} × |expected|`;
}

export function formatComparison(r: CompareReport): string {
  return `${table(['output', 'shape', 'max abs', 'max rel', 'rel L2', 'cosine', 'p50', 'p90', 'p99', 'mismatches', 'pass'], r.outputs.map((c) => [
    c.name, c.shape.join('x') || 'scalar', c.maxAbs, c.maxRel, c.relL2, c.cosine.toFixed(6), c.quantiles.p50, c.quantiles.p90, c.quantiles.p99, c.mismatches, c.pass ? 'yes' : 'NO',
  ]))}\n${r.pass ? 'PASS' : 'FAIL'} (${criterionText(r)}; p50/p90/p99: quantiles of |error|)`;
}

function formatLayers(r: LayerReport): string {
  const rows = r.layers.map((l, i) => {
    const c = l.comparison;
    const note = l.skipped ? `skipped: ${l.skipped}` : l.scale !== undefined ? `int8 × ${fmt(l.scale)}${l.quantizedFor?.length ? `, input of ${l.quantizedFor.join(', ')}` : ''}` : '';
    return [String(i + 1), l.layer, l.op, l.reference ?? l.tensor, l.dtype, c ? fmt(c.maxAbs) : '-', c ? fmt(c.relL2) : '-', c ? c.cosine.toFixed(6) : '-', c ? (c.pass ? 'yes' : 'NO') : '-', note];
  });
  const f = r.first;
  const why = f?.onGrid && f.quantizedFor?.length
    ? `\n  it matches the reference rounded to its int8 scale, so the scale is at fault: the input threshold of ${f.quantizedFor.join(', ')}; check the calibration, or keep ${f.quantizedFor.length > 1 ? 'them' : 'it'} in fp32`
    : '';
  const verdict = !f
    ? 'every compared layer is within tolerance'
    : `first layer beyond tolerance: '${f.layer}' (${f.op}), tensor ${f.reference}: cosine ${f.comparison!.cosine.toFixed(6)}, max abs ${fmt(f.comparison!.maxAbs)}${why}\nsuspects: ${r.suspects.join(', ')}`;
  return `${table(['#', 'layer', 'op', 'tensor', 'dtype', 'max abs', 'rel L2', 'cosine', 'pass', 'note'], rows)}\n${verdict}`;
}

const SIDES = ['reference', 'onnxruntime'] as const;

/** The engine of the flags (--engine FILE, or the model built) and the model's own graph. */
async function engineAndModel(target: string, v: Values): Promise<{ engine: Engine; network: Graph }> {
  const file = str(v, 'engine');
  if (file === undefined) {
    const { engine, network } = await engineFromArgs(target, v);
    return { engine, network: network! };
  }
  if (!file.endsWith('.wgrt')) throw new CliError(`--engine takes an engine file (.wgrt), not '${file}'; to build from the model, leave --engine out and give build flags`);
  const { engine } = await engineFromArgs(file, v);
  const network = await loadNetwork(target, { shapes: parseShapes(v.shapes ?? []), ...(v.network !== undefined ? { network: v.network } : {}) });
  return { engine, network };
}

async function run(positionals: readonly string[], v: Values): Promise<number> {
  const target = positionals[0];
  if (!target || target.endsWith('.wgrt')) throw new CliError(`usage: ${HELP.split('\n')[0]}${target ? ` (give the model; the engine file goes to --engine)` : ''}`);
  const side = str(v, 'with') ?? 'reference';
  if (!(SIDES as readonly string[]).includes(side)) throw new CliError(`--with must be ${SIDES.join(' or ')}, not '${side}'`);
  const perLayer = !!v['per-layer'];
  if (perLayer && side !== 'reference') throw new CliError('--per-layer compares with the reference executor, which computes every tensor; leave out --with onnxruntime');
  if (side === 'onnxruntime' && !target.endsWith('.onnx')) throw new CliError(`--with onnxruntime runs ONNX models; '${target}' is not an .onnx file`);
  const tol = criterion(v);
  const { engine, network } = await engineAndModel(target, v);
  const { batches, what } = feedsFromArgs(engine.graph, v);
  const observe = perLayer ? observable(engine, network) : [];
  const ctx = await engine.createContext({ observe });
  let actual: Record<string, Tensor>;
  try {
    actual = await runBatches((f) => ctx.run(f), batches);
  } finally {
    ctx.release();
  }
  const model = side === 'onnxruntime' ? new Uint8Array(readFileSync(target)) : undefined;
  const expected = await runBatches((f) => (model ? runOnnxRuntime(model, f) : runReference(network, f, { keep: perLayer ? 'all' : 'outputs' })), batches);
  const pick = (r: Record<string, Tensor>) => Object.fromEntries(network.outputs.map((o) => [o, r[o]!]).filter(([, t]) => t)) as Record<string, Tensor>;
  const report = compareOutputs(pick(actual), pick(expected), tol);
  const int8 = engine.layers.filter((l) => l.precision.runs === 'int8').length;
  console.log(`compare '${network.name}': wgrt engine (${ctx.backend}, ${engine.layers.length} layers${int8 ? `, ${int8} in int8` : ''}) vs ${side === 'reference' ? 'the reference executor on the unoptimized graph' : 'onnxruntime-node (CPU)'}, on ${what}\n`);
  console.log(formatComparison(report));
  const layers = perLayer ? compareLayers(engine, network, actual, expected, tol) : undefined;
  if (layers) console.log(`\nper layer (engine layers in execution order, at fused-layer boundaries):\n${formatLayers(layers)}`);
  return report.pass && !layers?.first ? 0 : 1;
}

const HELP = `wgrt compare <model> [--engine FILE | build options] [--with reference|onnxruntime] [--per-layer]
          [--seed N | --input NAME=FILE... | --data FILE [--images N]] [--atol A --rtol R | --min-cosine C]

Runs the same inputs through the wgrt engine (the model built with the build options, or --engine
FILE) and a second backend: the CPU reference executor on the model's own, unoptimized graph
(default), or onnxruntime-node (--with onnxruntime, .onnx models, when installed). Prints per
output the max abs and rel error, relative L2, cosine similarity, the 50/90/99 % quantiles of the
absolute error, and pass/fail under --atol/--rtol (default 1e-5 each, as Polygraphy) or
--min-cosine. Exits 1 on a failure.

--per-layer compares every engine layer's output (at fused-layer boundaries, so looking does not
change the engine) with the reference's value of that tensor, and names the first layer beyond
the tolerance. Int8 tensors are compared dequantized with their scale; tensors that fusion made
are skipped, with the reason. For INT8 engines use a looser criterion, e.g. --min-cosine 0.99.

${INPUT_ARGS_HELP}

${BUILD_ARGS_HELP}`;

export const compare: CliCommand = {
  summary: 'compare the engine with the reference or onnxruntime',
  help: HELP,
  options: { ...BUILD_ARGS, ...INPUT_ARGS, engine: { type: 'string' }, with: { type: 'string' }, 'per-layer': { type: 'boolean' } },
  run: (positionals, values) => run(positionals, values as Values),
};
