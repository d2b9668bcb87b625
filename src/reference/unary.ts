import { ShapeError } from '../errors.js';
import { allocate, isFloat, type DType } from '../ir/dtype.js';
import type { AttrReader } from '../ir/ops/index.js';
import { UNARY_OPS } from '../ir/ops/index.js';
import { fromFloat64, setNumber, tensor, toFloat64, type Tensor } from '../ir/tensor.js';
import { registerReference } from './executor.js';

/**
 * erf(x) in float64 by the everywhere-positive series
 *   erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)),
 * which has no cancellation; beyond |x| = 6, erf is 1 to double precision.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) >= 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The scalar function of each float unary op, given its attributes (Clip: see clipFn). */
export function unaryFn(op: string, a: AttrReader): (x: number) => number {
  switch (op) {
    case 'Relu': return (x) => Math.max(x, 0);
    case 'LeakyRelu': { const al = a.float('alpha'); return (x) => (x >= 0 ? x : al * x); }
    case 'Sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'Tanh': return Math.tanh;
    case 'HardSigmoid': {
      const al = a.float('alpha');
      const be = a.float('beta');
      return (x) => Math.min(1, Math.max(0, al * x + be));
    }
    case 'HardSwish': return (x) => x * Math.min(1, Math.max(0, x / 6 + 0.5));
    case 'Gelu':
      if (a.string('approximate') === 'tanh') return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'Elu': { const al = a.float('alpha'); return (x) => (x >= 0 ? x : al * (Math.exp(x) - 1)); }
    case 'Selu': {
      const al = a.float('alpha');
      const g = a.float('gamma');
      return (x) => g * (x > 0 ? x : al * (Math.exp(x) - 1));
    }
    case 'Softplus': return softplus;
    case 'Softsign': return (x) => x / (1 + Math.abs(x));
    case 'Mish': return (x) => x * Math.tanh(softplus(x));
    case 'Exp': return Math.exp;
    case 'Log': return Math.log;
    case 'Sqrt': return Math.sqrt;
    case 'Abs': return Math.abs;
    case 'Neg': return (x) => -x;
    case 'Reciprocal': return (x) => 1 / x;
    case 'Floor': return Math.floor;
    case 'Ceil': return Math.ceil;
    case 'Erf': return erf;
    case 'Not': return (x) => (x ? 0 : 1);
    default: throw new ShapeError(`reference unary: no function for op ${op}`);
  }
}

function input(t: Tensor | undefined, op: string): Tensor {
  if (!t) throw new ShapeError(`reference ${op}: input 0 is missing`);
  return t;
}

function copy(x: Tensor): Tensor {
  return tensor(x.dtype, x.shape, x.data.slice());
}

registerReference(['Identity'], (_layer, inputs) => [copy(input(inputs[0], 'Identity'))]);

registerReference(
  Object.keys(UNARY_OPS).filter((op) => op !== 'Identity'),
  (layer, inputs) => {
    const x = input(inputs[0], layer.node.op);
    const f = unaryFn(layer.node.op, layer.attrs);
    const out = layer.outputs[0]!;
    return [fromFloat64(out.dtype, out.shape, toFloat64(x).map(f))];
  },
);

/** Clip's scalar function: min(hi, max(lo, v)); -Infinity and Infinity stand for absent bounds. */
export function clipFn(lo: number, hi: number): (v: number) => number {
  return (v) => Math.min(hi, Math.max(lo, v));
}

/** Clip(x, min?, max?): absent bounds do not clip. */
registerReference(['Clip'], (layer, inputs) => {
  const x = input(inputs[0], 'Clip');
  const bound = (t: Tensor | undefined, dflt: number) => (t ? toFloat64(t)[0]! : dflt);
  const f = clipFn(bound(inputs[1], -Infinity), bound(inputs[2], Infinity));
  const out = layer.outputs[0]!;
  return [fromFloat64(out.dtype, out.shape, toFloat64(x).map(f))];
});

/** The value an element of dtype `to` takes from a source value v (ONNX Cast). */
export function castValue(v: number, from: DType, to: DType): number {
  if (to === 'bool') return v !== 0 ? 1 : 0;
  if (isFloat(to)) return v; // setNumber rounds to f16 / the f32 store rounds to f32
  if (isFloat(from)) return Number.isFinite(v) ? Math.trunc(v) : 0; // float -> int truncates toward zero
  return v;
}

/** Cast: float -> int truncates toward zero, -> bool is v != 0, -> f16 rounds to nearest even. */
registerReference(['Cast'], (layer, inputs) => {
  const x = input(inputs[0], 'Cast');
  const out = layer.outputs[0]!;
  if (x.dtype === out.dtype) return [copy(x)];
  const v = toFloat64(x);
  const data = allocate(out.dtype, v.length);
  for (let i = 0; i < v.length; i++) setNumber(data, out.dtype, i, castValue(v[i]!, x.dtype, out.dtype));
  return [tensor(out.dtype, out.shape, data)];
});
