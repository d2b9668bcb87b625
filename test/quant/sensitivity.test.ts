// The sensitivity analysis finds a deliberately broken layer (its input's threshold forced far
// too small), and the accuracy budget keeps exactly that layer in float.
import { describe, expect, it } from 'vitest';
import { network } from '../../src/frontend/fluent/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/index.js';
import { randomInput } from '../../src/ir/random.js';
import { toFloat64 } from '../../src/ir/tensor.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { insertQdq } from '../../src/quant/qdq.js';
import { QuantTable } from '../../src/quant/table.js';
import { keepForBudget, sensitivity, sqnrDb } from '../../src/quant/sensitivity.js';
import { runReference } from '../../src/reference/index.js';
import { webgpuRunner } from '../../src/runtime/activations.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();

function chain(): Graph {
  const net = network('chain', { seed: 11 });
  let h = net.input('x', [4, 4, 8, 8]);
  for (const name of ['c1', 'c2', 'c3']) h = h.conv2d(8, { kernel: 3, pad: 1, name }).relu({ name: `${name}_relu` });
  net.output('y', h.globalAvgPool().flatten().dense(6, { name: 'head' }));
  return inferTypes(net.build());
}

describe('sensitivity and the accuracy budget', () => {
  it('rank a broken layer first, on the reference and on WebGPU, and keep only it in float', async () => {
    const g = chain();
    const batches = [1, 2, 3].map((s) => ({ x: randomInput({ dtype: 'f32', shape: [4, 4, 8, 8] }, s) }));
    const good = await calibrate(g, batches, { method: 'minmax' });
    // c2 reads c1_relu: a threshold 1/50 of its range clips nearly everything.
    const broken = new QuantTable({
      method: 'minmax',
      batches: good.batches,
      activations: [...good.activations].map(([t, r]) => [t, { amax: t === 'c1_relu' ? r.amax / 50 : r.amax }] as const),
    });
    const float = toFloat64(runReference(g, batches[0]!)['y']!);
    // The metric: SQNR of the network output on one batch (higher is better).
    const metric = (q: Graph) => sqnrDb(float, toFloat64(runReference(q, batches[0]!)['y']!));
    for (const run of [undefined, webgpuRunner()]) {
      const report = await sensitivity(g, broken, batches[0]!, { metric, ...(run ? { run } : {}) });
      expect(report.layers.map((l) => l.layer)).toHaveLength(4);
      expect(report.layers[0]!.layer).toBe('c2');
      expect(report.layers[0]!.sqnrDb).toBeLessThan(report.layers[1]!.sqnrDb - 10);
    }
    const report = await sensitivity(g, broken, batches[0]!, { metric });
    // The float graph's own SQNR is Infinity, which no INT8 graph comes within a budget of: the
    // baseline is the well-calibrated all-INT8 graph's SQNR instead.
    const target = metric(insertQdq(g, { amax: (t) => good.amax(t) }));
    const kept = await keepForBudget(g, broken, { ...report, baseline: target }, metric, 3);
    expect(kept.keptFloat).toEqual(['c2']);
    expect(kept.steps.map((s) => s.keptFloat)).toEqual([0, 1]);
    expect(kept.metric).toBeGreaterThan(target - 3);
  }, 60_000);
});
