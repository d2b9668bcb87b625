// The Int8Conv reference (src/reference/int8-conv.ts) against the same computation written with
// standard ops, DequantizeLinear x and w -> Conv -> (Relu) -> (QuantizeLinear), on the reference
// executor: f32 outputs to 1e-5 of the output's scale, i8 outputs equal but at .5 ties.
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/ir/verify.js';
import { runReference } from '../../src/reference/index.js';
import { expectClose, expectQuantizedEqual, INT8_CONV_CASES, int8ConvData, int8ConvGraph, qdqConvGraph } from '../helpers/int8-conv-case.js';

describe('Int8Conv reference = DequantizeLinear -> Conv -> Relu -> QuantizeLinear', () => {
  INT8_CONV_CASES.forEach((c, k) => {
    it(c.name, () => {
      const d = int8ConvData(c, 100 * k + 1);
      const g = int8ConvGraph(c, d);
      verify(g);
      const oracle = qdqConvGraph(c, d);
      const got = runReference(g, { x: d.x })['y']!;
      const want = Object.values(runReference(oracle, { x: d.x }))[0]!;
      if (!d.yScale) return expectClose(got, want, 1e-5, c.name);
      const yFloat = runReference(int8ConvGraph(c, d, { f32Out: true }), { x: d.x })['y']!;
      expect(expectQuantizedEqual(got, want, yFloat, c.yScale!, c.name)).toBeLessThanOrEqual(1);
    });
  });
});
