import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { nodeLayer } from '../helpers/node-layer.js';
import { opLayerN } from '../helpers/op-layer-n.js';

const gpu = useGpu();

interface Case {
  readonly name: string;
  /** Shapes of the inputs (undefined = absent optional input). */
  readonly shapes: readonly (readonly number[] | undefined)[];
  readonly attrs?: Record<string, number>;
  /** Value range of x (a large offset tests the two-pass variance). */
  readonly range?: readonly [number, number];
}

const CASES: Record<string, { op: string; cases: Case[] }> = {
  'norm.batch': {
    op: 'BatchNormalization',
    cases: [
      { name: '7x13, 5 channels, batch 2', shapes: [[2, 5, 7, 13], [5], [5], [5], [5]], attrs: { epsilon: 1e-3 } },
      { name: 'rank 2 (no spatial dims)', shapes: [[3, 7], [7], [7], [7], [7]] },
      { name: '3-D spatial', shapes: [[1, 3, 4, 5, 6], [3], [3], [3], [3]] },
    ],
  },
  'norm.instance': {
    op: 'InstanceNormalization',
    cases: [
      { name: '7x13, 5 channels, batch 2', shapes: [[2, 5, 7, 13], [5], [5]] },
      { name: 'long rows (33x35) with a large offset', shapes: [[1, 3, 33, 35], [3], [3]], range: [1000, 1001] },
      { name: '1-D, fewer values than threads', shapes: [[2, 3, 5], [3], [3]], attrs: { epsilon: 0.1 } },
    ],
  },
  'norm.layer': {
    op: 'LayerNormalization',
    cases: [
      { name: 'last axis of [6, 13], scale and bias', shapes: [[6, 13], [13], [13]] },
      { name: 'axis 1 of [2, 5, 7, 13], full-shape scale, no bias', shapes: [[2, 5, 7, 13], [5, 7, 13]], attrs: { axis: 1 } },
      { name: 'negative axis, broadcast scale [13] and bias [7, 1]', shapes: [[3, 7, 13], [13], [7, 1]], attrs: { axis: -2 } },
      { name: 'axis 0 (one row), scale [1]', shapes: [[4, 5, 6], [1], [6]], attrs: { axis: 0, epsilon: 1e-3 } },
      { name: 'long rows (1000) with a large offset', shapes: [[3, 1000], [1000], [1000]], range: [500, 501] },
      { name: 'size-1 normalized dim', shapes: [[5, 1], [1], [1]], attrs: { epsilon: 0.5 } },
    ],
  },
};

for (const [id, { op, cases }] of Object.entries(CASES)) {
  describe(`${id} matches the reference`, () => {
    const tactic = tacticById(id)!;
    for (const c of cases) {
      it(`${op}: ${c.name}`, async () => {
        const [lo, hi] = c.range ?? [-2, 2];
        const inputs: (Tensor | undefined)[] = c.shapes.map((s, i) => {
          if (!s) return undefined;
          if (i === 0) return randomF32(s, 31, lo, hi);
          return op === 'BatchNormalization' && i === 4 ? randomF32(s, 31 + i, 0.1, 2) : randomF32(s, 31 + i);
        });
        const layer = nodeLayer(op, inputs, { attrs: c.attrs ?? {}, constants: [1, 2, 3, 4] });
        expect(candidates(layer).map((t) => t.id)).toContain(id);
        const want = runReferenceLayer(layer, inputs)[0]!;
        for (const p of tactic.space) {
          const [got] = await runLayer(await gpu(), layer, tactic, inputs, p);
          expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
        }
      });
    }
  });
}

interface StatsCase {
  readonly name: string;
  readonly x: readonly number[];
  readonly scale: readonly number[];
  readonly bias?: readonly number[];
  readonly axis?: number;
  /** Which of Y, Mean, InvStdDev the node lists. */
  readonly outputs: readonly boolean[];
  readonly range?: readonly [number, number];
}

const STATS: StatsCase[] = [
  { name: 'axis 2 of [2, 3, 5, 7], Y, Mean and InvStdDev', x: [2, 3, 5, 7], scale: [5, 7], bias: [7], axis: 2, outputs: [true, true, true] },
  { name: 'negative axis -1 of [3, 5, 13], Mean only', x: [3, 5, 13], scale: [13], axis: -1, outputs: [true, true] },
  { name: 'axis 1 of [3, 7, 11], InvStdDev only (Mean absent)', x: [3, 7, 11], scale: [1], bias: [11], axis: 1, outputs: [true, false, true] },
  { name: 'axis 0 (one row), axis -3', x: [3, 5, 7], scale: [7], axis: -3, outputs: [true, true, true] },
  { name: 'long rows (1000) with a large offset', x: [3, 1000], scale: [1000], bias: [1000], outputs: [true, true, true], range: [500, 501] },
  { name: 'size-1 normalized dim', x: [5, 1], scale: [1], outputs: [true, true, true] },
];

describe('norm.layer_stats (Mean and InvStdDev outputs) matches the reference', () => {
  const tactic = tacticById('norm.layer_stats')!;
  for (const c of STATS) {
    it(c.name, async () => {
      const [lo, hi] = c.range ?? [-2, 2];
      const operands = [randomF32(c.x, 41, lo, hi), { constant: randomF32(c.scale, 42) }, c.bias ? { constant: randomF32(c.bias, 43) } : undefined];
      const attrs: Record<string, number> = c.axis === undefined ? {} : { axis: c.axis };
      const { layer, inputs } = opLayerN('LayerNormalization', operands, attrs, c.outputs);
      expect(candidates(layer).map((t) => t.id)).toEqual(['norm.layer_stats']);
      const want = runReferenceLayer(layer, inputs);
      for (const p of tactic.space) {
        const got = await runLayer(await gpu(), layer, tactic, inputs, p);
        c.outputs.forEach((present, i) => {
          if (!present) return expect(got[i], `output ${i} is absent`).toBeUndefined();
          expect(got[i]!.shape).toEqual(want[i]!.shape);
          expect(relL2(got[i]!, want[i]!), `output ${i}, params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
        });
      }
    });
  }
});

describe('norm.layer limits', () => {
  it('does not claim more than 6 normalized dims', () => {
    const x = randomF32([1, 2, 1, 2, 1, 2, 1], 1);
    const layer = nodeLayer('LayerNormalization', [x, randomF32([2, 1, 2, 1, 2, 1], 2)], { attrs: { axis: 1 } });
    expect(tacticById('norm.layer')!.supports(layer)).toBe(true);
    const deeper = nodeLayer('LayerNormalization', [x, randomF32([1], 2)], { attrs: { axis: 0 } });
    expect(tacticById('norm.layer')!.supports(deeper)).toBe(false);
  });
});
