import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../../src/errors.js';
import { mulberry32, network } from '../../../src/frontend/fluent/index.js';
import { tensor, toFloat64 } from '../../../src/ir/index.js';

describe('fluent weights', () => {
  it('draws conv and dense weights He-uniform within sqrt(6 / fanIn), biases zero', () => {
    const net = network('w', { seed: 5 });
    const x = net.input('x', [1, 8, 6, 6]);
    net.output('y', x.conv2d(32, { kernel: 3 }).globalAvgPool().flatten().dense(16));
    const g = net.build();
    const w = toFloat64(g.initializers.get('conv2d_1.weight')!);
    const bound = Math.sqrt(6 / (8 * 3 * 3));
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    // Uniform on [-b, b]: the mean is near 0 and the variance near b^2 / 3.
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.05 * bound);
    expect(variance / (bound * bound / 3)).toBeGreaterThan(0.9);
    expect(variance / (bound * bound / 3)).toBeLessThan(1.1);
    expect(Array.from(toFloat64(g.initializers.get('conv2d_1.bias')!))).toEqual(new Array(32).fill(0));
    const d = toFloat64(g.initializers.get('dense_1.weight')!);
    expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 32));
  });

  it('gives each weight its own stream: adding a layer does not change the others', () => {
    const build = (extra: boolean) => {
      const net = network('w', { seed: 2 });
      let h = net.input('x', [1, 3, 4, 4]);
      if (extra) h = h.relu();
      net.output('y', h.conv2d(4, { kernel: 1 }));
      return net.build().initializers.get('conv2d_1.weight')!.data;
    };
    expect(build(true)).toEqual(build(false));
    const a = network('a', { seed: 1 }).input('x', [1, 3, 4, 4]).conv2d(4, { kernel: 1 });
    expect(a.network.seed).toBe(1);
  });

  it('batchNorm: identity stats by default, seeded random stats on request', () => {
    const net = network('bn', { seed: 9 });
    const x = net.input('x', [1, 4, 2, 2]);
    net.output('a', x.batchNorm());
    net.output('b', x.batchNorm({ init: 'random' }));
    const g = net.build();
    const get = (n: string) => Array.from(toFloat64(g.initializers.get(n)!));
    expect(get('batch_norm_1.scale')).toEqual([1, 1, 1, 1]);
    expect(get('batch_norm_1.bias')).toEqual([0, 0, 0, 0]);
    expect(get('batch_norm_1.mean')).toEqual([0, 0, 0, 0]);
    expect(get('batch_norm_1.var')).toEqual([1, 1, 1, 1]);
    const v = get('batch_norm_2.var');
    expect(v.every((s) => s >= 0.5 && s <= 1.5)).toBe(true);
    expect(new Set(v).size).toBe(4);
    expect(get('batch_norm_2.mean').every((s) => s >= -0.5 && s <= 0.5)).toBe(true);
  });

  it('takes given weights as Float32Array, number[] or Tensor', () => {
    const net = network('g');
    const x = net.input('x', [1, 2, 3, 3]);
    const w = new Float32Array(3 * 2 * 2 * 2).map((_, i) => i);
    const c = x.conv2d(3, { kernel: 2, weights: w, bias: [1, 2, 3] });
    const bn = c.batchNorm({ mean: tensor('f32', [3], [0.5, 0.5, 0.5]), var: [2, 2, 2] });
    net.output('y', bn.flatten().dense(2, { weights: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24] }));
    const g = net.build();
    expect(Array.from(toFloat64(g.initializers.get('conv2d_1.weight')!))).toEqual(Array.from(w));
    expect(Array.from(toFloat64(g.initializers.get('conv2d_1.bias')!))).toEqual([1, 2, 3]);
    expect(Array.from(toFloat64(g.initializers.get('batch_norm_1.var')!))).toEqual([2, 2, 2]);
    expect(g.initializers.get('dense_1.weight')!.shape).toEqual([2, 12]);
  });

  it('stores dense weights transposed for MatMul, given as [units, in]', () => {
    const net = network('g');
    const x = net.input('x', [1, 2, 3]);
    net.output('y', x.dense(2, { weights: [1, 2, 3, 4, 5, 6], bias: false }));
    const w = net.build().initializers.get('dense_1.weight')!;
    expect(w.shape).toEqual([3, 2]);
    expect(Array.from(toFloat64(w))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('rejects weights of the wrong shape at the call', () => {
    const net = network('bad');
    const x = net.input('x', [1, 3, 8, 8]);
    expect(() => x.conv2d(4, { kernel: 3, weights: new Float32Array(10) })).toThrow(ShapeError);
    expect(() => x.conv2d(4, { kernel: 3, weights: new Float32Array(10) })).toThrow('conv2d_1: weight has 10 values, expected 108 for shape [4, 3, 3, 3]');
    expect(() => x.conv2d(4, { kernel: 3, bias: [1, 2] })).toThrow(/conv2d_1: bias has 2 values, expected 4/);
    expect(() => x.conv2d(4, { kernel: 3, weights: tensor('f32', [4, 3, 9]) })).toThrow('conv2d_1: weight has shape [4, 3, 9], expected [4, 3, 3, 3]');
    expect(() => x.batchNorm({ scale: [1, 2] })).toThrow(/batch_norm_1: scale has 2 values, expected 3/);
    expect(() => x.flatten().dense(2, { weights: [1, 2, 3] })).toThrow(/dense_1: weight has 3 values, expected 384/);
    // Nothing was left behind by the failed calls.
    net.output('y', x.conv2d(4, { kernel: 3 }));
    const g = net.build();
    expect([...g.initializers.keys()]).toEqual(['conv2d_1.weight', 'conv2d_1.bias']);
    expect(g.nodes.map((n) => n.name)).toEqual(['flatten_1', 'conv2d_1']);
  });

  it('mulberry32 is deterministic', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    for (let i = 0; i < 5; i++) expect(a()).toBe(b());
  });
});
