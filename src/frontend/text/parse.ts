/**
 * Text -> syntax tree: the Ohm match of dsl-grammar/wgrt.ohm, then one action per named
 * alternative of the grammar (Ohm checks that every action has a case and the right arity).
 */
import type { Node as OhmNode, Semantics } from 'ohm-js';
import { isDType } from '../../ir/dtype.js';
import type { Arg, AttrAst, Expr, Script, StepArg, StepDef, Stmt, TopStmt, TypeAst, WeightInit } from './ast.js';
import { ScriptError } from './errors.js';
import { grammar } from './grammar.js';

export interface ParseOptions {
  /** Where the text came from (a file name), for messages; default '<script>'. */
  readonly source?: string;
}

/** Parses a script into its syntax tree; throws a ScriptError at the first syntax error. */
export function parseScript(text: string, opts: ParseOptions = {}): Script {
  const source = opts.source ?? '<script>';
  const lifted = liftStrings(text, source);
  const match = grammar().match(lifted.text, 'Script');
  if (match.failed()) {
    const offset = lifted.original(match.getRightmostFailurePosition());
    throw new ScriptError(`syntax error: expected ${match.getExpectedText()}`, { text, offset, source });
  }
  current = lifted;
  try {
    return { statements: semantics()(match)['ast']() as TopStmt[], text, source };
  } finally {
    current = undefined;
  }
}

/** Strings longer than this are taken out of the text before Ohm sees it (see liftStrings). */
const LIFT_LENGTH = 64;

/**
 * The text with every long string literal (weights' base64 data) replaced by a short placeholder
 * `"\u0000k"` (a raw NUL never appears in a valid string), the decoded values, and the map from
 * offsets in the new text back to the original. Ohm memoizes every rule at every character: a
 * megabyte of base64 would take gigabytes. Checks every string on the way, so that an
 * unterminated or malformed one is reported at its opening quote.
 */
interface Lifted {
  readonly text: string;
  readonly values: readonly string[];
  original(offset: number): number;
}

function liftStrings(text: string, source: string): Lifted {
  const values: string[] = [];
  /** Each placeholder's span in the new text and its string's span in the original. */
  const marks: { start: number; end: number; origStart: number; origEnd: number }[] = [];
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c !== '"') {
      i++;
      continue;
    }
    const start = i++;
    while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length || text[i] !== '"') {
      throw new ScriptError('unterminated string: close it with " on the same line', { text, offset: start, source });
    }
    i++;
    const literal = text.slice(start, i);
    let value: string;
    try {
      value = JSON.parse(literal) as string;
    } catch {
      throw new ScriptError('malformed string: use JSON string syntax (escapes \\" \\\\ \\n \\uXXXX, no control characters)', { text, offset: start, source });
    }
    if (literal.length > LIFT_LENGTH) {
      out += text.slice(copied, start);
      const placeholder = `"\u0000${values.length}"`;
      marks.push({ start: out.length, end: out.length + placeholder.length, origStart: start, origEnd: i });
      out += placeholder;
      values.push(value);
      copied = i;
    }
  }
  if (marks.length === 0) return { text, values, original: (o) => o };
  out += text.slice(copied);
  return {
    text: out,
    values,
    original(o: number): number {
      let shift = 0;
      for (const m of marks) {
        if (o >= m.end) shift = m.origEnd - m.end;
        else if (o >= m.start) return m.origStart; // inside a placeholder: its opening quote
        else break;
      }
      return o + shift;
    },
  };
}

let cached: Semantics | undefined;
/** The lifted strings of the script being parsed (parsing is synchronous). */
let current: Lifted | undefined;

function semantics(): Semantics {
  if (cached) return cached;
  const s = grammar().createSemantics();
  const at = (n: OhmNode) => current!.original(n.source.startIdx);
  const ast = (n: OhmNode): unknown => n['ast']();
  const list = <T>(n: OhmNode): T[] => n.children.map((c) => c['ast']() as T);
  const opt = <T>(n: OhmNode): T | undefined => (n.children.length > 0 ? (n.children[0]!['ast']() as T) : undefined);
  const binary = (op: '+' | '-' | '*' | '/') => (l: OhmNode, _o: OhmNode, r: OhmNode): Expr => ({ kind: 'binary', op, left: ast(l) as Expr, right: ast(r) as Expr, at: at(l) });
  const withBody = (kw: OhmNode, body: OhmNode) => ({ body: list<Stmt>(body), at: at(kw) });
  const step = (verb: OhmNode, args: OhmNode | undefined, subject?: OhmNode, object?: OhmNode): StepDef => ({
    kind: 'step',
    verb: verb.sourceString,
    ...(subject ? { subject: ast(subject) as string, subjectAt: at(subject) } : {}),
    ...(object ? { object: ast(object) as string, objectAt: at(object) } : {}),
    args: (args && opt<StepArg[]>(args)) ?? [],
    at: at(verb),
  });
  s.addOperation<unknown>('ast', {
    Script: (stmts) => list<TopStmt>(stmts),
    TopStmt_network: (n) => ast(n),
    TopStmt_block: (b) => ast(b),
    TopStmt_step: (s) => ast(s),
    Step_bind: (name, _e, action): StepDef => ({ ...(ast(action) as StepDef), bind: ast(name) as string }),
    Step_run: (action) => ast(action),
    Action_load: (kw, path, args) => step(kw, args, path),
    Action_build: (kw, name, args) => step(kw, args, name),
    Action_calibrate: (kw, name, args) => step(kw, args, name),
    Action_evaluate: (kw, name, args) => step(kw, args, name),
    Action_bench: (kw, name, args) => step(kw, args, name),
    Action_compare: (kw, name, _w, other, args) => step(kw, args, name, other),
    Action_inspect: (kw, name, args) => step(kw, args, name),
    Action_save: (kw, name, _t, path) => step(kw, undefined, name, path),
    Action_print: (kw, name) => step(kw, undefined, name),
    Action_unknown: (word, _rest) => step(word, undefined),
    lineRest: (_c) => undefined,
    StepArgs: (_o, args, _c) => list<StepArg>(args.asIteration()),
    StepArg: (name, _c, value): StepArg => ({ name: name.sourceString, value: ast(value) as StepArg['value'], at: at(name) }),
    StepValue_record: (open, entries, _c) => ({ kind: 'record', entries: list<AttrAst>(entries.asIteration()), at: at(open) }),
    StepValue_expr: (e) => ast(e),
    Network: (kw, name, options, _o, body, _c): TopStmt => ({
      kind: 'network',
      name: ast(name) as string,
      options: opt<Arg[]>(options) ?? [],
      ...withBody(kw, body),
    }),
    NetOptions: (_o, args, _c) => list<Arg>(args.asIteration()),
    Block: (kw, name, _o, params, _c, _ob, body, _cb): TopStmt => ({
      kind: 'block',
      name: name.sourceString,
      params: params.asIteration().children.map((p) => p.sourceString),
      ...withBody(kw, body),
    }),
    Stmt_input: (kw, name, _c, type): Stmt => ({ kind: 'input', name: ast(name) as string, type: ast(type) as TypeAst, at: at(kw) }),
    Stmt_weight: (kw, name, _c, type, _e, init): Stmt => ({
      kind: 'weight',
      name: ast(name) as string,
      type: ast(type) as TypeAst,
      init: ast(init) as WeightInit,
      at: at(kw),
    }),
    Stmt_outputExpr: (kw, name, _e, value, attrs, as): Stmt => ({
      kind: 'output',
      name: ast(name) as string,
      value: ast(value) as Expr,
      ...defined({ attrs: opt<AttrAst[]>(attrs), as: opt<string>(as) }),
      at: at(kw),
    }),
    Stmt_output: (kw, name): Stmt => ({ kind: 'output', name: ast(name) as string, at: at(kw) }),
    Stmt_range: (kw, variable, _in, from, _dots, to, _o, body, _c): Stmt => ({
      kind: 'repeat',
      variable: variable.sourceString,
      from: ast(from) as Expr,
      to: ast(to) as Expr,
      ...withBody(kw, body),
    }),
    Stmt_count: (kw, count, _o, body, _c): Stmt => ({
      kind: 'repeat',
      from: { kind: 'number', value: 0, at: at(count) },
      to: ast(count) as Expr,
      ...withBody(kw, body),
    }),
    Stmt_return: (kw, values): Stmt => ({ kind: 'return', values: list<Expr>(values.asIteration()), at: at(kw) }),
    Stmt_assign: (targets, _e, value, attrs, as): Stmt => ({
      kind: 'assign',
      targets: list<string | null>(targets.asIteration()),
      value: ast(value) as Expr,
      ...defined({ attrs: opt<AttrAst[]>(attrs), as: opt<string>(as) }),
      at: at(targets),
    }),
    WeightInit_seed: (_k, seed): WeightInit => ({ kind: 'seed', seed: ast(seed) as Expr }),
    WeightInit_data: (_k, data): WeightInit => ({ kind: 'data', base64: ast(data) as string }),
    WeightInit_values: (_k, values): WeightInit => ({ kind: 'values', values: ast(values) as Expr }),
    WeightInit_onnx: (_k, path, _n, name): WeightInit => ({ kind: 'file', path: ast(path) as string, name: ast(name) as string }),
    WeightInit_file: (_k, path): WeightInit => ({ kind: 'file', path: ast(path) as string }),
    Target_absent: (_a) => null,
    Target_name: (n) => ast(n),
    Attrs: (_o, attrs, _c) => list<AttrAst>(attrs.asIteration()),
    Attr: (key, _c, value): AttrAst => ({ key: ast(key) as string, value: ast(value) as Expr, at: at(key) }),
    As: (_k, name) => ast(name),
    Expr: (e) => ast(e),
    AddExpr_plus: binary('+'),
    AddExpr_minus: binary('-'),
    AddExpr_term: (e) => ast(e),
    MulExpr_times: binary('*'),
    MulExpr_divide: binary('/'),
    MulExpr_factor: (e) => ast(e),
    Unary_neg: (minus, e): Expr => ({ kind: 'neg', operand: ast(e) as Expr, at: at(minus) }),
    Unary_primary: (e) => ast(e),
    Primary_paren: (_o, e, _c) => ast(e),
    Primary_call: (e) => ast(e),
    Primary_tensor: (e) => ast(e),
    Primary_list: (e) => ast(e),
    Primary_shape: (e): Expr => ({ kind: 'shape', dims: e.sourceString.split('x').map(Number), at: at(e) }),
    Primary_number: (e): Expr => ({ kind: 'number', value: ast(e) as number, at: at(e) }),
    Primary_string: (e): Expr => ({ kind: 'string', value: ast(e) as string, at: at(e) }),
    Primary_true: (e): Expr => ({ kind: 'bool', value: true, at: at(e) }),
    Primary_false: (e): Expr => ({ kind: 'bool', value: false, at: at(e) }),
    Primary_absent: (e): Expr => ({ kind: 'absent', at: at(e) }),
    Primary_name: (e): Expr => ({ kind: 'name', name: e.sourceString, at: at(e) }),
    Call: (callee, _o, args, _c): Expr => ({ kind: 'call', callee: callee.sourceString, args: list<Arg>(args.asIteration()), at: at(callee) }),
    Arg_keyword: (name, _c, value): Arg => ({ name: name.sourceString, value: ast(value) as Expr, at: at(name) }),
    Arg_positional: (value): Arg => ({ value: ast(value) as Expr, at: at(value) }),
    List: (open, items, _c): Expr => ({ kind: 'list', items: list<Expr>(items.asIteration()), at: at(open) }),
    TensorLit: (kw, type, data): Expr => ({ kind: 'tensor', type: ast(type) as TypeAst, data: ast(data) as { base64: string } | { values: Expr }, at: at(kw) }),
    TensorData_data: (_k, s) => ({ base64: ast(s) as string }),
    TensorData_values: (_k, l) => ({ values: ast(l) as Expr }),
    name_ident: (i) => i.sourceString,
    name_quoted: (s) => ast(s),
    attrKey_ident: (i) => i.sourceString,
    attrKey_quoted: (s) => ast(s),
    number_decimal: function (this: OhmNode, _i: OhmNode, _d: OhmNode, _f: OhmNode, _e: OhmNode) { return Number(this.sourceString); },
    number_inf: (_k) => Infinity,
    number_nan: (_k) => NaN,
    type: (dtype, _o, dims, _c): TypeAst => {
      const d = dtype.sourceString;
      if (!isDType(d)) throw new Error(`grammar and DTYPES disagree on '${d}'`);
      const text = dims.sourceString;
      return { dtype: d, shape: text ? text.split('x').map(Number) : [] };
    },
    // A placeholder of liftStrings (a NUL, then the index), or the token (checked by liftStrings).
    string: function (this: OhmNode, _o: OhmNode, _chars: OhmNode, _c: OhmNode) {
      const s = this.sourceString;
      return s.startsWith('"\u0000') ? current!.values[Number(s.slice(2, -1))]! : (JSON.parse(s) as string);
    },
  });
  cached = s;
  return s;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
