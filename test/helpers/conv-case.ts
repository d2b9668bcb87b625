// A convolution test case (shapes, bias, attributes) and its seeded inputs, shared by the conv kernel tests.
import type { Attrs } from '../../src/ir/graph.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { randomF32 } from './data.js';

export interface ConvCase {
  readonly name: string;
  readonly x: number[];
  readonly w: number[];
  readonly bias?: boolean;
  readonly attrs?: Attrs;
}

/** x, w and (when the case has one) the bias, seeded from `seed`, `seed + 1`, `seed + 2`. */
export const convInputs = (c: ConvCase, seed: number): (Tensor | undefined)[] =>
  [randomF32(c.x, seed), randomF32(c.w, seed + 1), c.bias ? randomF32([c.w[0]!], seed + 2) : undefined];
