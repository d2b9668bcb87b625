// Histogram collection and the amax searches against the NumPy oracle of pytorch-quantization's
// algorithms (fixtures/make_fixtures.py wrote fixtures/calibrators.json): the same data, made
// again here (fixture-data.ts), must give the same histogram and the same bins.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CalibrationError } from '../../src/errors.js';
import { amaxFor, entropyBin, Histogram, klDivergence, mseBin, percentileBin, scaleOf } from '../../src/quant/index.js';
import { makeBatch, type BatchSpec } from './fixture-data.js';

interface Fixture {
  name: string;
  bins: number;
  maxBins?: number;
  batches: BatchSpec[];
  checks: { first: number[]; maxAbs: number; zeros: number }[];
  histogram: { width: number; bins: number; total: number; min: number; max: number; counts: number[] };
  minmax: number;
  entropy?: { bin: number; amax: number };
  mse?: { bin: number; amax: number };
  percentile: { percentile: number; bin: number; amax: number }[];
}

const FIXTURES = (JSON.parse(readFileSync(new URL('./fixtures/calibrators.json', import.meta.url), 'utf8')) as { datasets: Fixture[] }).datasets;

function collect(f: Fixture): Histogram {
  const h = new Histogram({ bins: f.bins, maxBins: f.maxBins });
  f.batches.forEach((b, i) => {
    const x = makeBatch(b);
    // The generator must agree with NumPy's before anything else can.
    const check = f.checks[i]!;
    expect(Array.from(x.slice(0, 4))).toEqual(check.first);
    expect(x.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBe(check.maxAbs);
    expect(x.filter((v) => v === 0).length).toBe(check.zeros);
    h.collect(x);
  });
  return h;
}

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.abs(b));

describe('calibrators against the NumPy oracle', () => {
  it('covers the datasets it should', () => {
    expect(FIXTURES.map((f) => f.name)).toEqual(['normal', 'heavy-tailed', 'uniform', 'relu', 'spike-of-zeros', 'growing', 'growing-merged', 'zeros-first', 'few-bins']);
  });

  for (const f of FIXTURES) {
    describe(f.name, () => {
      const h = collect(f);

      it('collects the same histogram (width, bins, every count) and statistics', () => {
        expect(h.width).toBe(f.histogram.width);
        expect(h.bins).toBe(f.histogram.bins);
        expect(Array.from(h.counts)).toEqual(f.histogram.counts);
        expect([h.total, h.min, h.max]).toEqual([f.histogram.total, f.histogram.min, f.histogram.max]);
      });

      it('minmax is the exact max |x|', () => {
        expect(amaxFor('minmax', h)).toBe(f.minmax);
      });

      it('entropy picks the same bin', () => {
        expect(entropyBin(h.counts)).toBe(f.entropy!.bin);
        close(amaxFor('entropy', h), f.entropy!.amax);
      });

      it('percentile picks the same bin at 99.99, 99.9 and 99', () => {
        for (const p of f.percentile) {
          expect(percentileBin(h.counts, p.percentile)).toBe(p.bin);
          close(amaxFor('percentile', h, { percentile: p.percentile }), p.amax);
        }
        close(amaxFor('percentile', h), f.percentile[0]!.amax); // 99.99 by default
      });

      it('mse picks the same bin', () => {
        expect(mseBin(h.counts)).toBe(f.mse!.bin);
        close(amaxFor('mse', h), f.mse!.amax);
      });
    });
  }

  it('growth past maxBins merged adjacent bins (the fixture exercises it)', () => {
    const f = FIXTURES.find((x) => x.name === 'growing-merged')!;
    const h = collect(f);
    expect(h.bins).toBeLessThanOrEqual(3000);
    expect(h.width).toBeGreaterThan(f.checks[0]!.maxAbs / 2048);
  });
});

describe('Histogram', () => {
  it('keeps its bin width when the range grows, appending bins: old counts stay put', () => {
    const h = new Histogram({ bins: 4 });
    h.collect(new Float32Array([0, 1, 2, 4, -3]));
    expect(h.width).toBe(1);
    expect(Array.from(h.counts)).toEqual([1, 1, 1, 2]); // 4 is the top edge: last bin
    h.collect(new Float32Array([6.5]));
    expect(Array.from(h.counts)).toEqual([1, 1, 1, 2, 0, 0, 1]);
    expect([h.min, h.max, h.maxAbs, h.total]).toEqual([-3, 6.5, 6.5, 6]);
  });

  it('merges groups of bins exactly once the count would pass maxBins', () => {
    const h = new Histogram({ bins: 4, maxBins: 5 });
    h.collect(new Float32Array([1, 2, 3, 4])); // width 1, 4 in the last bin
    expect(Array.from(h.counts)).toEqual([0, 1, 1, 2]);
    h.collect(new Float32Array([9.5])); // needs 10 bins of width 1: merge pairs, width 2
    expect(h.width).toBe(2);
    expect(Array.from(h.counts)).toEqual([1, 3, 0, 0, 1]);
  });

  it('holds zeros until a non-zero batch sets the width', () => {
    const h = new Histogram({ bins: 8 });
    h.collect(new Float32Array(5));
    expect(h.bins).toBe(0);
    expect(amaxFor('entropy', h)).toBe(0);
    h.collect(new Float32Array([8, -4]));
    expect(Array.from(h.counts)).toEqual([5, 0, 0, 0, 1, 0, 0, 1]);
  });

  it('merge() of histograms of one width equals collecting into one; other widths throw', () => {
    const x = new Float32Array([1, -2, 3, 16]); // width 16 / 16 = 1
    const y = new Float32Array([4, 20, -30]); // grows to 30 bins
    const a = new Histogram({ bins: 16 });
    a.collect(x);
    const b = new Histogram({ bins: 16 });
    b.collect(x);
    b.collect(y);
    a.merge(b);
    const one = new Histogram({ bins: 16 });
    for (const v of [x, x, y]) one.collect(v);
    expect(Array.from(a.counts)).toEqual(Array.from(one.counts));
    expect([a.min, a.max, a.maxAbs, a.total]).toEqual([one.min, one.max, one.maxAbs, one.total]);

    const zeros = new Histogram({ bins: 16 });
    zeros.collect(new Float32Array(3));
    zeros.merge(b); // takes b's width; its zeros go to bin 0
    expect(zeros.counts[0]).toBe(b.counts[0]! + 3);

    const other = new Histogram({ bins: 16 });
    other.collect(new Float32Array([1, 2])); // width 1/8
    expect(() => other.merge(b)).toThrow(CalibrationError);
  });

  it('rejects NaN and infinity, naming what was collected', () => {
    const h = new Histogram();
    expect(() => h.collect(new Float32Array([1, NaN]), "tensor 'relu_1' in batch 2")).toThrow(/tensor 'relu_1' in batch 2: element 1 is NaN/);
    expect(() => h.collect([Infinity])).toThrow(CalibrationError);
  });

  it('rejects bad options', () => {
    expect(() => new Histogram({ bins: 0 })).toThrow(CalibrationError);
    expect(() => new Histogram({ bins: 16, maxBins: 8 })).toThrow(CalibrationError);
  });
});

describe('amax searches on small hand-made histograms', () => {
  it('KL divergence has scipy.stats.entropy semantics', () => {
    expect(klDivergence([1, 1], [1, 1])).toBe(0);
    expect(klDivergence([2, 2], [1, 1])).toBe(0); // both normalized first
    expect(klDivergence([1, 3], [1, 1])).toBeCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), 15);
    expect(klDivergence([1, 1], [1, 0])).toBe(Infinity);
    expect(klDivergence([0, 1], [1, 1])).toBeCloseTo(Math.log(2), 15);
    expect(klDivergence([1], [0])).toBe(Infinity);
  });

  it('entropy keeps the whole range when every bin matters, and clips a lone outlier', () => {
    const flat = new Array<number>(256).fill(100);
    expect(entropyBin(flat)).toBe(256);
    const outlier = new Array<number>(2048).fill(0);
    for (let k = 0; k < 200; k++) outlier[k] = 1000 - 4 * k;
    outlier[2047] = 1;
    expect(entropyBin(outlier)).toBeLessThan(400);
  });

  it('percentile returns the lower edge of the bin where the share is reached', () => {
    expect(percentileBin([50, 30, 20], 50)).toBe(0);
    expect(percentileBin([50, 30, 20], 80)).toBe(1);
    expect(percentileBin([50, 30, 20], 100)).toBe(2);
    expect(() => percentileBin([1], 101)).toThrow(CalibrationError);
  });

  it('mse and entropy fall back to the top edge when the histogram has no candidate bins', () => {
    const h = new Histogram({ bins: 64 });
    h.collect(new Float32Array([0.5, 1, 2, 64]));
    expect(amaxFor('entropy', h)).toBe(64);
    expect(amaxFor('mse', h)).toBe(64);
  });

  it('scale is amax / 127', () => {
    expect(scaleOf(127)).toBe(1);
    expect(scaleOf(0)).toBe(0);
  });
});
