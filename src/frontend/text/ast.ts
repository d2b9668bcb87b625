/**
 * The text DSL's syntax tree: what parse.ts makes of a script, before anything is built. Every
 * node keeps `at`, its offset in the source, so that semantic errors can point at it.
 */
import type { DType } from '../../ir/dtype.js';

export interface Script {
  readonly statements: readonly TopStmt[];
  readonly text: string;
  /** Where the text came from (a file name), for messages. */
  readonly source: string;
}

export type TopStmt = NetworkDef | BlockDef | StepDef;

/**
 * A pipeline step: `e = build net (level: 2)`. `verb` is one of STEP_VERBS, or the unknown word
 * written in its place (the runner names it and suggests a verb).
 */
export interface StepDef {
  readonly kind: 'step';
  readonly verb: string;
  /** The name the result is bound to (`e = ...`). */
  readonly bind?: string;
  /** The value the step works on; for `load`, the path. */
  readonly subject?: string;
  /** `compare A with B`: B; `save A to "path"`: the path. */
  readonly object?: string;
  readonly args: readonly StepArg[];
  readonly at: number;
  /** Where the subject and the object are written. */
  readonly subjectAt?: number;
  readonly objectAt?: number;
}

/** The steps of the grammar's `Action` (dsl-grammar/wgrt.ohm). */
export const STEP_VERBS = ['load', 'build', 'calibrate', 'evaluate', 'bench', 'compare', 'inspect', 'save', 'print'] as const;

export interface StepArg {
  readonly name: string;
  /** An expression, or a record `{ input: 1x3x8x8 }`. */
  readonly value: Expr | { readonly kind: 'record'; readonly entries: readonly AttrAst[]; readonly at: number };
  readonly at: number;
}

export interface NetworkDef {
  readonly kind: 'network';
  readonly name: string;
  readonly options: readonly Arg[];
  readonly body: readonly Stmt[];
  readonly at: number;
}

export interface BlockDef {
  readonly kind: 'block';
  readonly name: string;
  readonly params: readonly string[];
  readonly body: readonly Stmt[];
  readonly at: number;
}

export interface TypeAst {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export type WeightInit =
  | { readonly kind: 'seed'; readonly seed: Expr }
  | { readonly kind: 'data'; readonly base64: string }
  | { readonly kind: 'values'; readonly values: Expr }
  /** An ONNX model's initializer (`name` given), a .npy file, or raw little-endian bytes. */
  | { readonly kind: 'file'; readonly path: string; readonly name?: string };

export interface AttrAst {
  readonly key: string;
  readonly value: Expr;
  readonly at: number;
}

export type Stmt =
  | { readonly kind: 'input'; readonly name: string; readonly type: TypeAst; readonly at: number }
  | { readonly kind: 'weight'; readonly name: string; readonly type: TypeAst; readonly init: WeightInit; readonly at: number }
  /** `a, b = Expr { attrs } as "node"`; null targets are `_`. */
  | { readonly kind: 'assign'; readonly targets: readonly (string | null)[]; readonly value: Expr; readonly attrs?: readonly AttrAst[]; readonly as?: string; readonly at: number }
  /** `output y`, or `output y = Expr ...` (value set). */
  | { readonly kind: 'output'; readonly name: string; readonly value?: Expr; readonly attrs?: readonly AttrAst[]; readonly as?: string; readonly at: number }
  /** `repeat N { }` (no variable) or `repeat i in A..B { }`. */
  | { readonly kind: 'repeat'; readonly variable?: string; readonly from: Expr; readonly to: Expr; readonly body: readonly Stmt[]; readonly at: number }
  | { readonly kind: 'return'; readonly values: readonly Expr[]; readonly at: number };

export interface Arg {
  /** Set for keyword arguments (`kernel: 3`). */
  readonly name?: string;
  readonly value: Expr;
  readonly at: number;
}

export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly at: number }
  | { readonly kind: 'bool'; readonly value: boolean; readonly at: number }
  | { readonly kind: 'absent'; readonly at: number }
  | { readonly kind: 'name'; readonly name: string; readonly at: number }
  | { readonly kind: 'list'; readonly items: readonly Expr[]; readonly at: number }
  | { readonly kind: 'shape'; readonly dims: readonly number[]; readonly at: number }
  | { readonly kind: 'tensor'; readonly type: TypeAst; readonly data: { readonly base64: string } | { readonly values: Expr }; readonly at: number }
  | { readonly kind: 'call'; readonly callee: string; readonly args: readonly Arg[]; readonly at: number }
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/'; readonly left: Expr; readonly right: Expr; readonly at: number }
  | { readonly kind: 'neg'; readonly operand: Expr; readonly at: number };
