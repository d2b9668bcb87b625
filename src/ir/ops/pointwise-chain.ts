/**
 * PointwiseChain: several elementwise ops fused into one node by src/passes/fuse-pointwise.ts
 * and run as one generated kernel (src/tactics/families/pointwise-chain.ts). An internal op:
 * never written by users nor read from ONNX; ONNX export writes its steps back as the
 * standard ops (expandChain).
 *
 * Inputs: the chain's external tensors, all f32. The first has the output's shape; every
 * other one broadcasts into it (numpy rules). The output is f32.
 *
 * Attribute `program` (strings), one step per string; the last step's value is the output:
 *
 *   t1 = Mul(in0, 0.5)
 *   t2 = Add(t1, in1)
 *   t3 = Clip(t2; min=0, max=6)
 *   t4 = LeakyRelu(t3; alpha=0.1)
 *
 *   step    := 't' k ' = ' op '(' operand (', ' operand)* ('; ' attr (', ' attr)*)? ')'   (k = 1, 2, ...)
 *   operand := 'in' i     input i, broadcast to the output shape
 *            | 't' j      the value of step j < k
 *            | number     an f32 constant (a one-element initializer, inlined; read as f32)
 *   attr    := name '=' (number | word)
 *
 * An op is a float unary op (UNARY_OPS but Not) with its attributes (absent ones take their
 * defaults), Clip with optional `min`/`max` (its bound inputs, constants once fused), or a
 * float binary op (CHAIN_BINARY_OPS). Numbers are written as JavaScript writes them
 * (String(v)), so they read back exactly.
 */
import { GraphError } from '../../errors.js';
import { node, type Attrs, type AttrValue, type Node } from '../graph.js';
import { sameShape, tensor, type Tensor } from '../tensor.js';
import { UNARY_OPS } from './elementwise.js';
import { AttrReader, broadcastShapes, defineOp, need, opDef, same, shapeError, type AttrSpec } from './registry.js';

/**
 * Inputs a chain may have: its kernel binds each one plus the output, and WebGPU guarantees 8
 * storage buffers per shader stage (maxStorageBuffersPerShaderStage).
 */
export const CHAIN_MAX_INPUTS = 7;

/** Binary ops a chain can hold (float semantics). */
export const CHAIN_BINARY_OPS: readonly string[] = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Min', 'Max', 'PRelu'];

/** Unary ops a chain can hold: every float unary op, and Clip. */
export const CHAIN_UNARY_OPS: readonly string[] = [...Object.keys(UNARY_OPS).filter((op) => op !== 'Not'), 'Clip'];

/** Clip's bounds are inputs in the IR; in a chain they are attributes (absent: unbounded). */
const CLIP_ATTRS: Readonly<Record<string, AttrSpec>> = { min: { kind: 'float' }, max: { kind: 'float' } };

export type ChainOperand =
  | { readonly kind: 'input'; readonly index: number }
  /** The value of step `step` (1-based, as in `t1`). */
  | { readonly kind: 'step'; readonly step: number }
  | { readonly kind: 'literal'; readonly value: number };

export interface ChainStep {
  readonly op: string;
  readonly operands: readonly ChainOperand[];
  /** As written (defaults not filled in): numbers for float attributes, words for string ones. */
  readonly attrs: Readonly<Record<string, number | string>>;
}

/** The attributes step ops may carry: those of the unary op, Clip's bounds, none for binary ops. */
export function chainAttrSpecs(op: string): Readonly<Record<string, AttrSpec>> | undefined {
  if (op === 'Clip') return CLIP_ATTRS;
  if (CHAIN_BINARY_OPS.includes(op)) return {};
  return CHAIN_UNARY_OPS.includes(op) ? UNARY_OPS[op] : undefined;
}

/** The attributes of a unary step, defaults filled in (as the op's own node would read them). */
export function stepAttrs(step: ChainStep): AttrReader {
  return new AttrReader(node({ name: `${step.op} step`, op: step.op, inputs: [], outputs: [], attrs: step.attrs }), opDef(step.op));
}

/** Clip's bounds in a step; an absent bound does not clip. */
export function clipBounds(step: ChainStep): { min: number; max: number } {
  const b = (k: string, dflt: number) => (typeof step.attrs[k] === 'number' ? (step.attrs[k] as number) : dflt);
  return { min: b('min', -Infinity), max: b('max', Infinity) };
}

// ---- the text form -----------------------------------------------------------------------------

const NUMBER = /^-?(?:\d+(?:\.\d+)?(?:e[-+]?\d+)?|Infinity)$|^NaN$/;
const WORD = /^[A-Za-z_]\w*$/;

/** A number as program text: String(v), which reads back exactly, and -0 kept as -0. */
function numberText(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

function operandText(o: ChainOperand): string {
  return o.kind === 'input' ? `in${o.index}` : o.kind === 'step' ? `t${o.step}` : numberText(o.value);
}

/** Step k (1-based) as program text. */
export function formatStep(k: number, s: ChainStep): string {
  const attrs = Object.entries(s.attrs).map(([n, v]) => `${n}=${typeof v === 'number' ? numberText(v) : v}`);
  return `t${k} = ${s.op}(${s.operands.map(operandText).join(', ')}${attrs.length ? `; ${attrs.join(', ')}` : ''})`;
}

/** A program's text, one string per step. */
export function formatProgram(steps: readonly ChainStep[]): string[] {
  return steps.map((s, i) => formatStep(i + 1, s));
}

/**
 * Reads and checks a program (the `program` attribute of node `where`, which has `inputs`
 * inputs). Throws a GraphError naming the node, the step and what is wrong with it.
 */
export function parseProgram(program: AttrValue | undefined, where: string, inputs: number): ChainStep[] {
  const fail = (msg: string) => new GraphError(`node '${where}' (PointwiseChain): ${msg}`);
  if (!Array.isArray(program) || program.length === 0 || !program.every((s) => typeof s === 'string')) {
    throw fail(`attribute 'program' must be a non-empty list of steps such as "t1 = Relu(in0)"`);
  }
  return (program as readonly string[]).map((text, i) => {
    const k = i + 1;
    const bad = (msg: string) => fail(`step ${k} '${text}': ${msg}`);
    const m = /^\s*t(\d+)\s*=\s*([A-Za-z]+)\s*\(([^()]*)\)\s*$/.exec(text);
    if (!m) throw bad(`is not of the form 't${k} = Op(operands; attributes)'`);
    if (Number(m[1]) !== k) throw bad(`must define t${k} (steps are numbered in order from t1)`);
    const op = m[2]!;
    const specs = chainAttrSpecs(op);
    if (!specs) throw bad(`op ${op} cannot be in a chain; chains take ${[...CHAIN_UNARY_OPS, ...CHAIN_BINARY_OPS].join(', ')}`);
    const [operandPart = '', attrPart] = m[3]!.split(';');
    const operands = operandPart.split(',').map((raw): ChainOperand => {
      const o = raw.trim();
      const ref = /^(in|t)(\d+)$/.exec(o);
      if (ref) {
        const n = Number(ref[2]);
        if (ref[1] === 'in') {
          if (n >= inputs) throw bad(`reads in${n} but the node has ${inputs} input${inputs === 1 ? '' : 's'}`);
          return { kind: 'input', index: n };
        }
        if (n < 1 || n >= k) throw bad(`reads t${n}, which is not an earlier step`);
        return { kind: 'step', step: n };
      }
      if (NUMBER.test(o)) return { kind: 'literal', value: Math.fround(Number(o)) }; // an f32 constant
      throw bad(`operand '${o}' is none of inN, tN or a number`);
    });
    const arity = CHAIN_BINARY_OPS.includes(op) ? 2 : 1;
    if (operands.length !== arity) throw bad(`${op} takes ${arity} operand${arity === 1 ? '' : 's'}, got ${operands.length}`);
    const attrs: Record<string, number | string> = {};
    for (const raw of attrPart === undefined ? [] : attrPart.split(',')) {
      const a = /^\s*([A-Za-z_]\w*)\s*=\s*(\S+)\s*$/.exec(raw);
      if (!a) throw bad(`attribute '${raw.trim()}' is not name=value`);
      const [, name = '', value = ''] = a;
      const spec = specs[name];
      if (!spec) throw bad(`${op} has no attribute '${name}'; it takes: ${Object.keys(specs).join(', ') || 'none'}`);
      if (spec.kind === 'float' && NUMBER.test(value)) attrs[name] = Number(value);
      else if (spec.kind === 'string' && WORD.test(value)) attrs[name] = value;
      else throw bad(`attribute '${name}' must be a ${spec.kind === 'float' ? 'number' : 'word'}, got '${value}'`);
    }
    return { op, operands, attrs };
  });
}

/** The parsed program of a PointwiseChain node. */
export function chainSteps(n: Node): ChainStep[] {
  return parseProgram(n.attrs['program'], n.name, n.inputs.length);
}

defineOp({
  op: 'PointwiseChain',
  family: 'binary', // elementwise, like the ops it fuses
  arity: [1, CHAIN_MAX_INPUTS],
  attrs: { program: { kind: 'strings' } },
  internal: true,
  infer(ctx) {
    const ins = ctx.node.inputs.map((_, i) => need(ctx, i));
    ins.forEach((t, i) => {
      if (t.dtype !== 'f32') throw shapeError(ctx, `input ${i} is ${t.dtype}; a PointwiseChain is f32 only`);
    });
    const shape = broadcastShapes(ctx, ins.map((t) => t.shape));
    if (!sameShape(shape, ins[0]!.shape)) throw shapeError(ctx, `input 0 must have the output shape; the inputs broadcast to [${shape.join(', ')}]`);
    parseProgram(ctx.node.attrs['program'], ctx.node.name, ins.length);
    return [same('f32', shape)];
  },
});

// ---- back to standard ops ----------------------------------------------------------------------

/**
 * The standard nodes a PointwiseChain stands for, one per step (the last writes its output,
 * the others `<name>/t<k>:out`), and the scalar constants they read: literals and Clip bounds.
 */
export function expandChain(n: Node): { nodes: Node[]; constants: Map<string, Tensor> } {
  const constants = new Map<string, Tensor>();
  const scalar = (name: string, v: number) => {
    constants.set(name, tensor('f32', [], [v]));
    return name;
  };
  const steps = chainSteps(n);
  const values: string[] = [];
  const nodes = steps.map((s, i) => {
    const k = i + 1;
    const last = k === steps.length;
    const name = last ? n.name : `${n.name}/t${k}`;
    const value = last ? n.outputs[0]! : `${name}:out`;
    const inputs = s.operands.map((o, j) => (o.kind === 'input' ? n.inputs[o.index]! : o.kind === 'step' ? values[o.step - 1]! : scalar(`${n.name}/t${k}_c${j}`, o.value)));
    let attrs: Attrs = s.attrs;
    if (s.op === 'Clip') {
      const { min, max } = clipBounds(s);
      inputs.push(min === -Infinity ? '' : scalar(`${n.name}/t${k}_min`, min));
      if (max !== Infinity) inputs.push(scalar(`${n.name}/t${k}_max`, max));
      else if (inputs[1] === '') inputs.pop();
      attrs = {};
    }
    values.push(value);
    return node({ name, op: s.op, inputs, outputs: [value], attrs, origin: n.origin });
  });
  return { nodes, constants };
}
