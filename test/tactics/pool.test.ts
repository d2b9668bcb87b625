import { describe, expect, it } from 'vitest';
import { fromFloat64, toFloat64 } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { RANGE, randomWithExtremes } from '../helpers/dtype-range.js';
import { exactCheck } from '../helpers/exact-check.js';
import { useGpu } from '../helpers/gpu.js';
import { nodeLayer } from '../helpers/node-layer.js';
import { opLayerN } from '../helpers/op-layer-n.js';

const gpu = useGpu();

interface Case {
  readonly op: string;
  readonly name: string;
  readonly x: number[];
  readonly attrs?: Record<string, number | string | number[]>;
}

const WINDOW: Case[] = [
  { op: 'MaxPool', name: '7x13, 5 channels, batch 2, kernel 3, stride 2, asymmetric pads', x: [2, 5, 7, 13], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 2, 1] } },
  { op: 'MaxPool', name: 'dilation 2, ceil_mode', x: [1, 3, 9, 10], attrs: { kernel_shape: [2, 3], dilations: [2, 2], strides: [2, 2], ceil_mode: 1 } },
  { op: 'MaxPool', name: 'all-negative input with padding (pads never win)', x: [1, 2, 5, 6], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
  { op: 'MaxPool', name: '1-D auto_pad SAME_UPPER', x: [2, 3, 11], attrs: { kernel_shape: [4], strides: [3], auto_pad: 'SAME_UPPER' } },
  { op: 'MaxPool', name: '3-D', x: [1, 2, 5, 6, 7], attrs: { kernel_shape: [2, 3, 2], strides: [2, 1, 2], pads: [0, 1, 1, 1, 0, 0] } },
  { op: 'AveragePool', name: '7x13, stride 2, asymmetric pads, count_include_pad 0', x: [2, 5, 7, 13], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 2, 1] } },
  { op: 'AveragePool', name: 'count_include_pad 1, ceil_mode', x: [2, 5, 7, 13], attrs: { kernel_shape: [3, 4], strides: [2, 3], pads: [1, 2, 1, 2], ceil_mode: 1, count_include_pad: 1 } },
  { op: 'AveragePool', name: 'dilation 2, count_include_pad 1', x: [1, 3, 9, 8], attrs: { kernel_shape: [2, 2], dilations: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 } },
  { op: 'AveragePool', name: '3-D SAME_LOWER', x: [1, 2, 5, 6, 7], attrs: { kernel_shape: [3, 3, 3], strides: [2, 2, 2], auto_pad: 'SAME_LOWER' } },
  { op: 'AveragePool', name: 'size-1 spatial dims', x: [3, 4, 1, 1], attrs: { kernel_shape: [1, 1] } },
];

const GLOBAL: Case[] = [
  { op: 'GlobalAveragePool', name: '7x13 (not a multiple of the workgroup), 5 channels, batch 2', x: [2, 5, 7, 13] },
  { op: 'GlobalMaxPool', name: '7x13, 5 channels, batch 2', x: [2, 5, 7, 13] },
  { op: 'GlobalAveragePool', name: 'a long row (33x35) and a single channel', x: [1, 1, 33, 35] },
  { op: 'GlobalMaxPool', name: 'a long all-negative row', x: [1, 3, 33, 35] },
  { op: 'GlobalMaxPool', name: '1x1 spatial (fewer values than threads)', x: [2, 3, 1, 1] },
  { op: 'GlobalAveragePool', name: '1-D', x: [2, 3, 17] },
  { op: 'GlobalAveragePool', name: '3-D', x: [1, 3, 4, 5, 6] },
];

function suite(tacticId: string, cases: Case[]): void {
  describe(`${tacticId} matches the reference`, () => {
    const tactic = tacticById(tacticId)!;
    for (const c of cases) {
      it(`${c.op}: ${c.name}`, async () => {
        const negative = c.name.includes('negative');
        const x = randomF32(c.x, 21, negative ? -5 : -1, negative ? -1 : 1);
        const layer = nodeLayer(c.op, [x], { attrs: c.attrs ?? {} });
        expect(candidates(layer).map((t) => t.id)).toContain(tacticId);
        const want = runReferenceLayer(layer, [x])[0]!;
        for (const p of tactic.space) {
          const [got] = await runLayer(await gpu(), layer, tactic, [x], p);
          expect(got!.shape).toEqual(want.shape);
          expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
        }
      });
    }
  });
}

suite('pool.window', WINDOW);
suite('pool.global', GLOBAL);

/** MaxPool cases for the Indices output, each run with storage_order 0 and 1. */
const INDICES: Case[] = [
  { op: 'MaxPool', name: '7x13, 5 channels, batch 2, kernel 3, stride 2, asymmetric pads', x: [2, 5, 7, 13], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 2, 1] } },
  { op: 'MaxPool', name: 'dilation 2, ceil_mode, odd sizes', x: [1, 3, 9, 11], attrs: { kernel_shape: [2, 3], dilations: [2, 2], strides: [2, 2], ceil_mode: 1 } },
  { op: 'MaxPool', name: 'all-negative input with padding (pads never win)', x: [1, 2, 5, 6], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
  { op: 'MaxPool', name: 'ties: values rounded to a few levels', x: [2, 3, 6, 7], attrs: { kernel_shape: [3, 3], strides: [1, 2], pads: [1, 1, 1, 1] } },
  { op: 'MaxPool', name: '1-D auto_pad SAME_UPPER', x: [2, 3, 11], attrs: { kernel_shape: [4], strides: [3], auto_pad: 'SAME_UPPER' } },
  { op: 'MaxPool', name: '3-D, pads and strides', x: [2, 2, 5, 6, 7], attrs: { kernel_shape: [2, 3, 2], strides: [2, 1, 2], pads: [0, 1, 1, 1, 0, 0] } },
];

describe('pool.max_indices matches the reference (values to 1e-5, indices exactly)', () => {
  const tactic = tacticById('pool.max_indices')!;
  for (const c of INDICES) {
    for (const order of [0, 1]) {
      it(`${c.name}, storage_order ${order}`, async () => {
        const negative = c.name.includes('negative');
        let x = randomF32(c.x, 23, negative ? -5 : -1, negative ? -1 : 1);
        if (c.name.startsWith('ties')) x = { ...x, data: x.data.map((v) => Math.round(v * 2) / 2) };
        const { layer, inputs } = opLayerN('MaxPool', [x], { ...c.attrs, storage_order: order }, 2);
        expect(candidates(layer).map((t) => t.id)).toEqual(['pool.max_indices']);
        const [y, indices] = runReferenceLayer(layer, inputs);
        for (const p of tactic.space) {
          const got = await runLayer(await gpu(), layer, tactic, inputs, p);
          expect(got[0]!.shape).toEqual(y!.shape);
          expect(relL2(got[0]!, y!), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
          expect(got[1]!.dtype).toBe('i64');
          expect(Array.from(toFloat64(got[1]!)), `indices, params ${JSON.stringify(p)}`).toEqual(Array.from(toFloat64(indices!)));
        }
      });
    }
  }
  it('pool.window does not claim a MaxPool whose Indices are wanted', () => {
    const x = randomF32([1, 2, 5, 5], 1);
    expect(candidates(opLayerN('MaxPool', [x], { kernel_shape: [2, 2] }, 1).layer).map((t) => t.id)).toEqual(['pool.window']);
    expect(tacticById('pool.window')!.supports(opLayerN('MaxPool', [x], { kernel_shape: [2, 2] }, 2).layer)).toBe(false);
  });
});

describe('pool.window-int matches the reference exactly (MaxPool on u8, i8, i32, i64)', () => {
  const exact = exactCheck(gpu);
  const MAX_CASES = WINDOW.filter((c) => c.op === 'MaxPool');
  for (const dtype of ['u8', 'i8', 'i32', 'i64'] as const) {
    for (const c of MAX_CASES) {
      it(`${dtype} ${c.name}`, async () => {
        // The whole range with both extremes planted; 'negative' cases hold only the lowest values,
        // so a padded position taken as 0 would win.
        let x = randomWithExtremes(dtype, c.x, 31);
        if (c.name.includes('negative')) {
          const lo = RANGE[dtype][0];
          x = fromFloat64(dtype, c.x, Array.from(toFloat64(x), (v) => lo + (Math.abs(v) % 3)));
        }
        await exact('pool.window-int', 'MaxPool', [x], c.attrs ?? {});
      });
    }
  }

  it('float MaxPool and AveragePool stay with pool.window; Indices and bool are not claimed', () => {
    const t = tacticById('pool.window-int')!;
    const ints = randomWithExtremes('u8', [1, 2, 5, 5], 1);
    expect(candidates(opLayerN('MaxPool', [ints], { kernel_shape: [2, 2] }, 1).layer).map((c) => c.id)).toEqual(['pool.window-int']);
    expect(t.supports(opLayerN('MaxPool', [randomF32([1, 2, 5, 5], 1)], { kernel_shape: [2, 2] }, 1).layer)).toBe(false);
    expect(t.supports(opLayerN('MaxPool', [ints], { kernel_shape: [2, 2] }, 2).layer)).toBe(false);
    expect(t.supports(opLayerN('MaxPool', [randomWithExtremes('bool', [1, 2, 5, 5], 1)], { kernel_shape: [2, 2] }, 1).layer)).toBe(false);
  });
});
