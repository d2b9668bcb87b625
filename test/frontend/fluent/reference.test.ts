import { describe, expect, it } from 'vitest';
import { network } from '../../../src/frontend/fluent/index.js';
import { tensor, toFloat64, type Tensor } from '../../../src/ir/index.js';
import { runReference } from '../../../src/reference/index.js';
import { randomF32 } from '../../helpers/data.js';

const vals = (t: Tensor | undefined) => Array.from(toFloat64(t!));
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((acc, v, i) => acc + v * b[i]!, 0);

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

  it('convTranspose2d scatters each input value times its [C_in, C_out] kernel, plus the bias', () => {
    const net = network('ct');
    const x = net.input('x', [1, 1, 2, 2]);
    // Output channel 0 puts each value at the top left of its 2x2 block, channel 1 at the bottom right (x10).
    net.output('y', x.convTranspose2d(2, { kernel: 2, stride: 2, weights: [1, 0, 0, 0, 0, 0, 0, 10], bias: [0, 0.5] }));
    const y = vals(runReference(net.build(), { x: tensor('f32', [1, 1, 2, 2], [1, 2, 3, 4]) })['y']);
    expect(y).toEqual([
      1, 0, 2, 0, /**/ 0, 0, 0, 0, /**/ 3, 0, 4, 0, /**/ 0, 0, 0, 0,
      0.5, 0.5, 0.5, 0.5, /**/ 0.5, 10.5, 0.5, 20.5, /**/ 0.5, 0.5, 0.5, 0.5, /**/ 0.5, 30.5, 0.5, 40.5,
    ]);
  });

  it('convTranspose2d is the adjoint of conv2d with the same weights: <conv(x), u> = <x, convT(u)>', () => {
    const w = randomF32([4, 3, 3, 3], 7); // conv2d: [out 4, in 6 / 2, 3, 3]; convTranspose2d: [in 4, out 6 / 2, 3, 3]
    const geometry = { kernel: 3, stride: 2, pad: 1, groups: 2, bias: false, weights: w } as const;
    const net = network('adjoint');
    const x = net.input('x', [1, 6, 7, 7]);
    const u = net.input('u', [1, 4, 4, 4]);
    net.output('cx', x.conv2d(4, geometry));
    net.output('ctu', u.convTranspose2d(6, geometry));
    const g = net.build();
    expect(g.type('ctu').shape).toEqual([1, 6, 7, 7]);
    const [xv, uv] = [randomF32([1, 6, 7, 7], 8), randomF32([1, 4, 4, 4], 9)];
    const out = runReference(g, { x: xv, u: uv });
    expect(dot(vals(out['cx']), vals(uv))).toBeCloseTo(dot(vals(xv), vals(out['ctu'])), 4);
  });

  it('convTranspose2d default weights are seeded, He-uniform and non-zero', () => {
    const weights = (seed: number) => {
      const net = network('w', { seed });
      net.output('y', net.input('x', [1, 8, 3, 3]).convTranspose2d(4, { kernel: 3, stride: 1 }));
      return vals(net.build().initializers.get('conv_transpose2d_1.weight'));
    };
    const w = weights(1);
    expect(w).toHaveLength(8 * 4 * 9);
    const bound = Math.sqrt(6 / (8 * 9)); // fan-in: (C_in / groups) * kh * kw / (sh * sw)
    expect(w.every((v) => Math.abs(v) <= bound && v !== 0)).toBe(true);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(bound * 0.9);
    expect(weights(1)).toEqual(w);
    expect(weights(2)).not.toEqual(w);
  });

  it('softsign, lrn and tile', () => {
    const net = network('misc');
    const x = net.input('x', [1, 3, 1, 2]);
    net.output('s', x.softsign());
    net.output('l', x.lrn({ size: 2, alpha: 0.5, beta: 0.5, bias: 1 }));
    net.output('t', x.tile([1, 1, 2, 2]));
    const xs = [1, -2, 3, 0, -1, 4];
    const out = runReference(net.build(), { x: tensor('f32', [1, 3, 1, 2], xs) });
    vals(out['s']).forEach((v, i) => expect(v).toBeCloseTo(xs[i]! / (1 + Math.abs(xs[i]!)), 6));
    // size 2: channel c sums c and c + 1 (floor((2 - 1) / 2) = 0 before, 1 after).
    const at = (c: number, w: number) => (c < 3 ? xs[c * 2 + w]! : 0);
    vals(out['l']).forEach((v, i) => {
      const [c, w] = [Math.floor(i / 2), i % 2];
      const sq = at(c, w) ** 2 + at(c + 1, w) ** 2;
      expect(v).toBeCloseTo(at(c, w) / Math.sqrt(1 + (0.5 / 2) * sq), 6);
    });
    // Each channel's 1 x 2 row becomes [[a, b, a, b], [a, b, a, b]].
    expect(vals(out['t'])).toEqual([1, -2, 1, -2, 1, -2, 1, -2, 3, 0, 3, 0, 3, 0, 3, 0, -1, 4, -1, 4, -1, 4, -1, 4]);
  });

  it('argMax / argMin pick the first tie, or the last with selectLastIndex; topK gives values and indices', () => {
    const net = network('idx');
    const x = net.input('x', [2, 4]);
    net.output('mx', x.argMax(1, { keepdims: false }));
    net.output('mxl', x.argMax(1, { selectLastIndex: true }));
    net.output('mn', x.argMin(0));
    const top = x.topK(2);
    net.output('tv', top.values).output('ti', top.indices);
    const low = x.topK(3, { largest: false });
    net.output('lv', low.values).output('li', low.indices);
    const out = runReference(net.build(), { x: tensor('f32', [2, 4], [5, 9, 9, 1, /**/ 2, 2, 7, 2]) });
    expect(out['mx']!.dtype).toBe('i64');
    expect(vals(out['mx'])).toEqual([1, 2]);
    expect(vals(out['mxl'])).toEqual([2, 2]);
    expect(out['mxl']!.shape).toEqual([2, 1]);
    expect(vals(out['mn'])).toEqual([1, 1, 1, 0]);
    expect(vals(out['tv'])).toEqual([9, 9, 7, 2]);
    expect(vals(out['ti'])).toEqual([1, 2, 2, 0]);
    expect(vals(out['lv'])).toEqual([1, 5, 9, 2, 2, 2]);
    expect(vals(out['li'])).toEqual([3, 0, 1, 0, 1, 3]);
  });

  it('quantizeLinear rounds half to even, adds the zero point and saturates; dequantizeLinear inverts it', () => {
    const net = network('qdq');
    const x = net.input('x', [2, 4]);
    const q = x.quantizeLinear(0.5, 10);
    net.output('q', q).output('dq', q.dequantizeLinear(0.5, 10));
    const qa = x.quantizeLinear([1, 0.1], [0, -5], { axis: 0, dtype: 'i8' });
    net.output('qa', qa).output('dqa', qa.dequantizeLinear([1, 0.1], [0, -5], { axis: 0 }));
    const xs = [0.25, 0.75, -1, 200, /**/ 0.05, -0.26, 13, -20];
    const out = runReference(net.build(), { x: tensor('f32', [2, 4], xs) });
    // x / 0.5 = 0.5 -> 0, 1.5 -> 2, -2, 400; + 10, saturated to [0, 255]. Row 1 uses the same scale.
    expect(out['q']!.dtype).toBe('u8');
    expect(vals(out['q'])).toEqual([10, 12, 8, 255, 10, 9, 36, 0]);
    expect(vals(out['dq'])).toEqual([0, 1, -1, 122.5, 0, -0.5, 13, -5]);
    // Row 0: scale 1, zero point 0; row 1: scale 0.1 (0.5 -> 0, -2.6 -> -3, 130, -200), zero point -5; saturated to [-128, 127].
    expect(vals(out['qa'])).toEqual([0, 1, -1, 127, -5, -8, 125, -128]);
    vals(out['dqa']).forEach((v, i) => expect(v).toBeCloseTo([0, 1, -1, 127, 0, -0.3, 13, -12.3][i]!, 5));
  });
});
