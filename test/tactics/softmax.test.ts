import { describe, expect, it } from 'vitest';
import { runReferenceLayer } from '../../src/reference/index.js';
import { build, buildTuned } from '../../src/engine/engine.js';
import { DeviceError } from '../../src/errors.js';
import { network } from '../../src/frontend/fluent/index.js';
import { SOFTMAX, SOFTMAX_SUBGROUP } from '../../src/tactics/families/softmax.js';
import { candidates, registerTactic, unregisterTactic, type Tactic } from '../../src/tactics/index.js';
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

// softmax.subgroup runs where the adapter has subgroups (lavapipe does, 8 lanes; the H100 32).
describe.each([SOFTMAX, SOFTMAX_SUBGROUP])('$id vs reference', (tactic) => {
  for (const op of ['Softmax', 'LogSoftmax']) {
    for (const [shape, axis] of cases) {
      it(`${op} [${shape}] axis=${axis}`, async () => {
        const g = await gpu();
        if (!(tactic.features ?? []).every((f) => g.features.has(f))) return;
        const x = randomF32(shape, shape.length * 13 + axis + 20, -8, 8);
        const { layer, inputs } = opLayer(op, [x], { axis });
        expect(candidates(layer)).toContain(tactic);
        const want = runReferenceLayer(layer, inputs)[0]!;
        for (const p of tactic.space) {
          const got = (await runLayer(g, layer, tactic, inputs, p))[0]!;
          expect(relL2(got, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
        }
      });
    }
  }
});

describe('softmax', () => {
  it('the untimed default needs no device feature; a tactic needing one the device lacks is not timed and does not run', async () => {
    const g = await gpu();
    const net = network('sm', { seed: 1 });
    net.output('y', net.input('x', [4, 50]).softmax(-1, { name: 'sm' }));
    expect(build(net.build()).layers[0]!.tactic).toBe('softmax.rows');
    const needy: Tactic = { ...SOFTMAX, id: 'test.needs_feature', features: ['no-such-feature'] };
    registerTactic(needy);
    try {
      const { tuning } = await buildTuned(net.build(), { tune: { gpu: g, iterations: 1, warmup: 1 } });
      const timed = tuning.records.get('sm')!.candidates.map((c) => c.tactic);
      expect(timed).not.toContain('test.needs_feature');
      if (g.features.has('subgroups')) expect(timed).toContain('softmax.subgroup');
      const forced = build(net.build(), { force: { sm: 'test.needs_feature' } });
      await expect(forced.createContext({ backend: 'webgpu' })).rejects.toThrow(DeviceError);
      await expect(forced.createContext({ backend: 'webgpu' })).rejects.toThrow(/layer 'sm' runs tactic 'test.needs_feature', which needs the device feature no-such-feature/);
    } finally {
      unregisterTactic(needy.id);
    }
  });

  it('is stable for large logits', async () => {
    const x = randomF32([4, 50], 99, 500, 600);
    const { layer, inputs } = opLayer('Softmax', [x], {});
    const got = (await runLayer(await gpu(), layer, SOFTMAX, inputs))[0]!;
    expect(relL2(got, runReferenceLayer(layer, inputs)[0]!)).toBeLessThan(1e-5);
  });
});
