/**
 * The ONNX backend conformance corpus (test/data/onnx-conformance): loading a case, running it
 * through wgrt on WebGPU and on the reference executor, and comparing with ONNX's expected
 * outputs (|actual - expected| <= atol + rtol * |expected|, rtol 1e-3 and atol 1e-7 unless the
 * index gives a tolerance).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WgrtError } from '../../src/errors.js';
import { build } from '../../src/engine/engine.js';
import { decodeTensorProto, loadOnnx, tensorFromProto } from '../../src/frontend/onnx/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { isFloat } from '../../src/ir/dtype.js';
import { sameShape, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReference } from '../../src/reference/index.js';

export const CORPUS = new URL('../data/onnx-conformance/', import.meta.url).pathname;

export interface CaseInfo {
  readonly name: string;
  readonly group: string;
  readonly path: string;
  readonly opset: number;
  readonly primary_op?: string;
  readonly expanded_from?: string;
  readonly inputs: readonly { name: string; dtype: string }[];
  readonly outputs: readonly { name: string }[];
  readonly tolerance?: { atol: number; rtol: number };
  readonly notes?: readonly string[];
}

export function corpus(): CaseInfo[] {
  return (JSON.parse(readFileSync(join(CORPUS, 'index.json'), 'utf8')) as { tests: CaseInfo[] }).tests;
}

/** Training-mode Dropout with a non-zero ratio: outputs drawn from a random generator. */
export const RANDOM_CASES: Readonly<Record<string, string>> = {
  test_training_dropout: 'training-mode Dropout (ratio 0.75): expected outputs come from a random mask',
  test_training_dropout_default: 'training-mode Dropout (ratio 0.5): expected outputs come from a random mask',
  test_training_dropout_mask: 'training-mode Dropout (ratio 0.75): expected output and mask come from a random generator',
};

/** The op a case is about (for expanded cases, the op it expands). */
export function caseOp(c: CaseInfo): string {
  return c.primary_op ?? (c.group === 'light' ? c.name.replace(/^light_/, 'model: ') : c.name);
}

export interface Loaded {
  graph: Graph;
  feeds: Record<string, Tensor>;
  expected: Tensor[];
  /** Inputs given to the import as constants (shape tensors), if any. */
  frozen: string[];
}

function readPb(path: string, what: string): Tensor {
  return tensorFromProto(decodeTensorProto(readFileSync(path), what), what);
}

/**
 * Imports a case. Inputs that decide shapes (Reshape's shape, Expand's, Tile's repeats...) must
 * be constants in a static-shape engine: when the plain import fails, the integer inputs are
 * given to the import as constants, as a user would with `constants`.
 */
export function loadCase(c: CaseInfo, opts: { constantOperands?: boolean } = {}): Loaded {
  const dir = join(CORPUS, c.path);
  const data = join(dir, 'test_data_set_0');
  const values = c.inputs.map((inp, i) => [inp.name, readPb(join(data, `input_${i}.pb`), `${c.name} input ${i}`)] as const);
  const expected = c.outputs.map((_, i) => readPb(join(data, `output_${i}.pb`), `${c.name} output ${i}`));
  const model = join(dir, 'model.onnx');
  const attempt = (frozen: readonly (readonly [string, Tensor])[]): Loaded => {
    const constants = Object.fromEntries(frozen);
    const graph = loadOnnx(model, { constants });
    build(graph); // a missing WebGPU kernel for a runtime input shows here
    return { graph, feeds: Object.fromEntries(values.filter(([k]) => !(k in constants))), expected, frozen: Object.keys(constants) };
  };
  // First every input at run time; then the integer inputs but the first as constants (shape
  // tensors); then all inputs but the first (scales, ratios, bounds); last, every integer input,
  // which folds a graph on integer data entirely (run.ts lists those cases).
  const ints = values.filter(([, t]) => !isFloat(t.dtype));
  // constantOperands: every input but the first a constant from the start (weights, as in a real
  // model), which some tactics need.
  const tries = opts.constantOperands ? [values.slice(1), ints] : [[], ints.filter(([k]) => k !== values[0]?.[0]), values.slice(1), ints];
  let first: unknown;
  for (const frozen of tries) {
    if (frozen.length === 0 && first !== undefined) continue;
    if (frozen.length === 0 && tries.indexOf(frozen) > 0) continue;
    try {
      return attempt(frozen);
    } catch (e) {
      if (!(e instanceof WgrtError)) throw e;
      first ??= e;
    }
  }
  throw first;
}

/** Why `actual` does not match `expected`, or undefined when it does. */
export function mismatch(actual: Tensor | undefined, expected: Tensor, tol = { atol: 1e-7, rtol: 1e-3 }): string | undefined {
  if (!actual) return 'output missing';
  if (!sameShape(actual.shape, expected.shape)) return `shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  const a = toFloat64(actual);
  const e = toFloat64(expected);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    const ok = Number.isNaN(y) ? Number.isNaN(x) : x === y || Math.abs(x - y) <= tol.atol + tol.rtol * Math.abs(y);
    if (!ok) {
      bad++;
      if (first < 0) first = i;
    }
  }
  return bad ? `${bad}/${e.length} elements differ (first at ${first}: ${a[first]} vs expected ${e[first]})` : undefined;
}

export interface CaseResult {
  readonly name: string;
  readonly op: string;
  readonly skipped?: string;
  /** undefined when it passed; else why not. */
  readonly webgpu?: string;
  readonly reference?: string;
  readonly frozen: readonly string[];
  /** Every input was given as a constant: the graph folded away, no kernel ran. */
  readonly folded?: boolean;
}

async function runOn(backend: 'webgpu' | 'reference', l: Loaded, c: CaseInfo): Promise<string | undefined> {
  let out: Record<string, Tensor>;
  if (backend === 'reference') out = runReference(l.graph, l.feeds);
  else {
    const ctx = await build(l.graph).createContext({ backend });
    try {
      out = await ctx.run(l.feeds);
    } finally {
      ctx.release();
    }
  }
  for (let i = 0; i < c.outputs.length; i++) {
    const name = l.graph.outputs[i]!;
    const why = mismatch(out[name], l.expected[i]!, c.tolerance);
    if (why) return `output '${name}': ${why}`;
  }
  return undefined;
}

/** Runs one case on both backends. */
export async function runCase(c: CaseInfo): Promise<CaseResult> {
  const op = caseOp(c);
  const skipped = RANDOM_CASES[c.name];
  if (skipped) return { name: c.name, op, skipped, frozen: [] };
  let l: Loaded;
  try {
    l = loadCase(c);
  } catch (e) {
    const why = `import: ${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`;
    return { name: c.name, op, webgpu: why, reference: why, frozen: [] };
  }
  const guard = async (b: 'webgpu' | 'reference') => {
    try {
      return await runOn(b, l, c);
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`;
    }
  };
  const folded = l.frozen.length === c.inputs.length && l.frozen.length > 0;
  return { name: c.name, op, webgpu: await guard('webgpu'), reference: await guard('reference'), frozen: l.frozen, folded };
}

export const hasCorpus = (): boolean => existsSync(join(CORPUS, 'index.json'));
