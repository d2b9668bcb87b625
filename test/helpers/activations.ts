/**
 * Every activation a fused epilogue takes, with parameters other than the defaults where it has
 * any, and its formula written out again here (float64), independent of src/reference.
 */
import { erf } from '../../src/reference/unary.js';

export interface ActivationCase {
  readonly activation: string;
  readonly params: readonly number[];
  readonly f: (x: number) => number;
}

const softplus = (x: number) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);

export const ACTIVATION_CASES: readonly ActivationCase[] = [
  { activation: '', params: [], f: (x) => x },
  { activation: 'Relu', params: [], f: (x) => Math.max(x, 0) },
  { activation: 'LeakyRelu', params: [0.2], f: (x) => (x < 0 ? 0.2 * x : x) },
  { activation: 'Clip', params: [-0.25, 0.5], f: (x) => Math.min(0.5, Math.max(-0.25, x)) },
  { activation: 'Sigmoid', params: [], f: (x) => 1 / (1 + Math.exp(-x)) },
  { activation: 'Tanh', params: [], f: Math.tanh },
  { activation: 'HardSigmoid', params: [0.3, 0.4], f: (x) => Math.min(1, Math.max(0, 0.3 * x + 0.4)) },
  { activation: 'HardSwish', params: [], f: (x) => x * Math.min(1, Math.max(0, (x + 3) / 6)) },
  { activation: 'Gelu', params: [], f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) },
  { activation: 'Elu', params: [0.7], f: (x) => (x < 0 ? 0.7 * Math.expm1(x) : x) },
  { activation: 'Selu', params: [1.5, 1.1], f: (x) => 1.1 * (x <= 0 ? 1.5 * Math.expm1(x) : x) },
  { activation: 'Softplus', params: [], f: softplus },
  { activation: 'Softsign', params: [], f: (x) => x / (1 + Math.abs(x)) },
  { activation: 'Mish', params: [], f: (x) => x * Math.tanh(softplus(x)) },
];
