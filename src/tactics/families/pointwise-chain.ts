/**
 * PointwiseChain on f32: the template kernels/pointwise/chain.wgsl loads each input element
 * with broadcasting and calls `chain()`, which is generated here from the node's program as
 * calls to unary_op and binary_op (kernels/common/unary.wgsl and binary.wgsl, the functions the
 * unary and binary kernels run), with the op codes and parameters as literals.
 */
import { node } from '../../ir/graph.js';
import { chainSteps, clipBounds, CHAIN_MAX_INPUTS, formatStep, stepAttrs, type ChainOperand, type ChainStep } from '../../ir/ops/index.js';
import { UnsupportedError } from '../../errors.js';
import { sameShape, sizeOf, tensor } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic } from '../types.js';
import { BINARY_CODES } from './binary.js';
import { broadcastGeometry, padFront, WG } from './strides.js';
import { unaryCode, vecWidth } from './unary.js';

/** v as a WGSL float literal that converts to f32 exactly: the f32 value, written as JavaScript reads it back. */
function f32Literal(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) throw new RangeError(`${v} has no finite f32 literal`);
  if (Object.is(f, -0)) return 'bitcast<f32>(0x80000000u)'; // the bits of -0 (though WGSL may ignore a zero's sign)
  const s = String(f);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

/** A unary step as the LayerInfo unaryCode() reads: its op, attributes, and Clip's bounds as constants. */
function stepLayer(s: ChainStep): LayerInfo {
  const n = node({ name: `${s.op} step`, op: s.op, inputs: [], outputs: [] });
  const { min, max } = clipBounds(s);
  const bound = (v: number) => (Number.isFinite(v) ? tensor('f32', [], [v]) : undefined);
  const constant = (i: number) => (s.op !== 'Clip' ? undefined : i === 1 ? bound(min) : i === 2 ? bound(max) : undefined);
  return { node: n, attrs: stepAttrs(s), ctx: { node: n, inputs: [], constant }, inputs: [], outputs: [], layouts: { inputs: [], outputs: [] } };
}

/** The WGSL call computing one step. */
function stepCall(s: ChainStep): string {
  const arg = (o: ChainOperand) => (o.kind === 'input' ? `x[${o.index}]` : o.kind === 'step' ? `t${o.step}` : f32Literal(o.value));
  const [a, b] = s.operands.map(arg);
  const code = BINARY_CODES[s.op];
  if (b !== undefined && code !== undefined) return `binary_op(${code}u, ${a}, ${b})`;
  const u = unaryCode(stepLayer(s));
  return `unary_op(${u.code}u, ${a}, ${f32Literal(u.alpha)}, ${f32Literal(u.beta)})`;
}

/**
 * The `chain()` hook of a program: one `let` per step, the program's text above it. It depends
 * on the program alone, so equal chains share one pipeline.
 */
export function chainHook(steps: readonly ChainStep[]): string {
  return [
    ...steps.map((s, i) => `// ${formatStep(i + 1, s)}`),
    `fn chain(x: array<f32, ${CHAIN_MAX_INPUTS}>) -> f32 {`,
    ...steps.map((s, i) => `  let t${i + 1} = ${stepCall(s)};`),
    `  return t${steps.length};`,
    '}',
    '',
  ].join('\n');
}

/** Meta words [n, shape[6], strides[6] per input], or undefined when the broadcast needs more than 6 axes. */
function chainMeta(layer: LayerInfo): number[] | undefined {
  const out = layer.outputs[0]!.shape;
  const g = broadcastGeometry(out, layer.inputs.map((t) => t!.shape));
  if (!g) return undefined;
  const meta = new Meta().u32(sizeOf(out)).u32(...padFront(g.shape, 1));
  for (const s of g.strides) meta.u32(...padFront(s, 0));
  return meta.done();
}

/** Every literal and parameter of the program has a finite f32 literal (WGSL constants must be finite). */
function finiteLiterals(steps: readonly ChainStep[]): boolean {
  try {
    chainHook(steps);
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

export const POINTWISE_CHAIN: Tactic = {
  id: 'pointwise.chain',
  ops: ['PointwiseChain'],
  kernel: 'pointwise/chain.wgsl',
  // vec 4: four elements per thread through vec4 loads (kernels/pointwise/chain-vec4.wgsl), for
  // chains without broadcasting whose element count is a multiple of 4.
  space: [{ wg: WG }, { wg: 64 }, { wg: WG, vec: 4 }, { wg: 64, vec: 4 }],
  supports(layer) {
    const k = layer.inputs.length;
    if (k < 1 || k > CHAIN_MAX_INPUTS || !layer.inputs.every((t) => t?.dtype === 'f32')) return false;
    return chainMeta(layer) !== undefined && finiteLiterals(chainSteps(layer.node));
  },
  plan(layer, p) {
    const wg = p['wg'] ?? WG;
    const k = layer.inputs.length;
    const inputs = Array.from({ length: CHAIN_MAX_INPUTS }, (_, i) => ({ input: i < k ? i : 0 }));
    const out = layer.outputs[0]!.shape;
    const n = sizeOf(out);
    const vec = vecWidth(layer, p, n);
    if (vec === 4 && !layer.inputs.every((t) => sameShape(t!.shape, out))) {
      throw new UnsupportedError(`pointwise.chain vec 4 cannot run layer '${layer.node.name}': it broadcasts an input`);
    }
    return [
      {
        kernel: vec === 4 ? 'pointwise/chain-vec4.wgsl' : this.kernel,
        constants: { WG: wg, INPUTS: k },
        meta: vec === 4 ? new Meta().u32(n / 4).done() : chainMeta(layer)!,
        dispatch: grid(Math.ceil(n / vec / wg)),
        bindings: [...inputs, { output: 0 }],
        hooks: chainHook(chainSteps(layer.node)),
      },
    ];
  },
};

registerTactic(POINTWISE_CHAIN);
