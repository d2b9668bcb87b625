// Kernels on channel-last tensors (memory layout 'nhwc', src/ir/layout.ts) against the
// reference executor, which knows only the logical NCHW tensors: runLayer stores inputs and reads
// outputs in the layer's layouts. conv.implicit_gemm_nhwc (vec4, packed weights) at every
// parameter point on sizes that divide no tile; conv.implicit_gemm with every mix of input and
// output layouts (the strides in its meta); pool.global reading channel-last; pool.window with
// every layout pair; and which tactics
// are offered for which layouts; INT8's channel-last activations (pool.window-int, Q/DQ).
import { describe, expect, it } from 'vitest';
import type { Attrs } from '../../src/ir/graph.js';
import type { Layout } from '../../src/ir/layout.js';
import type { LayerInfo } from '../../src/ir/layer.js';
import { fromFloat64, tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, defaultTactic, tacticById } from '../../src/tactics/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { convInputs, type ConvCase } from '../helpers/conv-case.js';
import { nodeLayer } from '../helpers/node-layer.js';

const gpu = useGpu();
const nhwc = tacticById('conv.implicit_gemm_nhwc')!;
const generic = tacticById('conv.implicit_gemm')!;

/** The layer with its input 0, residual (input 3) and output stored in the given layouts. */
function laidOut(layer: LayerInfo, x: Layout, y: Layout, residual: Layout = y): LayerInfo {
  const inputs = layer.node.inputs.map((_, i) => (i === 0 ? x : i === 3 ? residual : 'nchw'));
  return { ...layer, layouts: { inputs, outputs: [y] } };
}

const CASES: ConvCase[] = [
  { name: '3x3 pad 1, 12 -> 20 channels on 13x11 (P 143, K 108), bias', x: [1, 12, 13, 11], w: [20, 12, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1] } },
  { name: '3x3 stride 2, dilation 2, asymmetric pads, batch 2', x: [2, 8, 17, 15], w: [36, 8, 3, 3], bias: true, attrs: { strides: [2, 2], dilations: [2, 2], pads: [1, 0, 2, 3] } },
  { name: '1x1, 36 -> 68 channels, no bias (K 36 over several slices)', x: [1, 36, 9, 10], w: [68, 36, 1, 1] },
  { name: '1x1 stride 2 (a ResNet shortcut), batch 3, bias', x: [3, 16, 11, 9], w: [24, 16, 1, 1], bias: true, attrs: { strides: [2, 2] } },
  { name: 'C_out 132 over several channel tiles, 4 channels in, 2x3 kernel', x: [1, 4, 12, 12], w: [132, 4, 2, 3], attrs: { pads: [0, 1, 1, 1] } },
];

describe('conv.implicit_gemm_nhwc matches the reference, every parameter point', () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const inputs = convInputs(c, 10 * i + 1);
      const layer = laidOut(nodeLayer('Conv', inputs, { attrs: c.attrs ?? {}, constants: [1, 2] }), 'nhwc', 'nhwc');
      expect(candidates(layer)[0]).toBe(nhwc);
      const want = runReferenceLayer(layer, inputs)[0]!;
      for (const p of nhwc.space) {
        const [got] = await runLayer(await gpu(), layer, nhwc, inputs, p);
        expect(relL2(got!, want), `params ${JSON.stringify(p)}`).toBeLessThan(1e-5);
      }
    });
  });

  it('FusedConv: residual (channel-last too) and Relu in the vec4 epilogue', async () => {
    const x = randomF32([2, 8, 10, 9], 201, -2, 2);
    const w = randomF32([12, 8, 3, 3], 202);
    const b = randomF32([12], 203);
    const r = randomF32([2, 12, 10, 9], 204);
    const inputs = [x, w, b, r];
    const layer = laidOut(nodeLayer('FusedConv', inputs, { attrs: { pads: [1, 1, 1, 1], activation: 'Relu' }, constants: [1, 2] }), 'nhwc', 'nhwc');
    const want = runReferenceLayer(layer, inputs)[0]!;
    for (const p of [nhwc.space[0]!, nhwc.space[nhwc.space.length - 1]!]) {
      const [got] = await runLayer(await gpu(), layer, nhwc, inputs, p);
      expect(relL2(got!, want)).toBeLessThan(1e-5);
    }
  });
});

describe('conv.implicit_gemm_nhwc with split-K (partial sums in scratch, then a reduce dispatch)', () => {
  // K = 64 x 3 x 3 = 576: 3 splits of 192, 5 of 128 (the last shorter), 7 of 96.
  const x = randomF32([2, 64, 6, 5], 601, -2, 2);
  const w = randomF32([36, 64, 3, 3], 602);
  const r = randomF32([2, 36, 6, 5], 604);
  for (const [what, inputs, attrs] of [
    ['FusedConv with bias, residual and Relu', [x, w, randomF32([36], 603), r], { pads: [1, 1, 1, 1], activation: 'Relu' }],
    ['Conv without bias, stride 2', [x, w], { pads: [1, 1, 1, 1], strides: [2, 2] }],
  ] as [string, (Tensor | undefined)[], Attrs][]) {
    it(what, async () => {
      const op = inputs.length > 2 ? 'FusedConv' : 'Conv';
      const layer = laidOut(nodeLayer(op, inputs, { attrs, constants: [1, 2] }), 'nhwc', 'nhwc');
      const want = runReferenceLayer(layer, inputs)[0]!;
      for (const split of [3, 5, 7]) {
        const p = { ...nhwc.space[4]!, split };
        expect(nhwc.plan(layer, p).length).toBe(2);
        const [got] = await runLayer(await gpu(), layer, nhwc, inputs, p);
        expect(relL2(got!, want), `split ${split}`).toBeLessThan(1e-5);
      }
    });
  }

  it('the heuristic splits K where the tiles alone leave a large GPU idle (ResNet-50 layer4 3x3)', () => {
    const layer = laidOut(nodeLayer('Conv', [randomF32([1, 512, 7, 7], 1), randomF32([512, 512, 3, 3], 2)], { attrs: { pads: [1, 1, 1, 1] }, constants: [1] }), 'nhwc', 'nhwc');
    expect(nhwc.heuristic!(layer)['split']).toBeGreaterThan(1);
    const early = laidOut(nodeLayer('Conv', [randomF32([1, 64, 56, 56], 1), randomF32([256, 64, 1, 1], 2)], { constants: [1] }), 'nhwc', 'nhwc');
    expect(nhwc.heuristic!(early)['split']).toBeUndefined();
  });
});

describe('conv.implicit_gemm reads and writes any layout', () => {
  const combos: [Layout, Layout][] = [['nchw', 'nhwc'], ['nhwc', 'nchw'], ['nhwc', 'nhwc']];
  for (const [xl, yl] of combos) {
    it(`${xl} -> ${yl}: a ResNet stem (3 channels, 7x7 stride 2) and a FusedConv with residual`, async () => {
      const stem: (Tensor | undefined)[] = [randomF32([1, 3, 29, 27], 301), randomF32([16, 3, 7, 7], 302), randomF32([16], 303)];
      const attrs = { strides: [2, 2], pads: [3, 3, 3, 3] };
      const l1 = laidOut(nodeLayer('Conv', stem, { attrs, constants: [1, 2] }), xl, yl);
      const [got1] = await runLayer(await gpu(), l1, generic, stem);
      expect(relL2(got1!, runReferenceLayer(l1, stem)[0]!)).toBeLessThan(1e-5);

      const fused = [randomF32([2, 6, 9, 11], 311), randomF32([10, 6, 3, 3], 312), undefined, randomF32([2, 10, 9, 11], 314)];
      const l2 = laidOut(nodeLayer('FusedConv', fused, { attrs: { pads: [1, 1, 1, 1], activation: 'LeakyRelu', activation_params: [0.1] }, constants: [1] }), xl, yl);
      const [got2] = await runLayer(await gpu(), l2, generic, fused);
      expect(relL2(got2!, runReferenceLayer(l2, fused)[0]!)).toBeLessThan(1e-5);
    });
  }
});

describe('which tactics are offered for which layouts', () => {
  const c = CASES[0]!;
  const inputs = convInputs(c, 401);
  const base = nodeLayer('Conv', inputs, { attrs: c.attrs ?? {}, constants: [1, 2] });
  const ids = (l: LayerInfo) => candidates(l).map((t) => t.id);

  it('row-major: the NCHW kernels only', () => {
    expect(ids(base)).not.toContain('conv.implicit_gemm_nhwc');
    expect(ids(base)).toContain('conv.direct');
  });
  // The Winograd tactics (3x3 stride 1) and the fp16 implicit GEMM read and write any layout through strides.
  const STRIDED = ['conv.implicit_gemm', 'conv.winograd_2x2', 'conv.winograd_4x4', 'conv.implicit_gemm_f16'];
  it('channel-last in and out: the vec4 kernel first, then the strided ones; conv.direct not at all', () => {
    expect(ids(laidOut(base, 'nhwc', 'nhwc'))).toEqual(['conv.implicit_gemm_nhwc', ...STRIDED]);
  });
  it('mixed layouts or channels not a multiple of 4: the strided kernels only', () => {
    expect(ids(laidOut(base, 'nchw', 'nhwc'))).toEqual(STRIDED);
    const odd = nodeLayer('Conv', [randomF32([1, 6, 8, 8], 1), randomF32([8, 6, 3, 3], 2)], { constants: [1] });
    expect(ids(laidOut(odd, 'nhwc', 'nhwc'))).toEqual(STRIDED);
  });
  it('a residual laid out unlike the output: no kernel, and the error names the layouts', () => {
    const f = [randomF32([1, 8, 8, 8], 1), randomF32([8, 8, 3, 3], 2), undefined, randomF32([1, 8, 8, 8], 4)];
    const l = laidOut(nodeLayer('FusedConv', f, { attrs: { pads: [1, 1, 1, 1] }, constants: [1] }), 'nhwc', 'nhwc', 'nchw');
    expect(() => defaultTactic(l)).toThrow(/layouts nhwc, nchw, nchw, nchw -> nhwc/);
  });
});

describe('pool.global reads channel-last input', () => {
  for (const op of ['GlobalAveragePool', 'GlobalMaxPool']) {
    it(`${op}, batch 2, 12 channels of 7x5`, async () => {
      const x = randomF32([2, 12, 7, 5], 501, -3, 3);
      const layer = laidOut(nodeLayer(op, [x]), 'nhwc', 'nchw');
      const t = defaultTactic(layer);
      expect(t.id).toBe('pool.global');
      const [got] = await runLayer(await gpu(), layer, t, [x]);
      expect(relL2(got!, runReferenceLayer(layer, [x])[0]!)).toBeLessThan(1e-6);
    });
  }
});

describe('pool.window reads and writes either layout', () => {
  const cases: [string, Attrs][] = [
    ['MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }], // the ResNet stem's
    ['AveragePool', { kernel_shape: [2, 3], pads: [0, 1, 1, 0], count_include_pad: 1 }],
    ['AveragePool', { kernel_shape: [3, 3], strides: [2, 1], pads: [1, 1, 1, 1] }],
  ];
  const combos: [Layout, Layout][] = [['nchw', 'nchw'], ['nhwc', 'nhwc'], ['nchw', 'nhwc'], ['nhwc', 'nchw']];
  for (const [op, attrs] of cases) {
    it(`${op} ${JSON.stringify(attrs)}, batch 2, 6 channels of 9x7, every layout pair`, async () => {
      const x = randomF32([2, 6, 9, 7], 701, -3, 3);
      for (const [xl, yl] of combos) {
        const layer = laidOut(nodeLayer(op, [x], { attrs }), xl, yl);
        const t = defaultTactic(layer);
        expect(t.id).toBe('pool.window');
        const [got] = await runLayer(await gpu(), layer, t, [x]);
        expect(relL2(got!, runReferenceLayer(layer, [x])[0]!), `${xl} -> ${yl}`).toBeLessThan(1e-6);
      }
    });
  }
});

describe('INT8 channel-last activations: MaxPool on i8, QuantizeLinear and DequantizeLinear', () => {
  const combos: [Layout, Layout][] = [['nchw', 'nchw'], ['nhwc', 'nhwc'], ['nchw', 'nhwc'], ['nhwc', 'nchw']];
  it('pool.window-int: the ResNet stem max pool on i8 and u8 (channel-last: packed, 6 channels a word and a half), batch 2, 9x7, every layout pair', async () => {
    const values = Array.from(randomF32([2 * 6 * 9 * 7], 801, -128, 127).data, Math.round);
    for (const x of [fromFloat64('i8', [2, 6, 9, 7], values), fromFloat64('u8', [2, 6, 9, 7], values.map((v) => v + 128))]) {
      for (const [xl, yl] of combos) {
        const layer = laidOut(nodeLayer('MaxPool', [x], { attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }), xl, yl);
        const t = defaultTactic(layer);
        expect(t.id).toBe('pool.window-int');
        const [got] = await runLayer(await gpu(), layer, t, [x]);
        expect(toFloat64(got!), `${x.dtype} ${xl} -> ${yl}`).toEqual(toFloat64(runReferenceLayer(layer, [x])[0]!));
      }
    }
  });
  it('Q/DQ with a per-tensor scale: i8 and u8, channel-last packed 4 to a word (6 channels: a half word), from and to either layout', async () => {
    const x = randomF32([2, 6, 5, 3], 802, -4, 4);
    for (const [zp, what] of [[tensor('i8', [], [3]), 'i8'], [tensor('u8', [], [128]), 'u8']] as const) {
      const scale = tensor('f32', [], [0.03]);
      const quantize = (xl: Layout, yl: Layout) => laidOut(nodeLayer('QuantizeLinear', [x, scale, zp], { constants: [1, 2] }), xl, yl);
      const [q] = runReferenceLayer(quantize('nchw', 'nchw'), [x, scale, zp]);
      const dequantize = (xl: Layout, yl: Layout) => laidOut(nodeLayer('DequantizeLinear', [q, scale, zp], { constants: [1, 2] }), xl, yl);
      const want = runReferenceLayer(dequantize('nchw', 'nchw'), [q, scale, zp])[0]!;
      for (const [xl, yl] of combos) {
        // A packed side (the 8-bit one channel-last) takes the other in either layout; else y as x.
        const [qOk, dqOk] = [xl === yl || yl === 'nhwc', xl === yl || xl === 'nhwc'];
        expect(candidates(quantize(xl, yl)).length > 0, `${what} QuantizeLinear ${xl} -> ${yl}`).toBe(qOk);
        expect(candidates(dequantize(xl, yl)).length > 0, `${what} DequantizeLinear ${xl} -> ${yl}`).toBe(dqOk);
        if (qOk) {
          const [got] = await runLayer(await gpu(), quantize(xl, yl), defaultTactic(quantize(xl, yl)), [x, scale, zp]);
          expect(toFloat64(got!), `${what} QuantizeLinear ${xl} -> ${yl}`).toEqual(toFloat64(q!));
        }
        if (dqOk) {
          const [got] = await runLayer(await gpu(), dequantize(xl, yl), defaultTactic(dequantize(xl, yl)), [q, scale, zp]);
          expect(relL2(got!, want), `${what} DequantizeLinear ${xl} -> ${yl}`).toBeLessThan(1e-7);
        }
      }
    }
  });
  it('QuantizeLinear with a per-channel scale: row-major only', () => {
    const x = randomF32([2, 8, 5, 3], 803, -4, 4);
    const perChannel = tensor('f32', [8], Array.from({ length: 8 }, (_, i) => 0.01 * (i + 1)));
    for (const [xl, yl] of combos.slice(1)) expect(candidates(laidOut(nodeLayer('QuantizeLinear', [x, perChannel], { attrs: { axis: 1 }, constants: [1] }), xl, yl))).toEqual([]);
  });
});
