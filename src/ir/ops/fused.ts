/**
 * Conv and GEMM with their epilogue, TensorRT's CBR layers: one kernel computes
 *
 *   FusedConv   y = act(Conv(x, w, bias) + residual)
 *   FusedGemm   y = act(Gemm(A, B, C; alpha, beta, transA, transB) + residual)
 *   FusedMatMul y = act(MatMul(A', B') + bias + residual), A' = A with its last two axes swapped
 *               when transA = 1 (B' likewise): a transpose read through the kernel's strides
 *
 * where every part after the base op is optional: `activation` is '' or an op of
 * EPILOGUE_ACTIVATIONS with its parameters in `activation_params`, and the residual (last input)
 * has the output's shape. src/passes/fuse-epilogue.ts makes them; `unfuse` gives back the standard
 * nodes a fused one stands for (ONNX export writes those, the reference executor runs them).
 */
import { node, type Attrs, type Node } from '../graph.js';
import { sameShape, shapeToString, tensor, type Tensor, type TensorType } from '../tensor.js';
import { AttrReader, broadcastShapes, defineOp, opDef, shapeError, type AttrSpec, type InferContext } from './registry.js';
import './conv.js';
import './gemm.js';

/** Activations an epilogue can end with, and what each `activation_params` entry stands for. */
export const EPILOGUE_ACTIVATIONS: Readonly<Record<string, readonly string[]>> = {
  Relu: [],
  LeakyRelu: ['alpha'],
  Clip: ['min', 'max'],
  Sigmoid: [],
  Tanh: [],
  HardSigmoid: ['alpha', 'beta'],
  HardSwish: [],
  Gelu: [], // approximate = 'none' (erf)
  Elu: ['alpha'],
  Selu: ['alpha', 'gamma'],
  Softplus: [],
  Softsign: [],
  Mish: [],
};

/** Each fused op and the op it extends. */
export const FUSED_BASE: Readonly<Record<string, string>> = { FusedConv: 'Conv', FusedGemm: 'Gemm', FusedMatMul: 'MatMul' };

const EPILOGUE_ATTRS: Readonly<Record<string, AttrSpec>> = {
  activation: { kind: 'string', default: '' },
  activation_params: { kind: 'floats', default: [] },
};

/** Residual is input 3; checks it and the activation against the base op's output type. */
function checkEpilogue(ctx: InferContext, a: AttrReader, out: TensorType): TensorType {
  const act = a.string('activation');
  const names = EPILOGUE_ACTIVATIONS[act];
  if (act !== '' && !names) {
    throw shapeError(ctx, `activation '${act}' cannot be fused; use '' or one of ${Object.keys(EPILOGUE_ACTIVATIONS).join(', ')}`);
  }
  const params = a.floats('activation_params');
  const want = names ?? [];
  if (params.length !== want.length) {
    throw shapeError(ctx, `activation '${act}' takes ${want.length} activation_params${want.length ? ` (${want.join(', ')})` : ''}, got ${params.length}`);
  }
  const r = ctx.inputs[3];
  if (r && (r.dtype !== out.dtype || !sameShape(r.shape, out.shape))) {
    throw shapeError(ctx, `residual must be ${out.dtype}${shapeToString(out.shape)} like the output, got ${r.dtype}${shapeToString(r.shape)}`);
  }
  return out;
}

/** The base op's shape inference, its inputs being the fused op's first three. */
function baseInfer(op: string, ctx: InferContext, a: AttrReader): TensorType {
  const base = opDef(op);
  const inputs = ctx.inputs.slice(0, op === 'MatMul' ? 2 : 3);
  return base.infer({ ...ctx, inputs }, a)[0]!;
}

defineOp({
  op: 'FusedConv',
  family: 'conv',
  arity: [2, 4],
  attrs: { ...opDef('Conv').attrs, ...EPILOGUE_ATTRS },
  internal: true,
  infer: (ctx, a) => [checkEpilogue(ctx, a, baseInfer('Conv', ctx, a))],
});

defineOp({
  op: 'FusedGemm',
  family: 'gemm',
  arity: [2, 4],
  attrs: { ...opDef('Gemm').attrs, ...EPILOGUE_ATTRS },
  internal: true,
  infer: (ctx, a) => [checkEpilogue(ctx, a, baseInfer('Gemm', ctx, a))],
});

/** `shape` with its last two axes swapped (a matrix or a batch of them, transposed). */
export function swapLastTwo(shape: readonly number[]): number[] {
  const r = shape.length;
  return r < 2 ? [...shape] : [...shape.slice(0, r - 2), shape[r - 1]!, shape[r - 2]!];
}

defineOp({
  op: 'FusedMatMul',
  family: 'gemm',
  arity: [2, 4],
  attrs: { ...EPILOGUE_ATTRS, transA: { kind: 'int', default: 0 }, transB: { kind: 'int', default: 0 } },
  internal: true,
  infer(ctx, a) {
    const [A, B, bias] = ctx.inputs;
    if (A!.shape.length < 2 || B!.shape.length < 2) throw shapeError(ctx, `operands must have rank >= 2, got ${A!.shape.length} and ${B!.shape.length}`);
    const read = (t: TensorType, flag: string): TensorType => (a.int(flag) === 1 ? { ...t, shape: swapLastTwo(t.shape) } : t);
    const out = baseInfer('MatMul', { ...ctx, inputs: [read(A!, 'transA'), read(B!, 'transB'), ...ctx.inputs.slice(2)] }, a);
    // The bias varies over rows and columns only: rank <= 2, broadcast to the output's last two dims.
    const mn = out.shape.slice(-2);
    if (bias && (bias.shape.length > 2 || !sameShape(broadcastShapes(ctx, [bias.shape, mn]), mn))) {
      throw shapeError(ctx, `bias ${shapeToString(bias.shape)} must have rank <= 2 and broadcast to the last two output dims ${shapeToString(mn)}`);
    }
    return [checkEpilogue(ctx, a, out)];
  },
});

/** The largest finite f32: Clip's bound where it has none (JSON-safe, unlike Infinity). */
export const F32_MAX = 3.4028234663852886e38;

/** The perm swapping the last two of `rank` axes. */
function swapPerm(rank: number): number[] {
  return swapLastTwo(Array.from({ length: rank }, (_, i) => i));
}

/**
 * The standard nodes (and Clip's bound constants) a fused node stands for, writing its output.
 * `rankOf(i)` (input i's rank) is needed for a FusedMatMul with transA or transB.
 */
export function unfuse(n: Node, rankOf?: (input: number) => number): { nodes: Node[]; constants: Map<string, Tensor> } {
  const base = FUSED_BASE[n.op];
  if (!base) throw new Error(`unfuse: '${n.name}' is a ${n.op}, not a fused op`);
  const a = new AttrReader(n, opDef(n.op));
  const [x0 = '', w0 = '', bias = '', residual = ''] = n.inputs;
  const { activation: _a, activation_params: _p, ...baseAttrs } = n.attrs;
  // FusedMatMul's transA/transB: Transposes of the last two axes before the MatMul.
  const before: Node[] = [];
  const swapped = (t: string, flag: 'transA' | 'transB'): string => {
    if (base !== 'MatMul' || a.int(flag) !== 1) return t;
    const out = `${n.name}/${flag}:out`;
    if (!rankOf) throw new Error(`unfuse: '${n.name}' has ${flag}; pass its operands' ranks`);
    const rank = rankOf(flag === 'transA' ? 0 : 1);
    before.push(node({ name: `${n.name}/${flag}`, op: 'Transpose', inputs: [t], outputs: [out], attrs: { perm: swapPerm(rank) }, origin: n.origin }));
    return out;
  };
  const x = swapped(x0, 'transA');
  const w = swapped(w0, 'transB');
  if (base === 'MatMul') {
    delete (baseAttrs as Record<string, unknown>)['transA'];
    delete (baseAttrs as Record<string, unknown>)['transB'];
  }
  const act = a.string('activation');
  const params = a.floats('activation_params');
  const constants = new Map<string, Tensor>();

  // Each stage reads the previous stage's output (first input) and maybe one more tensor.
  const stages: { name: string; op: string; more: string[]; attrs: Attrs }[] = [
    { name: n.name, op: base, more: base === 'MatMul' ? [w] : [w, bias].filter((t, i) => t || i === 0), attrs: baseAttrs },
  ];
  if (base === 'MatMul' && bias) stages.push({ name: `${n.name}/bias`, op: 'Add', more: [bias], attrs: {} });
  if (residual) stages.push({ name: `${n.name}/residual`, op: 'Add', more: [residual], attrs: {} });
  if (act === 'Clip') {
    const [lo, hi] = [`${n.name}/clip_min`, `${n.name}/clip_max`];
    constants.set(lo, tensor('f32', [], [params[0]!])).set(hi, tensor('f32', [], [params[1]!]));
    stages.push({ name: `${n.name}/clip`, op: 'Clip', more: [lo, hi], attrs: {} });
  } else if (act) {
    const names = EPILOGUE_ACTIVATIONS[act]!;
    stages.push({ name: `${n.name}/${act.toLowerCase()}`, op: act, more: [], attrs: Object.fromEntries(names.map((k, i) => [k, params[i]!])) });
  }
  let prev = x;
  const nodes = stages.map((s, i) => {
    const out = i === stages.length - 1 ? n.outputs[0]! : `${s.name}:out`;
    const m = node({ name: s.name, op: s.op, inputs: [prev, ...s.more], outputs: [out], attrs: s.attrs, origin: n.origin });
    prev = out;
    return m;
  });
  return { nodes: [...before, ...nodes], constants };
}
