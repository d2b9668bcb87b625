import { UnsupportedError } from '../errors.js';
import { allocate, isFloat, type DType } from '../ir/dtype.js';
import { ARITHMETIC_OPS, COMPARISON_OPS, LOGICAL_OPS } from '../ir/ops/index.js';
import type { LayerInfo } from '../ir/layer.js';
import { fromFloat64, tensor, toFloat64, type Tensor } from '../ir/tensor.js';
import { broadcastOffsets, copyElement } from './elements.js';
import { registerReference } from './executor.js';

/**
 * Elementwise binary ops with numpy broadcasting, computed in float64 and stored in the output
 * dtype. Integer semantics (as ONNX specifies and onnxruntime does):
 *   - Div on integers truncates toward zero (7 / -2 = -3); division by zero is undefined
 *     (this reference stores 0; the GPU kernel returns the dividend, as WGSL defines).
 *   - Mod with fmod=0 takes the sign of the divisor (numpy/Python `%`: -7 mod 2 = 1);
 *     fmod=1 takes the sign of the dividend (C fmod: -7 fmod 2 = -1). Floats accept both.
 *   - Pow on integers is the float power truncated toward zero (2^-1 = 0).
 * Integer results beyond 2^53 lose precision (wgrt's integers are shapes, indices and masks).
 */

function input(inputs: readonly (Tensor | undefined)[], i: number, layer: LayerInfo): Tensor {
  const t = inputs[i];
  if (!t) throw new UnsupportedError(`node '${layer.node.name}' (${layer.node.op}): input ${i} is missing`);
  return t;
}

/** The float64 function of an arithmetic op; `integer` selects truncating Div / Pow. */
export function arithmetic(op: string, fmod: boolean, integer: boolean): (a: number, b: number) => number {
  const t = integer ? Math.trunc : (v: number) => v;
  switch (op) {
    case 'Add': return (a, b) => a + b;
    case 'Sub': return (a, b) => a - b;
    case 'Mul': return (a, b) => a * b;
    case 'Div': return (a, b) => t(a / b);
    case 'Pow': return (a, b) => t(Math.pow(a, b));
    case 'Min': return (a, b) => Math.min(a, b);
    case 'Max': return (a, b) => Math.max(a, b);
    case 'PRelu': return (a, slope) => (a < 0 ? slope * a : a);
    case 'Mod': return fmod ? (a, b) => a % b : (a, b) => a - Math.floor(a / b) * b;
    default: throw new UnsupportedError(`${op} is not an arithmetic op`);
  }
}

function predicate(op: string): (a: number, b: number) => boolean {
  switch (op) {
    case 'Equal': return (a, b) => a === b;
    case 'Less': return (a, b) => a < b;
    case 'Greater': return (a, b) => a > b;
    case 'LessOrEqual': return (a, b) => a <= b;
    case 'GreaterOrEqual': return (a, b) => a >= b;
    case 'And': return (a, b) => a !== 0 && b !== 0;
    case 'Or': return (a, b) => a !== 0 || b !== 0;
    case 'Xor': return (a, b) => (a !== 0) !== (b !== 0);
    default: throw new UnsupportedError(`${op} is not a comparison or logical op`);
  }
}

/** out[i] = f(a[ia], b[ib]) over the broadcast output shape, in float64. */
function broadcast2(layer: LayerInfo, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Float64Array {
  const shape = layer.outputs[0]!.shape;
  const av = toFloat64(a);
  const bv = toFloat64(b);
  const ia = broadcastOffsets(a.shape, shape);
  const ib = broadcastOffsets(b.shape, shape);
  const out = new Float64Array(ia.length);
  for (let i = 0; i < out.length; i++) out[i] = f(av[ia[i]!]!, bv[ib[i]!]!);
  return out;
}

registerReference(ARITHMETIC_OPS, (layer, inputs) => {
  const a = input(inputs, 0, layer);
  const b = input(inputs, 1, layer);
  const out = layer.outputs[0]!;
  const fmod = layer.node.op === 'Mod' && layer.attrs.int('fmod') === 1;
  const f = arithmetic(layer.node.op, fmod, !isFloat(out.dtype));
  return [fromFloat64(out.dtype, out.shape, broadcast2(layer, a, b, f))];
});

registerReference([...COMPARISON_OPS, ...LOGICAL_OPS], (layer, inputs) => {
  const p = predicate(layer.node.op);
  const values = broadcast2(layer, input(inputs, 0, layer), input(inputs, 1, layer), (x, y) => (p(x, y) ? 1 : 0));
  return [fromFloat64('bool', layer.outputs[0]!.shape, values)];
});

/** Where(cond, x, y): raw elements of x or y, so every dtype passes through unchanged. */
registerReference(['Where'], (layer, inputs) => {
  const [c, x, y] = [0, 1, 2].map((i) => input(inputs, i, layer)) as [Tensor, Tensor, Tensor];
  const shape = layer.outputs[0]!.shape;
  const ic = broadcastOffsets(c.shape, shape);
  const ix = broadcastOffsets(x.shape, shape);
  const iy = broadcastOffsets(y.shape, shape);
  const out = allocate(x.dtype as DType, ic.length);
  for (let i = 0; i < ic.length; i++) {
    if (c.data[ic[i]!]) copyElement(out, i, x.data, ix[i]!);
    else copyElement(out, i, y.data, iy[i]!);
  }
  return [tensor(x.dtype, shape, out)];
});
