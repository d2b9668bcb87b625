/**
 * A step's options, `(iterations: 50, precision: fp32, shapes: { input: 1x3x8x8 })`, read with
 * their types checked: each reader says what it wanted and points at the option that is wrong.
 */
import type { AttrAst, Expr, Script, StepArg, StepDef } from '../frontend/text/ast.js';
import { didYouMean, ScriptError } from '../frontend/text/index.js';

type Plain = number | string | boolean | readonly Plain[];

export class StepOptions {
  private readonly args = new Map<string, StepArg>();

  constructor(private readonly script: Script, private readonly step: StepDef) {
    for (const a of step.args) {
      if (this.args.has(a.name)) throw this.fail(a.at, `option '${a.name}' is given twice`);
      this.args.set(a.name, a);
    }
  }

  /** Where the step is written (for faults of the step as a whole). */
  get at(): number {
    return this.step.at;
  }

  /** Where an option's value is written. */
  argAt(name: string): number | undefined {
    return this.args.get(name)?.value.at;
  }

  fail(at: number, detail: string): ScriptError {
    return new ScriptError(detail, { text: this.script.text, offset: at, source: this.script.source });
  }

  /** Every option given must be one of `known`. */
  check(known: readonly string[]): void {
    for (const a of this.args.values()) {
      if (!known.includes(a.name)) {
        throw this.fail(a.at, `${this.step.verb} has no option '${a.name}' (it takes: ${known.join(', ') || 'none'})${didYouMean(a.name, known)}`);
      }
    }
  }

  number(name: string): number | undefined {
    return this.read(name, 'a number', (v) => (typeof v === 'number' ? v : undefined));
  }

  /** An integer, at least `min` when given. */
  integer(name: string, min = -Infinity): number | undefined {
    return this.read(name, min > -Infinity ? `an integer ≥ ${min}` : 'an integer', (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min ? v : undefined));
  }

  string(name: string): string | undefined {
    return this.read(name, 'a string', (v) => (typeof v === 'string' ? v : undefined));
  }

  strings(name: string): string[] | undefined {
    return this.read(name, 'a list of strings', (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined));
  }

  bool(name: string): boolean | undefined {
    return this.read(name, 'true or false', (v) => (typeof v === 'boolean' ? v : undefined));
  }

  /** One of `allowed`, written bare (`precision: fp32`) or quoted; `why` explains the list. */
  word<W extends string>(name: string, allowed: readonly W[], why?: string): W | undefined {
    const a = this.args.get(name);
    if (!a) return undefined;
    if (a.value.kind === 'record') throw this.fail(a.value.at, `${name} takes one of ${allowed.join(', ')}, not a record`);
    const v = a.value.kind === 'name' ? a.value.name : this.plain(a.value, name);
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as W;
    const text = typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
    throw this.fail(a.value.at, `${name} must be one of ${allowed.join(', ')}, not ${text}${typeof v === 'string' ? didYouMean(v, allowed) : ''}${why ? ` (${why})` : ''}`);
  }

  /** A name written bare (`calibration: t`): the value a step bound, looked up by the caller. */
  name(name: string): { name: string; at: number } | undefined {
    const a = this.args.get(name);
    if (!a) return undefined;
    if (a.value.kind !== 'name') throw this.fail(a.value.at, `${name} takes the name of a value bound by an earlier step (e.g. ${name}: t after t = calibrate ...)`);
    return { name: a.value.name, at: a.value.at };
  }

  /** A record of strings: `force: { conv1: "conv.direct", "layer1.*": "conv.winograd_4x4" }`. */
  record(name: string): Record<string, string> | undefined {
    return this.entries(name, 'a string', (v) => (typeof v === 'string' ? v : undefined));
  }

  /** A record of shapes: `shapes: { input: 1x3x224x224 }` (a list of numbers, `[]` for a scalar). */
  shapes(name: string): Record<string, number[]> | undefined {
    return this.entries(name, 'a shape such as 1x3x224x224', (v) =>
      Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0) ? (v as number[]) : undefined);
  }

  private read<T>(name: string, want: string, take: (v: Plain) => T | undefined): T | undefined {
    const a = this.args.get(name);
    if (!a) return undefined;
    if (a.value.kind === 'record') throw this.fail(a.value.at, `${name} takes ${want}, not a record`);
    const v = this.plain(a.value, name);
    const t = take(v);
    if (t === undefined) throw this.fail(a.value.at, `${name} takes ${want}, not ${JSON.stringify(v)}`);
    return t;
  }

  private entries<T>(name: string, want: string, take: (v: Plain) => T | undefined): Record<string, T> | undefined {
    const a = this.args.get(name);
    if (!a) return undefined;
    if (a.value.kind !== 'record') throw this.fail(a.value.at, `${name} takes a record such as { name: value }, each value ${want}`);
    const out: Record<string, T> = {};
    for (const e of a.value.entries as readonly AttrAst[]) {
      if (e.key in out) throw this.fail(e.at, `'${e.key}' is given twice in ${name}`);
      const v = this.plain(e.value, name);
      const t = take(v);
      if (t === undefined) throw this.fail(e.value.at, `each entry of ${name} is ${want}, not ${JSON.stringify(v)}`);
      out[e.key] = t;
    }
    return out;
  }

  /** Literals, lists, shapes and arithmetic; option values are never tensors or calls. */
  private plain(e: Expr, option: string): Plain {
    switch (e.kind) {
      case 'number':
      case 'string':
      case 'bool':
        return e.value;
      case 'shape':
        return e.dims;
      case 'list':
        return e.items.map((i) => this.plain(i, option));
      case 'neg': {
        const v = this.plain(e.operand, option);
        if (typeof v !== 'number') throw this.fail(e.at, `'-' needs a number in ${option}`);
        return -v;
      }
      case 'binary': {
        const [a, b] = [this.plain(e.left, option), this.plain(e.right, option)];
        if (typeof a !== 'number' || typeof b !== 'number') throw this.fail(e.at, `'${e.op}' needs numbers in ${option}`);
        return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : a / b;
      }
      case 'name':
        throw this.fail(e.at, `${option} takes a value, not the name '${e.name}'; quote it if it is text: "${e.name}"`);
      default:
        throw this.fail(e.at, `${option} takes a number, string, list or shape; layers, tensors and '_' belong inside a network`);
    }
  }
}
