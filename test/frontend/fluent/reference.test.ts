import { describe, expect, it } from 'vitest';
import { network } from '../../../src/frontend/fluent/index.js';
import { tensor, toFloat64, type Tensor } from '../../../src/ir/index.js';
import { runReference } from '../../../src/reference/index.js';
import { randomF32 } from '../../helpers/data.js';

const vals = (t: Tensor | undefined) => Array.from(toFloat64(t!));

describe('fluent networks on the reference executor', () => {
  it('dense computes x W^T + b on 2-D (Gemm) and 3-D (MatMul + Add) inputs alike', () => {
    const weights = [1, 2, 3, -1, 0, 2]; // [units=2, in=3]
    const bias = [0.5, -0.5];
    const net = network('d');
    const a = net.input('a', [1, 3]);
    const b = net.input('b', [1, 1, 3]);
    net.output('ya', a.dense(2, { weights, bias }));
    net.output('yb', b.dense(2, { weights, bias }));
    const g = net.build();
    const x = [1, 10, 100];
    const out = runReference(g, { a: tensor('f32', [1, 3], x), b: tensor('f32', [1, 1, 3], x) });
    // 1 + 20 + 300 + 0.5, -1 + 0 + 200 - 0.5
    expect(vals(out['ya'])).toEqual([321.5, 198.5]);
    expect(vals(out['yb'])).toEqual([321.5, 198.5]);
  });

  it('batchNorm wires scale, bias, mean and var in ONNX order', () => {
    const net = network('bn', { seed: 3 });
    const x = net.input('x', [1, 3, 2, 2]);
    net.output('y', x.batchNorm({ init: 'random', epsilon: 1e-3 }));
    const g = net.build();
    const input = randomF32([1, 3, 2, 2], 1);
    const y = vals(runReference(g, { x: input })['y']);
    const p = (s: string) => vals(g.initializers.get(`batch_norm_1.${s}`));
    const [scale, bias, mean, variance] = [p('scale'), p('bias'), p('mean'), p('var')];
    const xin = vals(input);
    xin.forEach((v, i) => {
      const c = Math.floor(i / 4);
      const want = ((v - mean[c]!) / Math.sqrt(variance[c]! + 1e-3)) * scale[c]! + bias[c]!;
      expect(y[i]).toBeCloseTo(want, 5);
    });
  });

  it('the example network runs, and the same seed gives the same output', () => {
    const run = (seed: number) => {
      const net = network('resnetish', { seed });
      const x = net.input('x', [1, 3, 32, 32]);
      const y = x.conv2d(16, { kernel: 3, pad: 1 }).batchNorm().relu();
      const z = y.add(x.conv2d(16, { kernel: 1 })).relu();
      net.output('out', z.globalAvgPool().flatten().dense(10));
      return vals(runReference(net.build(), { x: randomF32([1, 3, 32, 32], 4) })['out']);
    };
    const a = run(1);
    expect(a).toHaveLength(10);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(run(1)).toEqual(a);
    expect(run(2)).not.toEqual(a);
  });

  it('a 1x1 conv with given weights is a per-pixel channel mix', () => {
    const net = network('c');
    const x = net.input('x', [1, 2, 1, 2]);
    net.output('y', x.conv2d(1, { kernel: 1, weights: [2, -1], bias: [1] }).add([10, 20]));
    const y = vals(runReference(net.build(), { x: tensor('f32', [1, 2, 1, 2], [1, 2, 3, 4]) })['y']);
    // pixel 0: 2*1 - 3 + 1 + 10 = 10; pixel 1: 2*2 - 4 + 1 + 20 = 21
    expect(y).toEqual([10, 21]);
  });
});
