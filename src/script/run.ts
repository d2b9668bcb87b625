/**
 * Pipeline scripts: the text DSL's steps (load, build, bench, compare, inspect, save, print; see
 * dsl-grammar/README.md) run in order on networks and engines. A step's result is bound to a
 * name (`e = build net`) that later steps use; a network defined in the script is a value under
 * its own name. Every fault is a ScriptError at the step, or at the option, that caused it.
 */
import { isAbsolute, resolve } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { formatEngine, formatNetwork } from '../cli/inspect.js';
import { loadEngine, loadNetwork } from '../cli/load.js';
import { readInputs } from '../cli/inputs.js';
import { fmt, table } from '../cli/table.js';
import { buildWithTuning } from '../cli/tune.js';
import { describeEngine } from '../engine/describe.js';
import { build, Engine, type BuildOptions } from '../engine/engine.js';
import { CalibrationError, WgrtError } from '../errors.js';
import { exportOnnx } from '../frontend/onnx/index.js';
import { buildNetwork, didYouMean, parseScript, printGraph, ScriptError, type ParseOptions, type Script, type StepDef } from '../frontend/text/index.js';
import { STEP_VERBS } from '../frontend/text/ast.js';
import { Graph } from '../ir/graph.js';
import { inferTypes, verify } from '../ir/index.js';
import type { Tensor } from '../ir/tensor.js';
import { runReference } from '../reference/index.js';
import { benchmark, type BenchReport, type Stats } from '../runtime/bench.js';
import { compareOutputs, type CompareReport } from '../runtime/compare.js';
import { createContext } from '../runtime/context.js';
import { acquireGpu } from '../runtime/device.js';
import type { BuildLayerPrecision } from '../engine/int8.js';
import { webgpuActivations } from '../runtime/activations.js';
import { agreement, predict } from '../quant/accuracy.js';
import { calibrate } from '../quant/calibrate.js';
import { fileBatches } from '../quant/file-batches.js';
import { CALIBRATION_METHODS } from '../quant/calibrators.js';
import { imageBatches, labels } from '../quant/data.js';
import { quantizableNodes } from '../quant/qdq.js';
import { QuantTable } from '../quant/table.js';
import { StepOptions } from './options.js';

/** What a step can produce and a name can hold. */
export type ScriptValue = Graph | Engine | QuantTable | BenchReport | CompareReport | AccuracyReport;

/** What `evaluate` gives: top-1 on labelled data, and each prediction. */
export interface AccuracyReport {
  readonly kind: 'accuracy';
  readonly examples: number;
  readonly top1: number;
  readonly predictions: Uint8Array;
}

export interface RunOptions extends ParseOptions {
  /** Folder that paths in the script are relative to; default the working directory. */
  readonly baseDir?: string;
  /** Where steps write what they show (tables, reports); default console.log. */
  readonly log?: (text: string) => void;
}

export interface ScriptResult {
  /** Every name a step bound, in order. */
  readonly values: Readonly<Record<string, ScriptValue>>;
  /** What the steps showed, one entry per step that showed something. */
  readonly log: readonly string[];
  /** How many steps ran. */
  readonly steps: number;
}

interface Run {
  readonly script: Script;
  readonly baseDir: string;
  /** How messages name baseDir: "the script's folder" or "the working directory". */
  readonly relativeTo: string;
  readonly values: Map<string, ScriptValue>;
  show(text: string): void;
}

/** Parses a script and runs its steps in order. */
export async function runScript(text: string, opts: RunOptions = {}): Promise<ScriptResult> {
  const script = parseScript(text, opts);
  const shown: string[] = [];
  const run: Run = {
    script,
    baseDir: opts.baseDir ?? process.cwd(),
    relativeTo: opts.baseDir === undefined ? 'the working directory' : `'${opts.baseDir}'`,
    values: new Map(),
    show(t) {
      shown.push(t);
      (opts.log ?? console.log)(t);
    },
  };
  let steps = 0;
  for (const s of script.statements) {
    if (s.kind !== 'step') continue;
    await step(run, s);
    steps++;
  }
  return { values: Object.fromEntries(run.values), log: shown, steps };
}

async function step(run: Run, s: StepDef): Promise<void> {
  const o = new StepOptions(run.script, s);
  let result: ScriptValue | undefined;
  try {
    result = await perform(run, s, o);
  } catch (e) {
    if (e instanceof ScriptError || !(e instanceof WgrtError)) throw e;
    throw new ScriptError(`${s.verb}: ${e.name}: ${e.message}`, { text: run.script.text, offset: s.at, source: run.script.source }, { cause: e });
  }
  if (s.bind !== undefined) {
    if (result === undefined) throw o.fail(s.at, `'${s.verb}' gives no value to bind to '${s.bind}'; write it without \`${s.bind} =\``);
    run.values.set(s.bind, result);
  }
}

async function perform(run: Run, s: StepDef, o: StepOptions): Promise<ScriptValue | undefined> {
  switch (s.verb) {
    case 'load': {
      o.check(['network', 'shapes']);
      const spec = s.subject === 'demo' ? 'demo' : path(run, s.subject!);
      if (spec !== 'demo' && !existsSync(spec)) {
        throw o.fail(s.subjectAt!, `'${s.subject}' does not exist (paths are relative to ${run.relativeTo}); load takes "demo", an .onnx model, a .wg script, a .wgrt engine, or a calibration table (.json, or a TensorRT .cache)`);
      }
      const network = o.string('network');
      if (spec.endsWith('.wgrt')) return loadEngine(spec);
      if (spec.endsWith('.cache')) return QuantTable.loadTensorRTCache(spec);
      if (spec.endsWith('.json')) return QuantTable.load(spec);
      return loadNetwork(spec, { shapes: o.shapes('shapes'), ...(network !== undefined ? { network } : {}) });
    }
    case 'build': {
      o.check(['level', 'disable', 'force', 'precision', 'calibration', 'keep', 'layers', 'tune', 'cache', 'strict', 'iterations']);
      const g = network(run, s, o);
      const level = o.integer('level', 0);
      const disable = o.strings('disable');
      const options: BuildOptions = {
        ...(level !== undefined ? { optimizationLevel: level } : {}),
        ...(disable ? { disablePasses: disable } : {}),
        force: o.record('force') ?? {},
        ...(await precision(run, s, o, g)),
      };
      const cache = o.string('cache');
      const strict = o.bool('strict') ?? false;
      const iterations = o.integer('iterations', 1);
      if (!(o.bool('tune') ?? false) && cache === undefined) {
        if (strict || iterations !== undefined) throw o.fail(s.at, "'strict' and 'iterations' belong to tuned builds; add tune: true");
        return build(g, options);
      }
      return buildWithTuning(g, options, {
        ...(cache !== undefined ? { cachePath: path(run, cache) } : {}),
        strict,
        ...(iterations !== undefined ? { iterations } : {}),
        log: (t) => run.show(t),
      });
    }
    case 'calibrate': {
      o.check(['data', 'method', 'images', 'scale', 'shift', 'input', 'percentile', 'bins', 'backend']);
      const g = verify(inferTypes(network(run, s, o)));
      const method = o.word('method', CALIBRATION_METHODS) ?? 'entropy';
      const images = o.integer('images', 1);
      const input = o.string('input');
      const data = dataFile(run, o, 'data');
      const from = () => fileBatches(g, data, { ...(input !== undefined ? { input } : {}), ...(images ? { limit: images } : {}), scale: o.number('scale') ?? 1 / 255, shift: o.number('shift') ?? 0 });
      let batches: ReturnType<typeof from>;
      try {
        batches = from();
      } catch (e) {
        throw e instanceof CalibrationError ? o.fail(s.at, e.message) : e;
      }
      const { source, batch, maxBatches } = batches;
      const backend = o.word('backend', ['webgpu', 'reference']) ?? 'webgpu';
      const percentile = o.number('percentile');
      const bins = o.integer('bins', 128);
      const t = await calibrate(g, source, {
        method, maxBatches,
        ...(backend === 'webgpu' ? { runner: webgpuActivations() } : {}),
        ...(percentile !== undefined ? { percentile } : {}),
        ...(bins !== undefined ? { bins } : {}),
      });
      run.show(`calibrate ${s.subject}: ${method}, ${maxBatches * batch} examples in ${maxBatches} batches of ${batch}, ${t.activations.size} activations, ${t.weights.size} weights`);
      return t;
    }
    case 'evaluate': {
      o.check(['data', 'labels', 'images', 'scale', 'shift', 'backend']);
      const engine = engineOf(run, s, o);
      const spec = engine.graph.inputs.filter((i) => !engine.graph.initializers.has(i.name))[0]!;
      const batch = spec.type.shape[0] ?? 1;
      const truth = labels(dataFile(run, o, 'labels'));
      const images = Math.min(o.integer('images', 1) ?? truth.length, truth.length);
      const whole = Math.floor(images / batch) * batch;
      if (whole < 1) throw o.fail(s.at, `${images} labelled examples are fewer than one batch of ${batch}`);
      const source = imageBatches(dataFile(run, o, 'data'), { batchSize: batch, input: spec.name, shape: spec.type.shape.slice(1), scale: o.number('scale') ?? 1 / 255, shift: o.number('shift') ?? 0, limit: whole });
      const ctx = await createContext(engine, { backend: o.word('backend', ['auto', 'webgpu', 'reference']) ?? 'auto' });
      try {
        const predictions = await predict((f) => ctx.run(f), source);
        const report: AccuracyReport = { kind: 'accuracy', examples: whole, top1: agreement(predictions, truth.subarray(0, whole)), predictions };
        run.show(`evaluate ${s.subject}: top-1 ${(100 * report.top1).toFixed(2)} % on ${whole} examples (${ctx.backend})`);
        return report;
      } finally {
        ctx.release();
      }
    }
    case 'bench': {
      o.check(['iterations', 'warmup', 'backend', 'seed']);
      const engine = engineOf(run, s, o);
      const ctx = await createContext(engine, { backend: o.word('backend', ['auto', 'webgpu', 'reference']) ?? 'auto', profile: 'total' });
      try {
        const iterations = o.integer('iterations', 1);
        const warmup = o.integer('warmup', 0);
        const report = await benchmark(ctx, readInputs(engine.graph, [], o.integer('seed') ?? 1), {
          ...(iterations !== undefined ? { iterations } : {}),
          ...(warmup !== undefined ? { warmup } : {}),
        });
        run.show(`bench ${s.subject} on ${report.backend}, ${report.iterations} runs\n${formatBench(report)}`);
        return report;
      } finally {
        ctx.release();
      }
    }
    case 'compare': {
      o.check(['atol', 'rtol', 'seed', 'backend']);
      const a = value(run, s.subject!, s.subjectAt!, o);
      const b = value(run, s.object!, s.objectAt!, o);
      const backend = o.word('backend', ['auto', 'webgpu', 'reference']) ?? 'auto';
      const feeds = readInputs(graphOf(a, s.subject!, s.subjectAt!, o), [], o.integer('seed') ?? 1);
      const [x, y] = [await outputs(a, s.subject!, s.subjectAt!, feeds, backend, o), await outputs(b, s.object!, s.objectAt!, feeds, backend, o)];
      const atol = o.number('atol');
      const rtol = o.number('rtol');
      const report = compareOutputs(x.out, y.out, { ...(atol !== undefined ? { atol } : {}), ...(rtol !== undefined ? { rtol } : {}) });
      run.show(`compare ${s.subject} (${x.by}) with ${s.object} (${y.by}): ${report.pass ? 'PASS' : 'FAIL'}\n${formatCompare(report)}`);
      return report;
    }
    case 'inspect': {
      o.check([]);
      const v = value(run, s.subject!, s.subjectAt!, o);
      run.show(v instanceof Engine ? formatEngine(describeEngine(v)) : v instanceof Graph ? formatNetwork(verify(inferTypes(v))) : formatReport(v));
      return undefined;
    }
    case 'print': {
      const v = value(run, s.subject!, s.subjectAt!, o);
      run.show(v instanceof Engine ? printGraph(v.graph) : v instanceof Graph ? printGraph(v) : formatReport(v));
      return undefined;
    }
    case 'save': {
      const v = value(run, s.subject!, s.subjectAt!, o);
      const file = path(run, s.object!);
      let bytes: Uint8Array | string;
      if (file.endsWith('.wgrt')) {
        if (!(v instanceof Engine)) throw o.fail(s.objectAt!, `a .wgrt file holds an engine; '${s.subject}' is ${describe(v)} (build it first: e = build ${s.subject})`);
        bytes = v.serialize();
      } else if (file.endsWith('.onnx') || file.endsWith('.wg')) {
        const g = v instanceof Engine ? undefined : v instanceof Graph ? v : undefined;
        if (!g) throw o.fail(s.objectAt!, `.onnx and .wg files hold a network; '${s.subject}' is ${describe(v)}`);
        bytes = file.endsWith('.wg') ? printGraph(g) : exportOnnx(verify(inferTypes(g)));
      } else if (v instanceof QuantTable && file.endsWith('.cache')) {
        bytes = v.toTensorRTCache();
      } else if (file.endsWith('.json')) {
        bytes = v instanceof QuantTable ? v.toJSON() : JSON.stringify(v instanceof Engine || v instanceof Graph ? describeValue(v) : v, null, 2);
      } else {
        throw o.fail(s.objectAt!, `'${s.object}': save writes .wgrt (an engine), .onnx or .wg (a network), .cache (a table, TensorRT's format) or .json (a table or a report)`);
      }
      writeFileSync(file, bytes);
      run.show(`saved ${s.subject} -> ${s.object}`);
      return undefined;
    }
    default:
      throw o.fail(s.at, `unknown step '${s.verb}'${didYouMean(s.verb, STEP_VERBS)}${didYouMean(s.verb, STEP_VERBS) ? '' : ';'} steps are ${STEP_VERBS.join(', ')}; layers go inside \`network NAME { ... }\``);
  }
}

// ---- values -------------------------------------------------------------------------------

function path(run: Run, p: string): string {
  return isAbsolute(p) ? p : resolve(run.baseDir, p);
}

/** A bound value, or a network the script defines (built on first use). */
function value(run: Run, name: string, at: number, o: StepOptions): ScriptValue {
  const bound = run.values.get(name);
  if (bound !== undefined) return bound;
  const defined = run.script.statements.some((t) => t.kind === 'network' && t.name === name);
  if (defined) {
    const g = buildNetwork(run.script, { network: name, baseDir: run.baseDir });
    run.values.set(name, g);
    return g;
  }
  const known = [...run.values.keys(), ...run.script.statements.flatMap((t) => (t.kind === 'network' ? [t.name] : []))];
  throw o.fail(at, `'${name}' is neither a network of this script nor a value bound by an earlier step${didYouMean(name, known)}`);
}

/** A data file option, resolved and checked to exist. */
function dataFile(run: Run, o: StepOptions, option: string): string {
  const file = o.string(option);
  if (file === undefined) throw o.fail(o.at, `this step needs ${option}: "FILE" (an IDX file, gzip or not${option === 'data' ? ', or an Arrow IPC file' : ''})`);
  const full = path(run, file);
  if (!existsSync(full)) throw o.fail(o.argAt(option)!, `'${file}' does not exist (paths are relative to ${run.relativeTo})`);
  return full;
}

/**
 * `precision: fp32|fp16|int8|best`, `calibration: TABLE` (for int8 and best), `keep: ["layer", ...]`
 * (Conv/Gemm/MatMul layers kept fp32) and `layers: { "pattern": fp16 }` (per-layer precision, keyed
 * as `force` is): the build's precision options (src/engine/int8.ts). fp16 and best are told the
 * features of this machine's adapter.
 */
async function precision(run: Run, s: StepDef, o: StepOptions, g: Graph): Promise<Partial<BuildOptions>> {
  const p = o.word('precision', ['fp32', 'fp16', 'int8', 'best']) ?? 'fp32';
  const table = o.name('calibration');
  const keep = o.strings('keep');
  const layers = o.record('layers') ?? {};
  for (const [k, v] of Object.entries(layers)) {
    if (!['fp32', 'fp16', 'int8'].includes(v)) throw o.fail(o.argAt('layers')!, `layers: '${k}' takes fp32, fp16 or int8, not '${v}'`);
  }
  const int8 = p === 'int8' || p === 'best' || Object.values(layers).includes('int8');
  if (!int8 && (table || keep)) throw o.fail(s.at, "'calibration' and 'keep' belong to precision: int8 or best");
  const t = table ? run.values.get(table.name) : undefined;
  if (table && !(t instanceof QuantTable)) throw o.fail(table.at, `calibration takes a table from calibrate or load; '${table.name}' is ${t === undefined ? 'not bound' : describe(t)}`);
  if (p === 'int8' && !t) throw o.fail(s.at, 'precision: int8 needs calibration: TABLE (t = calibrate NET (data: "...") or t = load "table.json")');
  if (keep) {
    const names = new Set(quantizableNodes(verify(inferTypes(g))).map((n) => n.name));
    for (const k of keep) if (!names.has(k)) throw o.fail(o.argAt('keep')!, `keep: '${k}' is no Conv/Gemm/MatMul layer of '${s.subject}'${didYouMean(k, names)}`);
  }
  const layerPrecision = { ...layers, ...Object.fromEntries((keep ?? []).map((k) => [k, 'fp32'])) } as Record<string, BuildLayerPrecision>;
  const features = p === 'fp16' || p === 'best' || Object.values(layers).includes('fp16') ? (await acquireGpu())?.features : undefined;
  return {
    precision: p,
    ...(t instanceof QuantTable ? { calibration: t } : {}),
    ...(Object.keys(layerPrecision).length ? { layerPrecision } : {}),
    ...(features ? { features } : {}),
  };
}

function network(run: Run, s: StepDef, o: StepOptions): Graph {
  const v = value(run, s.subject!, s.subjectAt!, o);
  if (v instanceof Graph) return v;
  throw o.fail(s.subjectAt!, `build takes a network; '${s.subject}' is ${describe(v)}`);
}

/** An engine, or a network built with the default options. */
function engineOf(run: Run, s: StepDef, o: StepOptions): Engine {
  const v = value(run, s.subject!, s.subjectAt!, o);
  if (v instanceof Engine) return v;
  if (v instanceof Graph) return build(v);
  throw o.fail(s.subjectAt!, `${s.verb} takes an engine or a network; '${s.subject}' is ${describe(v)}`);
}

function graphOf(v: ScriptValue, name: string, at: number, o: StepOptions): Graph {
  if (v instanceof Engine) return v.graph;
  if (v instanceof Graph) return verify(inferTypes(v));
  throw o.fail(at, `compare takes engines and networks; '${name}' is ${describe(v)}`);
}

/** Outputs of an engine (on the backend) or of a network (on the reference executor). */
async function outputs(v: ScriptValue, name: string, at: number, feeds: Record<string, Tensor>, backend: 'auto' | 'webgpu' | 'reference', o: StepOptions): Promise<{ out: Record<string, Tensor>; by: string }> {
  const g = graphOf(v, name, at, o);
  if (!(v instanceof Engine)) return { out: runReference(g, feeds), by: 'reference executor' };
  const ctx = await createContext(v, { backend });
  try {
    return { out: await ctx.run(feeds), by: `engine on ${ctx.backend}` };
  } finally {
    ctx.release();
  }
}

function describe(v: ScriptValue): string {
  if (v instanceof Engine) return 'an engine';
  if (v instanceof Graph) return 'a network';
  if (v instanceof QuantTable) return 'a calibration table';
  return v.kind === 'bench' ? 'a bench report' : v.kind === 'compare' ? 'a compare report' : 'an accuracy report';
}

function describeValue(v: Engine | Graph): unknown {
  return v instanceof Engine ? describeEngine(v) : { name: v.name, nodes: v.nodes.length, inputs: v.inputs, outputs: v.outputs };
}

// ---- reports ------------------------------------------------------------------------------

function formatReport(r: QuantTable | BenchReport | CompareReport | AccuracyReport): string {
  if (r instanceof QuantTable) {
    return `calibration table: ${r.method}, ${r.batches} batches\n${table(['tensor', 'amax', 'scale', 'min', 'max'], [...r.activations].map(([t, a]) => [t, a.amax, a.scale, a.min ?? '-', a.max ?? '-']))}`;
  }
  if (r.kind === 'accuracy') return `top-1 ${(100 * r.top1).toFixed(2)} % on ${r.examples} examples`;
  return r.kind === 'bench' ? formatBench(r) : formatCompare(r);
}

export function formatBench(r: BenchReport): string {
  const row = (what: string, st: Stats) => [what, st.min, st.mean, st.median, st.p90, st.max];
  return table(['ms', 'min', 'mean', 'median', 'p90', 'max'], [row('wall (run + readback)', r.wallMs), ...(r.gpuMs ? [row('GPU (timestamps)', r.gpuMs)] : [])]);
}

export function formatCompare(r: CompareReport): string {
  return `${table(['output', 'shape', 'max abs', 'max rel', 'rel L2', 'cosine', 'mismatches', 'pass'], r.outputs.map((c) => [
    c.name, c.shape.join('x') || 'scalar', fmt(c.maxAbs), fmt(c.maxRel), fmt(c.relL2), c.cosine.toFixed(6), c.mismatches, c.pass ? 'yes' : 'NO',
  ]))}\n(pass: every element within atol ${r.atol} + rtol ${r.rtol} × |expected|)`;
}
