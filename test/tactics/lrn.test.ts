import { describe, expect, it } from 'vitest';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const tactic = tacticById('norm.lrn')!;

const CASES: { name: string; shape: number[]; attrs: Record<string, number> }[] = [
  { name: '7x13, 5 channels, batch 2, size 3, default alpha, beta, bias', shape: [2, 5, 7, 13], attrs: { size: 3 } },
  { name: 'even size 4, strong normalization (alpha 2, beta 0.6, bias 0.5)', shape: [1, 9, 5, 3], attrs: { size: 4, alpha: 2, beta: 0.6, bias: 0.5 } },
  { name: 'size 5 as in AlexNet (alpha 1e-4 * 5, bias 2), 96 channels', shape: [1, 96, 5, 7], attrs: { size: 5, alpha: 5e-4, beta: 0.75, bias: 2 } },
  { name: 'window wider than the channels', shape: [2, 3, 11], attrs: { size: 9, alpha: 1, beta: 1 } },
  { name: 'size 1, rank 2', shape: [3, 7], attrs: { size: 1, alpha: 3, beta: 0.5 } },
  { name: 'rank 5, size 2', shape: [1, 4, 3, 2, 5], attrs: { size: 2, alpha: 1.5 } },
];

describe('norm.lrn matches the reference', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const x = randomF32(c.shape, 51, -3, 3);
      const layer = nodeLayer('LRN', [x], { attrs: c.attrs });
      expect(candidates(layer).map((t) => t.id)).toContain('norm.lrn');
      const want = runReferenceLayer(layer, [x])[0]!;
      for (const p of tactic.space) {
        const [got] = await runLayer(await gpu(), layer, tactic, [x], p);
        expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
      }
    });
  }
});
