import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { nodeLayer } from '../helpers/node-layer.js';

const iota = (shape: number[]) => tensor('f32', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));
const ones = (shape: number[]) => tensor('f32', shape, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(1));

function convT(inputs: (Tensor | undefined)[], attrs: Record<string, number | string | number[]> = {}): Tensor {
  return runReferenceLayer(nodeLayer('ConvTranspose', inputs, { attrs }), inputs)[0]!;
}

function values(t: Tensor): number[] {
  return Array.from(t.data as Float32Array);
}

/** The same rows for both output channels of the ONNX examples (their weights are all ones). */
const twice = (rows: number[][]) => [...rows.flat(), ...rows.flat()];

describe('ConvTranspose reference: ONNX operator examples', () => {
  // onnx/docs/Operators.md, ConvTranspose: x = 0..8 as 3x3, W = ones [1, 2, 3, 3].
  const x = iota([1, 1, 3, 3]);
  const w = ones([1, 2, 3, 3]);

  it('convtranspose (no attributes)', () => {
    const y = convT([x, w]);
    expect(y.shape).toEqual([1, 2, 5, 5]);
    expect(values(y)).toEqual(twice([[0, 1, 3, 3, 2], [3, 8, 15, 12, 7], [9, 21, 36, 27, 15], [9, 20, 33, 24, 13], [6, 13, 21, 15, 8]]));
  });

  it('convtranspose_1d', () => {
    const y = convT([iota([1, 1, 3]), ones([1, 2, 3])]);
    expect(values(y)).toEqual([0, 1, 3, 3, 2, 0, 1, 3, 3, 2]);
  });

  it('convtranspose_pads: strides [3, 2], pads [1, 2, 1, 2]', () => {
    const y = convT([x, w], { strides: [3, 2], pads: [1, 2, 1, 2] });
    expect(y.shape).toEqual([1, 2, 7, 3]);
    expect(values(y)).toEqual(twice([[1, 1, 3], [1, 1, 3], [7, 4, 9], [7, 4, 9], [7, 4, 9], [13, 7, 15], [13, 7, 15]]));
  });

  it('output_padding, output_shape, and both with kernel_shape give the same 10x8 result', () => {
    const rows = [
      [0, 0, 1, 1, 3, 2, 2, 0], [0, 0, 1, 1, 3, 2, 2, 0], [0, 0, 1, 1, 3, 2, 2, 0],
      [3, 3, 7, 4, 9, 5, 5, 0], [3, 3, 7, 4, 9, 5, 5, 0], [3, 3, 7, 4, 9, 5, 5, 0],
      [6, 6, 13, 7, 15, 8, 8, 0], [6, 6, 13, 7, 15, 8, 8, 0], [6, 6, 13, 7, 15, 8, 8, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ];
    const variants: Record<string, number[]>[] = [
      { strides: [3, 2], output_padding: [1, 1] },
      { strides: [3, 2], output_shape: [10, 8] },
      { strides: [3, 2], output_shape: [1, 2, 10, 8] }, // N and C included, as ORT also accepts
      { strides: [3, 2], output_shape: [10, 8], output_padding: [1, 1], kernel_shape: [3, 3] },
    ];
    for (const attrs of variants) {
      const y = convT([x, w], attrs);
      expect(y.shape, JSON.stringify(attrs)).toEqual([1, 2, 10, 8]);
      expect(values(y), JSON.stringify(attrs)).toEqual(twice(rows));
    }
  });

  it('convtranspose_dilations', () => {
    const y = convT([tensor('f32', [1, 1, 3, 3], [3, 8, 1, 9, 5, 7, 3, 2, 6]), tensor('f32', [1, 1, 2, 2], [7, 2, 1, 9])], { dilations: [2, 2] });
    expect(values(y)).toEqual([21, 56, 13, 16, 2, 63, 35, 67, 10, 14, 24, 22, 76, 76, 21, 9, 5, 88, 45, 63, 3, 2, 33, 18, 54]);
  });

  it('convtranspose_autopad_same: SAME_UPPER, strides 2', () => {
    const y = convT([x, w], { auto_pad: 'SAME_UPPER', strides: [2, 2] });
    expect(y.shape).toEqual([1, 2, 6, 6]);
    expect(values(y)).toEqual(twice([[0, 0, 1, 1, 3, 2], [0, 0, 1, 1, 3, 2], [3, 3, 8, 5, 12, 7], [3, 3, 7, 4, 9, 5], [9, 9, 20, 11, 24, 13], [6, 6, 13, 7, 15, 8]]));
  });
});

describe('ConvTranspose reference: hand-computed cases', () => {
  // 1-D, x = [1, 10], W = [1, 2, 3], stride 2: the full result is [1, 2, 3 + 10, 20, 30].
  const x = tensor('f32', [1, 1, 2], [1, 10]);
  const w = tensor('f32', [1, 1, 3], [1, 2, 3]);

  it('the full result, and explicit pads that crop it', () => {
    expect(values(convT([x, w], { strides: [2] }))).toEqual([1, 2, 13, 20, 30]);
    expect(values(convT([x, w], { strides: [2], pads: [1, 2] }))).toEqual([2, 13]);
    expect(values(convT([x, w], { strides: [2], pads: [1, 2], auto_pad: 'VALID' }))).toEqual([1, 2, 13, 20, 30]);
  });

  it('odd total padding: SAME_UPPER crops the end, SAME_LOWER and NOTSET + output_shape the begin', () => {
    // SAME output = in * stride = 4: one position too many, total padding 1.
    expect(values(convT([x, w], { strides: [2], auto_pad: 'SAME_UPPER' }))).toEqual([1, 2, 13, 20]);
    expect(values(convT([x, w], { strides: [2], auto_pad: 'SAME_LOWER' }))).toEqual([2, 13, 20, 30]);
    // The spec's "else" branch: pads_begin = total - total / 2.
    expect(values(convT([x, w], { strides: [2], output_shape: [4] }))).toEqual([2, 13, 20, 30]);
    expect(values(convT([x, w], { strides: [2], output_shape: [3], auto_pad: 'SAME_UPPER' }))).toEqual([2, 13, 20]);
  });

  it('negative total padding (output larger than the full result) extends it with zeros plus bias', () => {
    const b = tensor('f32', [1], [100]);
    // Kernel 1, stride 2: the full result [1, 0, 10] has 3 positions, SAME wants 4 and output_shape 6.
    // The extra positions go at the end, as output_padding's would (ONNX reference, onnxruntime).
    const k1 = tensor('f32', [1, 1, 1], [1]);
    expect(values(convT([x, k1, b], { strides: [2], auto_pad: 'SAME_UPPER' }))).toEqual([101, 100, 110, 100]);
    expect(values(convT([x, k1, b], { strides: [2], auto_pad: 'SAME_LOWER' }))).toEqual([101, 100, 110, 100]);
    expect(values(convT([x, k1, b], { strides: [2], output_shape: [6] }))).toEqual([101, 100, 110, 100, 100, 100]);
    expect(values(convT([x, k1, b], { strides: [2], output_padding: [3] }))).toEqual([101, 100, 110, 100, 100, 100]);
  });

  it('groups keep channels apart, bias per output channel', () => {
    // 2 input channels, group 2, one output channel per group (depthwise), kernel 2.
    const xs = tensor('f32', [1, 2, 2], [1, 2, 3, 4]);
    const ws = tensor('f32', [2, 1, 2], [1, 10, -1, 1]);
    const b = tensor('f32', [2], [0.5, -0.5]);
    expect(values(convT([xs, ws, b], { group: 2 }))).toEqual([1.5, 12.5, 20.5, -3.5, -1.5, 3.5]);
  });
});

/**
 * ConvTranspose written independently as the textbook equivalence: insert stride - 1 zeros
 * between input elements, pad by (k_eff - 1 - pad_begin) in front and (k_eff - 1 - pad_end +
 * output_padding) behind (a negative amount crops), then run a stride-1 dilated correlation
 * with the kernel flipped and its two channel axes swapped, per group.
 */
function viaZeroInsertion(
  x: Tensor,
  w: Tensor,
  b: Tensor | undefined,
  o: { strides: number[]; dilations: number[]; pads: number[]; outputPadding: number[]; group: number },
): { shape: number[]; data: number[] } {
  const [n, c] = x.shape as [number, number];
  const mg = w.shape[1]!;
  const m = mg * o.group;
  const cg = c / o.group;
  const inS = x.shape.slice(2);
  const ks = w.shape.slice(2);
  const r = inS.length;
  const keff = ks.map((k, i) => (k - 1) * o.dilations[i]! + 1);
  const lo = keff.map((k, i) => k - 1 - o.pads[i]!);
  const hi = keff.map((k, i) => k - 1 - o.pads[i + r]! + o.outputPadding[i]!);
  const padS = inS.map((d, i) => (d - 1) * o.strides[i]! + 1 + lo[i]! + hi[i]!);
  const outS = padS.map((d, i) => d - keff[i]! + 1);
  const prod = (s: readonly number[]) => s.reduce((a, v) => a * v, 1);
  const unravel = (i: number, s: readonly number[]) => {
    const idx: number[] = [];
    for (let d = s.length - 1; d >= 0; d--) {
      idx[d] = i % s[d]!;
      i = Math.floor(i / s[d]!);
    }
    return idx;
  };
  const ravel = (idx: readonly number[], s: readonly number[]) => idx.reduce((a, v, d) => a * s[d]! + v, 0);
  const xd = x.data as Float32Array;
  const wd = w.data as Float32Array;
  // The zero-inserted, padded (or cropped) input.
  const padded = new Float64Array(n * c * prod(padS));
  for (let nc = 0; nc < n * c; nc++) {
    for (let i = 0; i < prod(inS); i++) {
      const at = unravel(i, inS).map((v, d) => v * o.strides[d]! + lo[d]!);
      if (at.some((p, d) => p < 0 || p >= padS[d]!)) continue;
      padded[nc * prod(padS) + ravel(at, padS)] = xd[nc * prod(inS) + i]!;
    }
  }
  const kk = prod(ks);
  const out = new Array<number>(n * m * prod(outS)).fill(0);
  for (let bn = 0; bn < n; bn++) {
    for (let mm = 0; mm < m; mm++) {
      const g = Math.floor(mm / mg);
      for (let p = 0; p < prod(outS); p++) {
        const pidx = unravel(p, outS);
        let acc = b ? (b.data as Float32Array)[mm]! : 0;
        for (let ci = 0; ci < cg; ci++) {
          const ch = g * cg + ci;
          for (let k = 0; k < kk; k++) {
            const kidx = unravel(k, ks);
            const flipped = ravel(kidx.map((v, d) => ks[d]! - 1 - v), ks);
            const src = pidx.map((v, d) => v + kidx[d]! * o.dilations[d]!);
            acc += padded[(bn * c + ch) * prod(padS) + ravel(src, padS)]! * wd[(ch * mg + (mm % mg)) * kk + flipped]!;
          }
        }
        out[(bn * m + mm) * prod(outS) + p] = acc;
      }
    }
  }
  return { shape: [n, m, ...outS], data: out };
}

interface Case {
  readonly name: string;
  readonly x: number[];
  readonly w: number[];
  readonly bias: boolean;
  readonly attrs: Record<string, number | string | number[]>;
  /** The pads the attributes resolve to (begins then ends), for the independent implementation. */
  readonly pads: number[];
}

/** Odd sizes, every attribute. */
const CASES: Case[] = [
  { name: '2-D groups 3, stride 2, dilation 2, asymmetric pads, batch 2', x: [2, 6, 7, 5], w: [6, 3, 3, 3], bias: true, attrs: { group: 3, strides: [2, 2], dilations: [2, 2], pads: [1, 0, 2, 3] }, pads: [1, 0, 2, 3] },
  { name: '2-D depthwise 5 channels, stride [3, 2], output_padding [2, 1]', x: [1, 5, 4, 6], w: [5, 1, 3, 2], bias: false, attrs: { group: 5, strides: [3, 2], output_padding: [2, 1], pads: [1, 1, 0, 1] }, pads: [1, 1, 0, 1] },
  { name: '2-D kernel smaller than the stride (gaps in the result)', x: [1, 3, 5, 4], w: [3, 2, 2, 1], bias: true, attrs: { strides: [3, 4] }, pads: [0, 0, 0, 0] },
  { name: '2-D auto_pad SAME_LOWER, stride 2, odd total padding', x: [1, 2, 5, 3], w: [2, 3, 4, 3], bias: true, attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] }, pads: [1, 1, 1, 0] },
  { name: '2-D output_shape larger than the full result', x: [1, 2, 3, 4], w: [2, 2, 3, 3], bias: true, attrs: { strides: [2, 3], output_shape: [9, 13] }, pads: [0, 0, -2, -1] },
  { name: '1-D stride 3, dilation 2, pads, output_padding', x: [2, 4, 11], w: [4, 3, 4], bias: true, attrs: { strides: [3], dilations: [2], pads: [2, 1], output_padding: [2] }, pads: [2, 1] },
  { name: '3-D groups 2, strides, dilation, pads', x: [1, 4, 3, 4, 5], w: [4, 1, 2, 3, 2], bias: true, attrs: { group: 2, strides: [2, 1, 3], dilations: [1, 2, 1], pads: [0, 1, 1, 1, 0, 2], output_padding: [1, 0, 2] }, pads: [0, 1, 1, 1, 0, 2] },
];

describe('ConvTranspose reference equals zero insertion + flipped-kernel convolution', () => {
  for (const k of CASES) {
    it(k.name, () => {
      const x = randomF32(k.x, 1);
      const w = randomF32(k.w, 2);
      const group = (k.attrs['group'] as number | undefined) ?? 1;
      const b = k.bias ? randomF32([k.w[1]! * group], 3) : undefined;
      const r = k.x.length - 2;
      const y = convT([x, w, b], k.attrs);
      const want = viaZeroInsertion(x, w, b, {
        strides: (k.attrs['strides'] as number[] | undefined) ?? new Array<number>(r).fill(1),
        dilations: (k.attrs['dilations'] as number[] | undefined) ?? new Array<number>(r).fill(1),
        outputPadding: (k.attrs['output_padding'] as number[] | undefined) ?? new Array<number>(r).fill(0),
        pads: k.pads,
        group,
      });
      expect(y.shape).toEqual(want.shape);
      expect(relL2(y, tensor('f32', want.shape, want.data))).toBeLessThan(1e-6);
    });
  }
});

describe('ConvTranspose shape errors name the node', () => {
  const layer = (x: number[], w: number[], attrs: Record<string, number | number[]> = {}, b?: number[]) =>
    nodeLayer('ConvTranspose', [randomF32(x, 1), randomF32(w, 2), b ? randomF32(b, 3) : undefined], { attrs, name: 'up1' });
  it('weight first axis that is not the input channels', () => {
    expect(() => layer([1, 4, 5, 5], [2, 4, 3, 3])).toThrow(ShapeError);
    expect(() => layer([1, 4, 5, 5], [2, 4, 3, 3])).toThrow(/'up1' \(ConvTranspose\).*input channels/);
  });
  it('group that does not divide the channels, bias of the wrong size', () => {
    expect(() => layer([1, 6, 5, 5], [6, 2, 3, 3], { group: 4 })).toThrow(/'up1'.*group 4/);
    expect(() => layer([1, 6, 5, 5], [6, 2, 3, 3], { group: 3 }, [2])).toThrow(/'up1'.*bias must have shape \[6\]/);
  });
  it('pads that crop everything, attribute lengths that do not match', () => {
    expect(() => layer([1, 1, 2, 2], [1, 1, 2, 2], { pads: [2, 0, 1, 0] })).toThrow(/'up1'.*crop the whole output/);
    expect(() => layer([1, 1, 2, 2], [1, 1, 2, 2], { output_padding: [1] })).toThrow(/'up1'.*output_padding/);
    expect(() => layer([1, 1, 2, 2], [1, 1, 2, 2], { output_shape: [3, 3, 3] })).toThrow(/'up1'.*output_shape/);
    expect(() => layer([1, 1, 2, 2], [1, 1, 2, 2], { kernel_shape: [3, 3] })).toThrow(/'up1'.*kernel_shape/);
  });
});
