import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const tactic = tacticById('conv.direct')!;

interface Case {
  readonly name: string;
  readonly x: number[];
  readonly w: number[];
  readonly bias?: boolean;
  readonly attrs?: Record<string, number | string | number[]>;
}

const CASES: Case[] = [
  { name: '2-D 7x13, 3 groups, stride 2, dilation 2, asymmetric pads, batch 2, bias', x: [2, 6, 7, 13], w: [9, 2, 3, 3], bias: true, attrs: { group: 3, strides: [2, 2], dilations: [2, 2], pads: [1, 0, 2, 3] } },
  { name: '2-D 5 channels depthwise, no bias', x: [1, 5, 7, 13], w: [5, 1, 3, 3], attrs: { group: 5, pads: [1, 1, 1, 1] } },
  { name: '2-D 1x1 kernel, size-1 spatial dims', x: [3, 5, 1, 1], w: [7, 5, 1, 1], bias: true },
  { name: '2-D auto_pad SAME_UPPER stride 2', x: [1, 3, 9, 6], w: [4, 3, 3, 2], bias: true, attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: '2-D auto_pad SAME_LOWER', x: [1, 2, 5, 8], w: [3, 2, 4, 3], attrs: { auto_pad: 'SAME_LOWER' } },
  { name: '1-D stride 3, pads, bias', x: [2, 4, 17], w: [3, 4, 4], bias: true, attrs: { strides: [3], pads: [2, 1] } },
  { name: '3-D with dilation and pads', x: [1, 2, 5, 4, 6], w: [3, 2, 2, 3, 2], bias: true, attrs: { strides: [1, 2, 1], dilations: [2, 1, 1], pads: [0, 1, 1, 1, 0, 1] } },
  { name: 'many outputs (681 workgroups), 8 input channels', x: [1, 8, 67, 65], w: [40, 8, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
];

describe('conv.direct matches the reference', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const inputs: (Tensor | undefined)[] = [randomF32(c.x, 11), randomF32(c.w, 12), c.bias ? randomF32([c.w[0]!], 13) : undefined];
      const layer = nodeLayer('Conv', inputs, { attrs: c.attrs ?? {}, constants: [1, 2] });
      expect(candidates(layer).map((t) => t.id)).toContain('conv.direct');
      const want = runReferenceLayer(layer, inputs)[0]!;
      for (const p of tactic.space) {
        const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
        expect(got!.shape).toEqual(want.shape);
        expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
      }
    });
  }

  it('does not claim rank-6 inputs (4 spatial dims)', () => {
    const layer = nodeLayer('Conv', [randomF32([1, 1, 2, 2, 2, 2], 1), randomF32([1, 1, 1, 1, 1, 1], 2)]);
    expect(tactic.supports(layer)).toBe(false);
  });
});
