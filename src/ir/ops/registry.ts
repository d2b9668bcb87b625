import { GraphError, ShapeError, UnsupportedError } from '../../errors.js';
import type { DType } from '../dtype.js';
import type { AttrValue, Node } from '../graph.js';
import { shapeToString, type Shape, type Tensor, type TensorType } from '../tensor.js';

export type AttrKind = 'int' | 'float' | 'ints' | 'floats' | 'string' | 'strings' | 'tensor';

export interface AttrSpec {
  readonly kind: AttrKind;
  readonly default?: AttrValue;
}

/**
 * Op families: each has one kernel file family in kernels/ and one reference module; 'plugin'
 * ops bring their own (src/plugins).
 */
export type OpFamily =
  | 'conv' | 'gemm' | 'unary' | 'binary' | 'pool' | 'reduce' | 'softmax' | 'norm' | 'layout' | 'resize' | 'gather' | 'plugin';

export interface InferContext {
  readonly node: Node;
  /** Input types, undefined where an optional input is absent. */
  readonly inputs: readonly (TensorType | undefined)[];
  /** The value of input i when it is a constant (initializer), else undefined. */
  constant(i: number): Tensor | undefined;
}

export interface OpDef {
  readonly op: string;
  readonly family: OpFamily;
  /** [min, max] count of inputs. */
  readonly arity: readonly [number, number];
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  /** Inputs that must be constants for static shapes (e.g. Reshape's shape). */
  readonly constantInputs?: readonly number[];
  /** Made by the optimizer (fused or view ops), never written by users or found in ONNX. */
  readonly internal?: boolean;
  /** The ONNX domain of the op: absent (the default domain) for built-in ops, a plugin's own otherwise. */
  readonly domain?: string;
  /** The plugin that defines the op (src/plugins): engine files record it, layer signatures include it. */
  readonly plugin?: PluginRef;
  infer(ctx: InferContext, a: AttrReader): TensorType[];
}

/** A plugin by name and version, as engine files and timing-cache signatures record it. */
export interface PluginRef {
  readonly name: string;
  readonly version: number;
}

export const OPS = new Map<string, OpDef>();

export function defineOp(def: OpDef): OpDef {
  OPS.set(def.op, def);
  return def;
}

/** Removes an op definition (plugins only: built-in ops stay); true when there was one. */
export function undefineOp(op: string): boolean {
  return OPS.delete(op);
}

export function opDef(op: string, where?: string): OpDef {
  const d = OPS.get(op);
  if (!d) {
    throw new UnsupportedError(
      `op '${op}'${where ? ` (node '${where}')` : ''} is not supported by wgrt; supported ops: ${[...OPS.keys()].sort().join(', ')}`,
    );
  }
  return d;
}

/** Typed access to a node's attributes with the schema's defaults filled in. */
export class AttrReader {
  constructor(readonly node: Node, readonly def: OpDef) {}

  private raw(name: string): AttrValue | undefined {
    const spec = this.def.attrs[name];
    if (!spec) throw new GraphError(`op ${this.def.op} has no attribute '${name}'`);
    return this.node.attrs[name] ?? spec.default;
  }

  has(name: string): boolean {
    return this.node.attrs[name] !== undefined;
  }

  int(name: string, fallback?: number): number {
    const v = this.raw(name) ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.bad(name, 'an integer', v);
    return v;
  }

  float(name: string, fallback?: number): number {
    const v = this.raw(name) ?? fallback;
    if (typeof v !== 'number') throw this.bad(name, 'a number', v);
    return v;
  }

  ints(name: string, fallback?: readonly number[]): readonly number[] {
    const v = this.raw(name) ?? fallback;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) throw this.bad(name, 'a list of integers', v);
    return v as readonly number[];
  }

  floats(name: string, fallback?: readonly number[]): readonly number[] {
    const v = this.raw(name) ?? fallback;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw this.bad(name, 'a list of numbers', v);
    return v as readonly number[];
  }

  string(name: string, fallback?: string): string {
    const v = this.raw(name) ?? fallback;
    if (typeof v !== 'string') throw this.bad(name, 'a string', v);
    return v;
  }

  optionalInts(name: string): readonly number[] | undefined {
    return this.raw(name) === undefined ? undefined : this.ints(name);
  }

  private bad(name: string, what: string, v: unknown): GraphError {
    const shown = v === undefined ? 'nothing' : JSON.stringify(v);
    return new GraphError(`node '${this.node.name}' (${this.node.op}): attribute '${name}' must be ${what}, got ${shown}`);
  }
}

// ---- helpers shared by the op definitions ------------------------------------------------------

export function need(ctx: InferContext, i: number): TensorType {
  const t = ctx.inputs[i];
  if (!t) throw new ShapeError(`node '${ctx.node.name}' (${ctx.node.op}): input ${i} is required`);
  return t;
}

export function shapeError(ctx: InferContext, msg: string): ShapeError {
  return new ShapeError(`node '${ctx.node.name}' (${ctx.node.op}): ${msg}`);
}

/** Normalizes a possibly negative axis against rank r, or throws naming the node. */
export function axis(ctx: InferContext, a: number, r: number): number {
  const k = a < 0 ? a + r : a;
  if (k < 0 || k >= r) throw shapeError(ctx, `axis ${a} is out of range for rank ${r}`);
  return k;
}

/** Numpy broadcasting of several shapes; throws naming the node and both shapes. */
export function broadcastShapes(ctx: InferContext | undefined, shapes: readonly Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        const msg = `shapes ${shapes.map(shapeToString).join(' and ')} do not broadcast`;
        throw ctx ? shapeError(ctx, msg) : new ShapeError(msg);
      }
    }
  }
  return out;
}

/** The constant value of input i, required for static shapes. */
export function constantInput(ctx: InferContext, i: number, what: string): Tensor {
  const c = ctx.constant(i);
  if (!c) {
    throw shapeError(ctx, `${what} (input ${i}, '${ctx.node.inputs[i]}') must be a constant: wgrt builds static shapes`);
  }
  return c;
}

export function same(dtype: DType, shape: Shape): TensorType {
  return { dtype, shape: [...shape] };
}
