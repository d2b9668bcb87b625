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
import { WgrtError } from '../errors.js';
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
import { StepOptions } from './options.js';

/** What a step can produce and a name can hold. */
export type ScriptValue = Graph | Engine | BenchReport | CompareReport;

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
        throw o.fail(s.subjectAt!, `'${s.subject}' does not exist (paths are relative to ${run.relativeTo}); load takes "demo", an .onnx model, a .wg script or a .wgrt engine`);
      }
      const network = o.string('network');
      if (spec.endsWith('.wgrt')) return loadEngine(spec);
      return loadNetwork(spec, { shapes: o.shapes('shapes'), ...(network !== undefined ? { network } : {}) });
    }
    case 'build': {
      o.check(['level', 'disable', 'force', 'precision', 'tune', 'cache', 'strict', 'iterations']);
      const g = network(run, s, o);
      o.word('precision', ['fp32'], 'this version builds fp32 engines only');
      const level = o.integer('level', 0);
      const disable = o.strings('disable');
      const options: BuildOptions = {
        ...(level !== undefined ? { optimizationLevel: level } : {}),
        ...(disable ? { disablePasses: disable } : {}),
        force: o.record('force') ?? {},
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
      } else if (file.endsWith('.json')) {
        bytes = JSON.stringify(v instanceof Engine || v instanceof Graph ? describeValue(v) : v, null, 2);
      } else {
        throw o.fail(s.objectAt!, `'${s.object}': save writes .wgrt (an engine), .onnx or .wg (a network), or .json (a report)`);
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
  return v instanceof Engine ? 'an engine' : v instanceof Graph ? 'a network' : v.kind === 'bench' ? 'a bench report' : 'a compare report';
}

function describeValue(v: Engine | Graph): unknown {
  return v instanceof Engine ? describeEngine(v) : { name: v.name, nodes: v.nodes.length, inputs: v.inputs, outputs: v.outputs };
}

// ---- reports ------------------------------------------------------------------------------

function formatReport(r: BenchReport | CompareReport): string {
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
