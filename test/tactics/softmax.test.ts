import { describe, expect, it } from 'vitest';
import { runReferenceLayer } from '../../src/reference/index.js';
import { SOFTMAX } from '../../src/tactics/families/softmax.js';
import { candidates } from '../../src/tactics/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { opLayer } from '../helpers/op-layer.js';

const gpu = useGpu();

const cases: [number[], number][] = [
  [[1, 1], -1],
  [[7, 33], -1],
  [[5, 1000], 1],
  [[3, 65, 9], 1], // axis in the middle: strided rows
  [[3, 65, 9], 0],
  [[2, 3, 4, 5], -3],
  [[300, 3], -1],
  [[4, 1, 5], 1], // axis of size 1
];

describe('softmax.rows vs reference', () => {
  for (const op of ['Softmax', 'LogSoftmax']) {
    for (const [shape, axis] of cases) {
      it(`${op} [${shape}] axis=${axis}`, async () => {
        const x = randomF32(shape, shape.length * 13 + axis + 20, -8, 8);
        const { layer, inputs } = opLayer(op, [x], { axis });
        expect(candidates(layer)).toContain(SOFTMAX);
        const want = runReferenceLayer(layer, inputs)[0]!;
        for (const p of SOFTMAX.space) {
          const got = (await runLayer(await gpu(), layer, SOFTMAX, inputs, p))[0]!;
          expect(relL2(got, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
        }
      });
    }
  }

  it('is stable for large logits', async () => {
    const x = randomF32([4, 50], 99, 500, 600);
    const { layer, inputs } = opLayer('Softmax', [x], {});
    const got = (await runLayer(await gpu(), layer, SOFTMAX, inputs))[0]!;
    expect(relL2(got, runReferenceLayer(layer, inputs)[0]!)).toBeLessThan(1e-5);
  });
});
