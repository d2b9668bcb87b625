import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const tactic = tacticById('conv.transpose')!;

interface Case {
  readonly name: string;
  readonly x: number[];
  /** [C, M / group, k...] */
  readonly w: number[];
  readonly bias?: boolean;
  readonly attrs?: Record<string, number | string | number[]>;
}

const CASES: Case[] = [
  { name: '2-D 7x5, 3 groups, stride 2, dilation 2, asymmetric pads, batch 2, bias', x: [2, 6, 7, 5], w: [6, 3, 3, 3], bias: true, attrs: { group: 3, strides: [2, 2], dilations: [2, 2], pads: [1, 0, 2, 3] } },
  { name: '2-D depthwise, stride [3, 2], output_padding [2, 1], no bias', x: [1, 5, 4, 6], w: [5, 1, 3, 2], attrs: { group: 5, strides: [3, 2], output_padding: [2, 1], pads: [1, 1, 0, 1] } },
  { name: '2-D kernel smaller than the stride (gaps)', x: [1, 3, 5, 4], w: [3, 2, 2, 1], bias: true, attrs: { strides: [3, 4] } },
  { name: '2-D 1x1 kernel, size-1 spatial dims', x: [3, 5, 1, 1], w: [5, 7, 1, 1], bias: true },
  { name: '2-D auto_pad SAME_UPPER stride 2', x: [1, 3, 9, 6], w: [3, 4, 3, 2], bias: true, attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: '2-D auto_pad SAME_LOWER, odd total padding', x: [1, 2, 5, 3], w: [2, 3, 4, 3], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] } },
  { name: '2-D output_shape larger than the full result (negative pads)', x: [1, 2, 3, 4], w: [2, 2, 3, 3], bias: true, attrs: { strides: [2, 3], output_shape: [9, 13] } },
  { name: '2-D output_shape smaller than the full result', x: [1, 2, 5, 4], w: [2, 3, 4, 3], bias: true, attrs: { strides: [2, 2], output_shape: [9, 7] } },
  { name: '1-D stride 3, dilation 2, pads, output_padding', x: [2, 4, 11], w: [4, 3, 4], bias: true, attrs: { strides: [3], dilations: [2], pads: [2, 1], output_padding: [2] } },
  { name: '3-D groups 2, strides, dilation, pads, output_padding', x: [1, 4, 3, 4, 5], w: [4, 1, 2, 3, 2], bias: true, attrs: { group: 2, strides: [2, 1, 3], dilations: [1, 2, 1], pads: [0, 1, 1, 1, 0, 2], output_padding: [1, 0, 2] } },
  { name: 'many outputs (2x upsampling 33x35 to 66x70), 8 input channels', x: [1, 8, 33, 35], w: [8, 6, 4, 4], bias: true, attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } },
];

describe('conv.transpose matches the reference', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const group = (c.attrs?.['group'] as number | undefined) ?? 1;
      const inputs: (Tensor | undefined)[] = [randomF32(c.x, 21), randomF32(c.w, 22), c.bias ? randomF32([c.w[1]! * group], 23) : undefined];
      const layer = nodeLayer('ConvTranspose', inputs, { attrs: c.attrs ?? {}, constants: [1, 2] });
      expect(candidates(layer).map((t) => t.id)).toContain('conv.transpose');
      const want = runReferenceLayer(layer, inputs)[0]!;
      for (const p of tactic.space) {
        const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
        expect(got!.shape).toEqual(want.shape);
        expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
      }
    });
  }

  it('does not claim rank-6 inputs (4 spatial dims)', () => {
    const layer = nodeLayer('ConvTranspose', [randomF32([1, 1, 2, 2, 2, 2], 1), randomF32([1, 1, 1, 1, 1, 1], 2)]);
    expect(tactic.supports(layer)).toBe(false);
  });
});
