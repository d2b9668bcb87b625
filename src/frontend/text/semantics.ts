/**
 * Syntax tree -> Graph. A network is built with the fluent builder (src/frontend/fluent):
 * lower-case calls are its TensorHandle methods, so a script and the same network written in
 * TypeScript give the same graph; PascalCase calls are generic nodes of any registered op, with
 * the tensor and node names as written. Blocks are functions over tensors and numbers, expanded
 * at each call; `repeat` runs its body again, re-binding names. Nothing is evaluated as JavaScript.
 */
import { WgrtError } from '../../errors.js';
import type { AttrValue, Graph } from '../../ir/graph.js';
import { LAYOUT_ATTR } from '../../ir/layout.js';
import { OPS } from '../../ir/ops/index.js';
import type { Tensor } from '../../ir/tensor.js';
import { isTensor } from '../fluent/init.js';
import { network, type Network } from '../fluent/network.js';
import { TensorHandle } from '../fluent/tensor-handle.js';
import type { Arg, AttrAst, BlockDef, Expr, NetworkDef, Script, Stmt } from './ast.js';
import { didYouMean, ScriptError } from './errors.js';
import { FLUENT_LAYERS } from './layers.js';
import { dataTensor, fileTensor, seededTensor, ValueProblem, valuesTensor } from './values.js';

export interface BuildOptions {
  /** The network to build (by name); default the script's last one. */
  readonly network?: string;
  /** Folder that `weight ... = file "..."` paths are relative to; default the working directory. */
  readonly baseDir?: string;
}

/** `_`: an absent optional input. */
const ABSENT: unique symbol = Symbol('absent');
type Value = number | string | boolean | TensorHandle | Tensor | typeof ABSENT | readonly Value[];

/** Guards against runaway scripts (a typo'd count, a block calling itself). */
const MAX_REPEAT = 10_000;
const MAX_DEPTH = 64;
const NETWORK_OPTIONS = ['seed'];

type Scope = Map<string, Value>;

interface Ctx {
  readonly script: Script;
  readonly blocks: ReadonlyMap<string, BlockDef>;
  readonly net: Network;
  readonly baseDir: string;
  /** Block calls in progress (for the depth guard). */
  depth: number;
}

/** Builds one network of a parsed script into a typed, verified Graph. */
export function buildNetwork(script: Script, opts: BuildOptions = {}): Graph {
  const blocks = new Map<string, BlockDef>();
  const networks: NetworkDef[] = [];
  for (const s of script.statements) {
    if (s.kind === 'block') {
      if (blocks.has(s.name)) throw fail(script, s.at, `block '${s.name}' is defined twice; rename one`);
      blocks.set(s.name, s);
    } else if (s.kind === 'network') networks.push(s);
  }
  const def = opts.network === undefined ? networks[networks.length - 1] : networks.find((n) => n.name === opts.network);
  if (!def) {
    const what = opts.network === undefined ? 'the script defines no network' : `the script has no network '${opts.network}'${didYouMean(opts.network, networks.map((n) => n.name))}`;
    throw fail(script, script.text.length, `${what}; write one as \`network NAME { ... }\``);
  }
  const seed = networkSeed(script, def);
  const ctx: Ctx = { script, blocks, net: network(def.name, { seed }), baseDir: opts.baseDir ?? process.cwd(), depth: 0 };
  runBody(ctx, def.body, new Map(), 'network');
  return guard(script, def.at, () => ctx.net.build());
}

function networkSeed(script: Script, def: NetworkDef): number | undefined {
  let seed: number | undefined;
  for (const a of def.options) {
    if (a.name !== 'seed') {
      const name = a.name ?? 'a positional argument';
      throw fail(script, a.at, `unknown network option '${name}' (networks take: ${NETWORK_OPTIONS.join(', ')})${a.name ? didYouMean(a.name, NETWORK_OPTIONS) : ''}`);
    }
    const v = evalExpr({ script, blocks: new Map(), net: network(def.name), baseDir: '', depth: 0 }, a.value, new Map());
    if (typeof v !== 'number' || !Number.isInteger(v)) throw fail(script, a.value.at, `seed must be an integer, got ${describe(v)}`);
    seed = v;
  }
  return seed;
}

// ---- statements ---------------------------------------------------------------------------

/** Runs statements; returns the value of a `return` (blocks) or undefined. */
function runBody(ctx: Ctx, body: readonly Stmt[], scope: Scope, where: 'network' | 'block'): Value | undefined {
  for (const s of body) {
    const result = guard(ctx.script, s.at, () => runStmt(ctx, s, scope, where));
    if (result !== undefined) return result;
  }
  return undefined;
}

function runStmt(ctx: Ctx, s: Stmt, scope: Scope, where: 'network' | 'block'): Value | undefined {
  const net = ctx.net;
  switch (s.kind) {
    case 'input':
      if (where === 'block') throw fail(ctx.script, s.at, 'inputs belong to a network, not a block; pass the tensor to the block as a parameter');
      scope.set(s.name, net.input(s.name, s.type.shape, { dtype: s.type.dtype }));
      return undefined;
    case 'weight': {
      if (where === 'block') throw fail(ctx.script, s.at, 'weights belong to a network, not a block; pass the tensor to the block as a parameter');
      const init = s.init;
      const t = valueProblem(ctx.script, s.at, `weight '${s.name}'`, () => {
        switch (init.kind) {
          case 'seed': return seededTensor(s.type, asNumber(ctx, init.seed, scope, 'seed'));
          case 'values': return valuesTensor(s.type, numberList(ctx, init.values, scope));
          case 'data': return dataTensor(s.type, init.base64);
          case 'file': return fileTensor(s.type, init.path, init.name, ctx.baseDir);
        }
      });
      scope.set(s.name, net.addConstant(s.name, t));
      return undefined;
    }
    case 'assign': {
      if (isGeneric(ctx, s.value)) {
        const outs = genericNode(ctx, s.value, scope, { outputs: s.targets, attrs: s.attrs, as: s.as });
        s.targets.forEach((t, i) => t !== null && scope.set(t, outs[i]!));
        return undefined;
      }
      noAttrs(ctx, s.attrs, s.as, s.value);
      const v = evalExpr(ctx, s.value, scope);
      if (s.targets.length === 1) {
        if (s.targets[0] !== null) scope.set(s.targets[0]!, v);
        return undefined;
      }
      if (!Array.isArray(v) || v.length !== s.targets.length) {
        throw fail(ctx.script, s.value.at, `${s.targets.length} names on the left, but the right gives ${Array.isArray(v) ? `${v.length} values` : describe(v)}`);
      }
      s.targets.forEach((t, i) => t !== null && scope.set(t, (v as readonly Value[])[i]!));
      return undefined;
    }
    case 'output': {
      if (where === 'block') throw fail(ctx.script, s.at, 'outputs belong to a network; `return` the tensor from the block instead');
      let h: Value;
      if (s.value === undefined) h = lookup(ctx, s.name, scope, s.at);
      else if (isGeneric(ctx, s.value)) h = genericNode(ctx, s.value, scope, { outputs: [s.name], attrs: s.attrs, as: s.as })[0]!;
      else {
        noAttrs(ctx, s.attrs, s.as, s.value);
        h = evalExpr(ctx, s.value, scope);
      }
      net.output(s.name, tensorOf(ctx, h, s.value?.at ?? s.at, `output '${s.name}'`));
      return undefined;
    }
    case 'repeat': {
      const from = asNumber(ctx, s.from, scope, 'a repeat bound');
      const to = asNumber(ctx, s.to, scope, 'a repeat count');
      if (!Number.isInteger(from) || !Number.isInteger(to) || to - from > MAX_REPEAT) {
        throw fail(ctx.script, s.to.at, `repeat needs integer bounds at most ${MAX_REPEAT} apart, got ${from}..${to}`);
      }
      for (let i = from; i < to; i++) {
        if (s.variable !== undefined) scope.set(s.variable, i);
        const r = runBody(ctx, s.body, scope, where);
        if (r !== undefined) return r;
      }
      return undefined;
    }
    case 'return': {
      if (where === 'network') throw fail(ctx.script, s.at, '`return` belongs in a block; a network marks its results with `output NAME`');
      const values = s.values.map((e) => evalExpr(ctx, e, scope));
      return values.length === 1 ? values[0]! : values;
    }
  }
}

function noAttrs(ctx: Ctx, attrs: readonly AttrAst[] | undefined, as: string | undefined, value: Expr): void {
  if (attrs === undefined && as === undefined) return;
  const what = value.kind === 'call' ? `'${value.callee}' is not an op` : 'this is not an op call';
  throw fail(ctx.script, attrs?.[0]?.at ?? value.at, `${what}: \`{ attributes }\` and \`as NAME\` belong to generic nodes (PascalCase ops such as Conv); a layer takes keyword options, e.g. name: "x"`);
}

// ---- expressions --------------------------------------------------------------------------

function evalExpr(ctx: Ctx, e: Expr, scope: Scope): Value {
  switch (e.kind) {
    case 'number':
    case 'string':
    case 'bool':
      return e.value;
    case 'absent':
      return ABSENT;
    case 'shape':
      return e.dims;
    case 'name':
      return lookup(ctx, e.name, scope, e.at);
    case 'list':
      return e.items.map((i) => evalExpr(ctx, i, scope));
    case 'tensor': {
      const data = e.data;
      return valueProblem(ctx.script, e.at, 'tensor', () =>
        'base64' in data ? dataTensor(e.type, data.base64) : valuesTensor(e.type, numberList(ctx, data.values, scope)),
      );
    }
    case 'neg':
      return -asNumber(ctx, e.operand, scope, "'-'");
    case 'binary': {
      const a = asNumber(ctx, e.left, scope, `'${e.op}'`);
      const b = asNumber(ctx, e.right, scope, `'${e.op}'`);
      return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : a / b;
    }
    case 'call':
      return call(ctx, e, scope);
  }
}

function call(ctx: Ctx, e: Extract<Expr, { kind: 'call' }>, scope: Scope): Value {
  const block = ctx.blocks.get(e.callee);
  if (block) return callBlock(ctx, block, e, scope);
  if (FLUENT_LAYERS.has(e.callee)) return callLayer(ctx, e, scope);
  if (OPS.has(e.callee)) return genericNode(ctx, e, scope, {})[0]!;
  const known = [...FLUENT_LAYERS.keys(), ...ctx.blocks.keys(), ...OPS.keys()];
  throw fail(ctx.script, e.at, `unknown layer, op or block '${e.callee}'${didYouMean(e.callee, known)}`);
}

function isGeneric(ctx: Ctx, e: Expr): e is Extract<Expr, { kind: 'call' }> {
  return e.kind === 'call' && !ctx.blocks.has(e.callee) && !FLUENT_LAYERS.has(e.callee) && OPS.has(e.callee);
}

function callBlock(ctx: Ctx, block: BlockDef, e: Extract<Expr, { kind: 'call' }>, scope: Scope): Value {
  if (ctx.depth >= MAX_DEPTH) throw fail(ctx.script, e.at, `blocks nest more than ${MAX_DEPTH} deep (does '${block.name}' call itself?)`);
  const inner: Scope = new Map();
  const args = bindArgs(ctx, e, block.params, [], scope);
  block.params.forEach((p, i) => {
    const v = args.positional[i];
    if (v === undefined) throw fail(ctx.script, e.at, `block '${block.name}' takes ${block.params.length} arguments (${block.params.join(', ')}); '${p}' is missing`);
    inner.set(p, v);
  });
  ctx.depth++;
  try {
    const r = runBody(ctx, block.body, inner, 'block');
    if (r === undefined) throw fail(ctx.script, block.at, `block '${block.name}' ends without \`return\`; return the tensor it computes`);
    return r;
  } finally {
    ctx.depth--;
  }
}

/** Calls a fluent TensorHandle method: the first argument is the receiver (or a list: the first is, the rest go on). */
function callLayer(ctx: Ctx, e: Extract<Expr, { kind: 'call' }>, scope: Scope): Value {
  const sig = FLUENT_LAYERS.get(e.callee)!;
  const first = e.args[0];
  if (first === undefined || first.name !== undefined) throw fail(ctx.script, e.at, `${e.callee} needs the input tensor as its first argument, e.g. ${e.callee}(x${sig.params.length ? ', ...' : ''})`);
  let receiver = tensorValue(ctx, first.value, scope);
  const before: Value[] = [];
  if (Array.isArray(receiver) && receiver.length > 0) {
    before.push(receiver.slice(1));
    receiver = receiver[0]!;
  }
  const self = tensorOf(ctx, receiver, first.at, `${e.callee}'s input`);
  const args = bindArgs(ctx, { ...e, args: e.args.slice(1) }, sig.params, sig.options, scope, before);
  const method = (self as unknown as Record<string, (...a: unknown[]) => unknown>)[e.callee]!;
  const positional = sig.params.map((_, i) => fluentArg(args.positional[i]));
  let out: unknown;
  try {
    out = method.apply(self, [...positional, Object.fromEntries(Object.entries(args.options).map(([k, v]) => [k, fluentArg(v)]))]);
  } catch (err) {
    if (err instanceof WgrtError) throw err;
    // A value of the wrong kind (a string where a number goes...) fails inside the layer.
    throw fail(ctx.script, e.at, `${e.callee}: the arguments do not fit (${(err as Error).message}); see the layer's options in dsl-grammar/README.md`);
  }
  if (out instanceof TensorHandle) return out;
  if (Array.isArray(out)) return out as TensorHandle[];
  const pair = out as { values: TensorHandle; indices: TensorHandle };
  return [pair.values, pair.indices];
}

/** Positional and keyword arguments matched to parameters; a keyword naming a parameter fills it. */
function bindArgs(
  ctx: Ctx,
  e: Extract<Expr, { kind: 'call' }>,
  params: readonly string[],
  options: readonly string[],
  scope: Scope,
  before: readonly Value[] = [],
): { positional: Value[]; options: Record<string, Value> } {
  const positional: Value[] = [...before];
  const opts: Record<string, Value> = {};
  const named = (a: Arg) => a.name !== undefined;
  for (const a of e.args) {
    if (named(a)) continue;
    if (positional.length >= params.length) {
      throw fail(ctx.script, a.at, `${e.callee} takes ${params.length} positional argument${params.length === 1 ? '' : 's'}${params.length ? ` (${params.join(', ')})` : ''} after its input; give options by name, e.g. ${options[1] ?? options[0] ?? 'name'}: ...`);
    }
    positional.push(tensorOrValue(ctx, a.value, scope));
  }
  for (const a of e.args) {
    if (!named(a)) continue;
    const k = a.name!;
    const p = params.indexOf(k);
    if (p >= 0) {
      if (positional[p] !== undefined) throw fail(ctx.script, a.at, `'${k}' is given twice (by position and by name)`);
      while (positional.length < p) positional.push(ABSENT);
      positional[p] = evalExpr(ctx, a.value, scope);
    } else if (options.includes(k)) {
      if (k in opts) throw fail(ctx.script, a.at, `option '${k}' is given twice`);
      opts[k] = evalExpr(ctx, a.value, scope);
    } else {
      const all = [...params, ...options];
      throw fail(ctx.script, a.at, `unknown option '${k}' of ${e.callee} (it takes: ${all.join(', ') || 'none'})${didYouMean(k, all)}`);
    }
  }
  return { positional, options: opts };
}

/** A script value as a fluent argument: `_` is "left out". */
function fluentArg(v: Value | undefined): unknown {
  if (v === undefined || v === ABSENT) return undefined;
  if (Array.isArray(v)) return v.map(fluentArg);
  return v;
}

/**
 * A generic node: `outs = Op(inputs) { attrs } as NAME`. Tensor names are the targets (`_`: an
 * absent output); the node takes the first named output's name unless `as` gives one. Nested in
 * an expression it has one output, named after the op (`relu_1`) like a layer.
 */
function genericNode(
  ctx: Ctx,
  e: Extract<Expr, { kind: 'call' }>,
  scope: Scope,
  spec: { outputs?: readonly (string | null)[]; attrs?: readonly AttrAst[] | undefined; as?: string | undefined },
): TensorHandle[] {
  const def = OPS.get(e.callee)!;
  const inputs = e.args.map((a) => {
    if (a.name !== undefined) throw fail(ctx.script, a.at, `inputs of ${e.callee} are positional; attributes go in { ${a.name}: ... } after the call`);
    const v = tensorValue(ctx, a.value, scope);
    return v === ABSENT ? undefined : tensorOf(ctx, v, a.at, `input ${e.args.indexOf(a) + 1} of ${e.callee}`);
  });
  const attrs: Record<string, AttrValue> = {};
  for (const a of spec.attrs ?? []) {
    if (!def.attrs[a.key] && a.key !== LAYOUT_ATTR) {
      const known = Object.keys(def.attrs);
      throw fail(ctx.script, a.at, `${e.callee} has no attribute '${a.key}' (it takes: ${known.join(', ') || 'none'})${didYouMean(a.key, known)}`);
    }
    if (a.key in attrs) throw fail(ctx.script, a.at, `attribute '${a.key}' is given twice`);
    attrs[a.key] = attrValue(ctx, a, scope);
  }
  const outputs = (spec.outputs ?? [null]).map((o) => o ?? '');
  const base = e.callee.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const given = spec.as ?? (outputs.find((o) => o) || undefined);
  return ctx.net.layer(base, given, (name) => {
    const names = spec.outputs ? outputs : [name];
    return ctx.net.addNode({ name, op: e.callee, inputs, attrs, outputNames: names });
  });
}

function attrValue(ctx: Ctx, a: AttrAst, scope: Scope): AttrValue {
  const v = evalExpr(ctx, a.value, scope);
  if (typeof v === 'number' || typeof v === 'string' || isTensor(v)) return v;
  if (Array.isArray(v) && (v.every((x) => typeof x === 'number') || v.every((x) => typeof x === 'string'))) return v as number[] | string[];
  throw fail(ctx.script, a.value.at, `attribute '${a.key}' must be a number, a string, a list of numbers or of strings, or a tensor; got ${describe(v)}`);
}

// ---- names and values ---------------------------------------------------------------------

function lookup(ctx: Ctx, name: string, scope: Scope, at: number): Value {
  const v = scope.get(name);
  if (v === undefined) throw fail(ctx.script, at, `'${name}' is not defined here (define it with input, weight or NAME = ... before use)${didYouMean(name, scope.keys())}`);
  return v;
}

/** Where a tensor goes, a quoted string is a tensor name (`Relu("/conv1/out")`). */
function tensorValue(ctx: Ctx, e: Expr, scope: Scope): Value {
  if (e.kind === 'string') return lookup(ctx, e.value, scope, e.at);
  if (e.kind === 'list') return e.items.map((i) => tensorValue(ctx, i, scope));
  return evalExpr(ctx, e, scope);
}

/** A positional layer argument: a quoted string naming a defined tensor is that tensor, any other string a string. */
function tensorOrValue(ctx: Ctx, e: Expr, scope: Scope): Value {
  if (e.kind === 'string' && scope.has(e.value) && scope.get(e.value) instanceof TensorHandle) return scope.get(e.value)!;
  return evalExpr(ctx, e, scope);
}

function tensorOf(ctx: Ctx, v: Value, at: number, what: string): TensorHandle {
  if (v instanceof TensorHandle) return v;
  throw fail(ctx.script, at, `${what} must be a tensor, got ${describe(v)}`);
}

function asNumber(ctx: Ctx, e: Expr, scope: Scope, what: string): number {
  const v = evalExpr(ctx, e, scope);
  if (typeof v !== 'number') throw fail(ctx.script, e.at, `${what} needs a number, got ${describe(v)} (arithmetic works on numbers only; use add(a, b) for tensors)`);
  return v;
}

function numberList(ctx: Ctx, e: Expr, scope: Scope): number[] {
  const v = evalExpr(ctx, e, scope);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw fail(ctx.script, e.at, `expected a list of numbers, got ${describe(v)}`);
  return v as number[];
}

function describe(v: Value): string {
  if (v === ABSENT) return '_';
  if (v instanceof TensorHandle) return `tensor '${v.name}' (${v.dtype}[${v.shape.join('x')}])`;
  if (isTensor(v)) return `a ${v.dtype} tensor constant`;
  if (Array.isArray(v)) return 'a list';
  return `${typeof v} ${JSON.stringify(v)}`;
}

// ---- errors -------------------------------------------------------------------------------

function fail(script: Script, at: number, detail: string, cause?: unknown): ScriptError {
  return new ScriptError(detail, { text: script.text, offset: at, source: script.source }, cause === undefined ? undefined : { cause });
}

/**
 * Runs `f`; a WgrtError from the graph builder (a shape that does not fit, a name used twice)
 * becomes a ScriptError pointing at the statement, keeping the original as `cause`.
 */
function guard<T>(script: Script, at: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ScriptError || !(e instanceof WgrtError)) throw e;
    throw fail(script, at, `${e.name}: ${e.message}`, e);
  }
}

function valueProblem<T>(script: Script, at: number, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ValueProblem) throw fail(script, at, `${what}: ${e.message}`);
    throw e;
  }
}
