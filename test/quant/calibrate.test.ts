// calibrate() on a small fluent network: the thresholds and weight ranges it reports are checked
// against running the reference executor here and computing the same quantities directly.
import { describe, expect, it } from 'vitest';
import { CalibrationError } from '../../src/errors.js';
import { network } from '../../src/frontend/fluent/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { amaxFor, calibrate, collectHistograms, Histogram, tableFrom, type CalibrationProgress, type Feeds } from '../../src/quant/index.js';
import { runReference } from '../../src/reference/index.js';
import { randomF32 } from '../helpers/data.js';

/** Conv + ReLU + pool + dense (Gemm, transB=1) on x; dense on a 3-D t (MatMul + Add). */
function net(): Graph {
  const n = network('n', { seed: 1 });
  const h = n.input('x', [2, 4, 8, 8]).conv2d(8, { kernel: 3, pad: 1 }).relu();
  n.output('y', h.globalAvgPool().flatten().dense(5));
  n.output('z', n.input('t', [2, 3, 6]).dense(4));
  return n.build();
}

function batches(count: number): Feeds[] {
  return Array.from({ length: count }, (_, b) => ({
    x: randomF32([2, 4, 8, 8], 10 + b, -1 - b, 1 + b), // the range grows batch by batch
    t: randomF32([2, 3, 6], 20 + b, -2, 3),
    label: tensor('i32', [2], [0, 1]), // not an input: ignored
  }));
}

async function* slowly(feeds: Feeds[], pulled: { count: number }): AsyncGenerator<Feeds> {
  for (const f of feeds) {
    pulled.count++;
    await Promise.resolve();
    yield f;
  }
}

describe('calibrate', () => {
  const g = net();
  const data = batches(3);
  // The oracle: every tensor of every batch, as the reference executor computes it.
  const runs = data.map((b) => runReference(g, { x: b['x']!, t: b['t']! }, { keep: 'all' }));
  const activations = Object.keys(runs[0]!).filter((t) => !g.initializers.has(t));

  it('minmax: the amax of every activation (inputs too) is its max |x| over all batches', async () => {
    const table = await calibrate(g, data, { method: 'minmax' });
    expect([...table.activations.keys()].sort()).toEqual([...activations].sort());
    expect(activations.length).toBeGreaterThan(6);
    for (const t of activations) {
      let amax = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const r of runs) {
        for (const v of r[t]!.data as Float32Array) {
          amax = Math.max(amax, Math.abs(v));
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      const got = table.activations.get(t)!;
      expect([got.amax, got.min, got.max], t).toEqual([amax, min, max]);
      expect(got.scale).toBe(amax / 127);
    }
    expect(table.batches).toBe(3);
    expect(table.method).toBe('minmax');
    expect(table.graph).toBe('n');
  });

  it('weights: per output channel max |w| of Conv (axis 0), Gemm transB=1 (axis 0) and MatMul (axis 1)', async () => {
    const table = await calibrate(g, data, { method: 'minmax' });
    const byOp = (op: string) => g.nodes.find((n) => n.op === op)!.inputs[1]!;
    const w = (name: string) => g.initializers.get(name)! as Tensor<'f32'>;
    const conv = w(byOp('Conv')); // [8, 4, 3, 3]
    const gemm = w(byOp('Gemm')); // [5, 8]
    const matmul = w(byOp('MatMul')); // [6, 4]
    const rowsMax = (t: Tensor<'f32'>, rows: number, cols: number, axis: 0 | 1) =>
      Array.from({ length: axis === 0 ? rows : cols }, (_, c) => {
        let m = 0;
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if ((axis === 0 ? i : j) === c) m = Math.max(m, Math.abs(t.data[i * cols + j]!));
        return m;
      });
    expect(table.weights.get(byOp('Conv'))).toMatchObject({ axis: 0, amax: rowsMax(conv, 8, 36, 0) });
    expect(table.weights.get(byOp('Gemm'))).toMatchObject({ axis: 0, amax: rowsMax(gemm, 5, 8, 0) });
    expect(table.weights.get(byOp('MatMul'))).toMatchObject({ axis: 1, amax: rowsMax(matmul, 6, 4, 1) });
    expect([...table.weights.keys()].sort()).toEqual([byOp('Conv'), byOp('Gemm'), byOp('MatMul')].sort());
  });

  it('entropy, percentile and mse: the amax of histograms collected here from the same tensors', async () => {
    const collected = await collectHistograms(g, data);
    for (const method of ['entropy', 'percentile', 'mse'] as const) {
      const table = tableFrom(collected, method, { percentile: 99.9 });
      expect(await calibrate(g, data, { method, percentile: 99.9 })).toEqual(table);
      for (const t of activations) {
        const h = new Histogram();
        for (const r of runs) h.collect(r[t]!.data as Float32Array);
        expect(table.amax(t), `${method} ${t}`).toBe(amaxFor(method, h, { percentile: 99.9 }));
      }
    }
  });

  it('takes async iterables, stops at maxBatches without pulling more, and reports progress', async () => {
    const pulled = { count: 0 };
    const seen: CalibrationProgress[] = [];
    const table = await calibrate(g, slowly(data, pulled), { maxBatches: 2, onProgress: (p) => seen.push(p) });
    expect(pulled.count).toBe(2);
    expect(table.batches).toBe(2);
    expect(seen).toEqual([{ batch: 1 }, { batch: 2 }]);
    const known: CalibrationProgress[] = [];
    await calibrate(g, data, { method: 'minmax', maxBatches: 2, onProgress: (p) => known.push(p) });
    expect(known).toEqual([{ batch: 1, batches: 2 }, { batch: 2, batches: 2 }]);
  });

  it('calibrates only the tensors asked for', async () => {
    const table = await calibrate(g, data, { method: 'minmax', tensors: ['x', 'y'] });
    expect([...table.activations.keys()]).toEqual(['x', 'y']);
    await expect(calibrate(g, data, { tensors: ['nope'] })).rejects.toThrow(/'nope' is not a tensor of the graph/);
    const weight = g.nodes.find((n) => n.op === 'Conv')!.inputs[1]!;
    await expect(calibrate(g, data, { tensors: [weight] })).rejects.toThrow(/is a constant/);
  });

  it('bad data: a typed error naming the input (or tensor) and the batch', async () => {
    const fails = async (feeds: unknown, pattern: RegExp) => {
      const p = calibrate(g, feeds as Feeds[], { method: 'minmax' });
      await expect(p).rejects.toThrow(CalibrationError);
      await expect(calibrate(g, feeds as Feeds[], { method: 'minmax' })).rejects.toThrow(pattern);
    };
    const [b1, b2] = data as [Feeds, Feeds];
    await fails([b1, { x: b2['x']! }], /batch 2 has no input 't' \(f32\[2, 3, 6\]\); it has: x/);
    await fails([{ ...b1, x: randomF32([2, 4, 8, 9], 1) }], /batch 1: input 'x' has shape \[2, 4, 8, 9\], the graph wants f32\[2, 4, 8, 8\]/);
    await fails([{ ...b1, t: tensor('i32', [2, 3, 6]) }], /batch 1: input 't' is i32, the graph wants f32\[2, 3, 6\]/);
    await fails([{ ...b1, t: [1, 2, 3] }], /batch 1: input 't' is not a Tensor/);
    await fails([b1, null], /batch 2 is null/);
    await fails([], /calibration data for 'n' gave no batches/);
    const nan = randomF32([2, 3, 6], 3);
    nan.data[7] = NaN;
    await fails([b1, b2, { ...b1, t: nan }], /batch 3: input 't' has NaN at element 7/);
    const inf = randomF32([2, 4, 8, 8], 3);
    inf.data[0] = -Infinity;
    await fails([{ ...b1, x: inf }], /batch 1: input 'x' has -Infinity at element 0/);
    await expect(calibrate(g, data, { maxBatches: 0 })).rejects.toThrow(CalibrationError);
    await expect(calibrate(g, data, { method: 'median' as 'mse' })).rejects.toThrow(/unknown calibration method 'median'/);
  });

  it('a NaN made inside the network names the tensor and the batch', async () => {
    const n = network('logs');
    n.output('y', n.input('x', [4]).log());
    const batches = [{ x: tensor('f32', [4], [1, 2, 3, 4]) }, { x: tensor('f32', [4], [1, -2, 3, 4]) }];
    await expect(calibrate(n.build(), batches)).rejects.toThrow(/tensor 'y' in batch 2: element 1 is NaN/);
  });
});
