import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { nodeLayer } from '../helpers/node-layer.js';

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

describe('norm.layer limits', () => {
  it('does not claim more than 6 normalized dims', () => {
    const x = randomF32([1, 2, 1, 2, 1, 2, 1], 1);
    const layer = nodeLayer('LayerNormalization', [x, randomF32([2, 1, 2, 1, 2, 1], 2)], { attrs: { axis: 1 } });
    expect(tacticById('norm.layer')!.supports(layer)).toBe(true);
    const deeper = nodeLayer('LayerNormalization', [x, randomF32([1], 2)], { attrs: { axis: 0 } });
    expect(tacticById('norm.layer')!.supports(deeper)).toBe(false);
  });
});
