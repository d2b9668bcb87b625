// compareOutputs against errors worked out by hand; stats and percentile on known lists.
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/ir/tensor.js';
import { percentile, stats } from '../../src/runtime/bench.js';
import { compareOutputs } from '../../src/runtime/compare.js';

const f32 = (v: number[]) => tensor('f32', [v.length], v);

describe('compareOutputs', () => {
  it('max abs and rel error, relative L2, cosine and mismatches as numpy allclose counts them', () => {
    // expected [1, -2, 0, 4], actual [1, -2.5, 0.25, 4]: diffs 0, 0.5, 0.25, 0.
    const r = compareOutputs({ y: f32([1, -2.5, 0.25, 4]) }, { y: f32([1, -2, 0, 4]) }, { atol: 0.3, rtol: 0.05 });
    const o = r.outputs[0]!;
    expect(o.maxAbs).toBeCloseTo(0.5, 7);
    expect(o.maxRel).toBeCloseTo(0.25, 7); // 0.5 / 2; the element where expected is 0 has no relative error
    expect(o.relL2).toBeCloseTo(Math.sqrt(0.25 + 0.0625) / Math.sqrt(1 + 4 + 16), 7);
    expect(o.cosine).toBeCloseTo((1 + 5 + 16) / (Math.sqrt(1 + 6.25 + 0.0625 + 16) * Math.sqrt(21)), 7);
    // 0.5 > 0.3 + 0.05 * 2 fails; 0.25 <= 0.3 + 0 passes; with rtol 0.1 the bound is 0.5 exactly, and passes.
    expect(o.mismatches).toBe(1);
    expect(r.pass).toBe(false);
    expect(compareOutputs({ y: f32([1, -2.5, 0.25, 4]) }, { y: f32([1, -2, 0, 4]) }, { atol: 0.3, rtol: 0.1 }).pass).toBe(true);
  });

  it('NaN where both sides have NaN is equal; NaN on one side is a mismatch', () => {
    expect(compareOutputs({ y: f32([NaN, 1]) }, { y: f32([NaN, 1]) }).pass).toBe(true);
    const r = compareOutputs({ y: f32([NaN, 1]) }, { y: f32([0, 1]) });
    expect([r.pass, r.outputs[0]!.maxAbs, r.outputs[0]!.mismatches]).toEqual([false, Infinity, 1]);
  });

  it('error quantiles by nearest rank, and --min-cosine as the criterion instead of allclose', () => {
    // |errors| 0.1, 0.2, ..., 1.0 over 10 elements: p50 the 5th (0.5), p90 the 9th (0.9), p99 the 10th (1.0).
    const expected = Array.from({ length: 10 }, (_, i) => 10 + i);
    const actual = expected.map((v, i) => v + (i % 2 ? 1 : -1) * (i + 1) / 10);
    const o = compareOutputs({ y: f32(actual) }, { y: f32(expected) }).outputs[0]!;
    expect(o.quantiles.p50).toBeCloseTo(0.5, 5);
    expect(o.quantiles.p90).toBeCloseTo(0.9, 5);
    expect(o.quantiles.p99).toBeCloseTo(1.0, 5);
    expect(o.pass).toBe(false);
    const byCosine = compareOutputs({ y: f32(actual) }, { y: f32(expected) }, { minCosine: 0.999 });
    expect(byCosine.outputs[0]!.cosine).toBeGreaterThan(0.999);
    expect([byCosine.pass, byCosine.minCosine, byCosine.outputs[0]!.mismatches]).toEqual([true, 0.999, 10]);
    expect(compareOutputs({ y: f32([1, 0]) }, { y: f32([0, 1]) }, { minCosine: 0.5 }).pass).toBe(false); // cosine 0
    expect(compareOutputs({ y: f32([]) }, { y: f32([]) }).outputs[0]!.quantiles).toEqual({ p50: 0, p90: 0, p99: 0 });
  });

  it('names the output that is missing or shaped differently', () => {
    expect(() => compareOutputs({ z: f32([1]) }, { y: f32([1]) })).toThrow(/output 'y' is missing.*it has z/);
    expect(() => compareOutputs({ y: f32([1, 2]) }, { y: f32([1]) })).toThrow(/output 'y' is \[2\] on one side and \[1\]/);
  });
});

describe('bench statistics', () => {
  it('nearest-rank percentiles and the summary of a list', () => {
    const v = [5, 1, 4, 2, 3, 10, 6, 7, 8, 9];
    expect(percentile([...v].sort((a, b) => a - b), 50)).toBe(5);
    expect(percentile([...v].sort((a, b) => a - b), 90)).toBe(9);
    expect(stats(v)).toEqual({ min: 1, mean: 5.5, median: 5, p90: 9, max: 10 });
  });
});
