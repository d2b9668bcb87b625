import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { nodeLayer } from '../helpers/node-layer.js';

const iota = (shape: number[]) => tensor('f32', shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));
const ones = (shape: number[]) => tensor('f32', shape, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(1));

function conv(inputs: (Tensor | undefined)[], attrs: Record<string, number | string | number[]> = {}): Tensor {
  return runReferenceLayer(nodeLayer('Conv', inputs, { attrs }), inputs)[0]!;
}

function values(t: Tensor): number[] {
  return Array.from(t.data as Float32Array);
}

describe('Conv reference: ONNX operator examples', () => {
  // onnx/docs/Operators.md, Conv: 5x5 input 0..24, 3x3 kernel of ones.
  it('conv with and without padding', () => {
    const y = conv([iota([1, 1, 5, 5]), ones([1, 1, 3, 3])], { pads: [1, 1, 1, 1] });
    expect(y.shape).toEqual([1, 1, 5, 5]);
    expect(values(y)).toEqual([12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84]);
    expect(values(conv([iota([1, 1, 5, 5]), ones([1, 1, 3, 3])]))).toEqual([54, 63, 72, 99, 108, 117, 144, 153, 162]);
  });

  it('conv with strides (7x5 input), including asymmetric padding', () => {
    const x = iota([1, 1, 7, 5]);
    const w = ones([1, 1, 3, 3]);
    const padded = conv([x, w], { pads: [1, 1, 1, 1], strides: [2, 2] });
    expect(padded.shape).toEqual([1, 1, 4, 3]);
    expect(values(padded)).toEqual([12, 27, 24, 63, 108, 81, 123, 198, 141, 112, 177, 124]);
    expect(values(conv([x, w], { strides: [2, 2] }))).toEqual([54, 72, 144, 162, 234, 252]);
    const rows = conv([x, w], { pads: [1, 0, 1, 0], strides: [2, 2] });
    expect(rows.shape).toEqual([1, 1, 4, 2]);
    expect(values(rows)).toEqual([21, 33, 99, 117, 189, 207, 171, 183]);
  });

  it('auto_pad SAME_LOWER and SAME_UPPER', () => {
    const y = conv([iota([1, 1, 5, 5]), ones([1, 1, 3, 3])], { auto_pad: 'SAME_LOWER', strides: [2, 2] });
    expect(values(y)).toEqual([12, 27, 24, 63, 108, 81, 72, 117, 84]);
    // 4x4, stride 2, kernel 3: one pad in total, at the end (UPPER) or at the start (LOWER).
    const upper = conv([iota([1, 1, 4, 4]), ones([1, 1, 3, 3])], { auto_pad: 'SAME_UPPER', strides: [2, 2] });
    expect(values(upper)).toEqual([45, 39, 66, 50]); // windows start at 0 and 2; the last row and column hang over the end pad
    const lower = conv([iota([1, 1, 4, 4]), ones([1, 1, 3, 3])], { auto_pad: 'SAME_LOWER', strides: [2, 2] });
    expect(values(lower)).toEqual([10, 24, 51, 90]); // windows start at -1 and 1
  });
});

describe('Conv reference: hand-computed cases', () => {
  it('adds the bias per output channel and sums input channels', () => {
    // 2 input channels [1,2],[3,4] (1-D), weights for 2 output channels with kernel 1.
    const x = tensor('f32', [1, 2, 2], [1, 2, 3, 4]);
    const w = tensor('f32', [2, 2, 1], [1, 10, -1, 0.5]);
    const b = tensor('f32', [2], [100, 200]);
    expect(values(conv([x, w, b]))).toEqual([131, 142, 200.5, 200]);
  });

  it('depthwise conv keeps channels apart', () => {
    const x = tensor('f32', [1, 2, 3], [1, 2, 3, 10, 20, 30]);
    const w = tensor('f32', [2, 1, 2], [1, 1, 1, -1]);
    expect(values(conv([x, w], { group: 2 }))).toEqual([3, 5, -10, -10]);
  });

  it('dilation 2 skips every other input', () => {
    const x = tensor('f32', [1, 1, 5], [1, 2, 3, 4, 5]);
    const w = tensor('f32', [1, 1, 2], [1, 100]);
    expect(values(conv([x, w], { dilations: [2] }))).toEqual([301, 402, 503]);
  });
});

/**
 * Conv as an explicit im2col matmul, written independently here: zero-pad the input into a
 * bigger array, gather each window into a column, multiply by the reshaped weight per group.
 */
function im2colConv(x: Tensor, w: Tensor, b: Tensor | undefined, o: { strides: number[]; dilations: number[]; pads: number[]; group: number }): { shape: number[]; data: number[] } {
  const [n, c] = x.shape as [number, number];
  const m = w.shape[0]!;
  const inS = x.shape.slice(2);
  const ks = w.shape.slice(2);
  const r = inS.length;
  const padS = inS.map((d, i) => d + o.pads[i]! + o.pads[i + r]!);
  const outS = padS.map((d, i) => Math.floor((d - (ks[i]! - 1) * o.dilations[i]! - 1) / o.strides[i]!) + 1);
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
  const padded = new Float64Array(n * c * prod(padS));
  for (let nc = 0; nc < n * c; nc++) {
    for (let i = 0; i < prod(inS); i++) {
      const idx = unravel(i, inS).map((v, d) => v + o.pads[d]!);
      padded[nc * prod(padS) + ravel(idx, padS)] = xd[nc * prod(inS) + i]!;
    }
  }
  const cg = c / o.group;
  const mg = m / o.group;
  const kk = prod(ks);
  const cols = prod(outS);
  const out = new Array<number>(n * m * cols).fill(0);
  for (let bn = 0; bn < n; bn++) {
    for (let g = 0; g < o.group; g++) {
      // columns: [cg * kk] x [cols]
      const col = new Float64Array(cg * kk * cols);
      for (let ci = 0; ci < cg; ci++) {
        for (let k = 0; k < kk; k++) {
          const kidx = unravel(k, ks);
          for (let p = 0; p < cols; p++) {
            const pidx = unravel(p, outS).map((v, d) => v * o.strides[d]! + kidx[d]! * o.dilations[d]!);
            col[(ci * kk + k) * cols + p] = padded[(bn * c + g * cg + ci) * prod(padS) + ravel(pidx, padS)]!;
          }
        }
      }
      for (let mi = 0; mi < mg; mi++) {
        const mm = g * mg + mi;
        for (let p = 0; p < cols; p++) {
          let acc = b ? (b.data as Float32Array)[mm]! : 0;
          for (let q = 0; q < cg * kk; q++) acc += wd[mm * cg * kk + q]! * col[q * cols + p]!;
          out[(bn * m + mm) * cols + p] = acc;
        }
      }
    }
  }
  return { shape: [n, m, ...outS], data: out };
}

describe('Conv reference equals an explicit im2col matmul', () => {
  const cases = [
    { name: '2-D groups 3, stride 2, dilation 2, asymmetric pads, batch 2', x: [2, 6, 7, 13], w: [9, 2, 3, 3], strides: [2, 2], dilations: [2, 2], pads: [1, 0, 2, 3], group: 3, bias: true },
    { name: '2-D depthwise 5 channels', x: [1, 5, 7, 13], w: [5, 1, 3, 2], strides: [1, 2], dilations: [1, 1], pads: [1, 1, 1, 0], group: 5, bias: false },
    { name: '1-D stride 3', x: [2, 4, 17], w: [3, 4, 4], strides: [3], dilations: [1], pads: [2, 1], group: 1, bias: true },
    { name: '3-D', x: [1, 2, 5, 4, 6], w: [3, 2, 2, 3, 2], strides: [1, 2, 1], dilations: [2, 1, 1], pads: [0, 1, 1, 1, 0, 1], group: 1, bias: true },
  ];
  for (const k of cases) {
    it(k.name, () => {
      const x = randomF32(k.x, 1);
      const w = randomF32(k.w, 2);
      const b = k.bias ? randomF32([k.w[0]!], 3) : undefined;
      const o = { strides: k.strides, dilations: k.dilations, pads: k.pads, group: k.group };
      const y = conv([x, w, b], o);
      const want = im2colConv(x, w, b, o);
      expect(y.shape).toEqual(want.shape);
      expect(relL2(y, tensor('f32', want.shape, want.data))).toBeLessThan(1e-6);
    });
  }
});

describe('Conv shape errors name the node', () => {
  const layer = (x: number[], w: number[], attrs: Record<string, number | number[]> = {}, b?: number[]) =>
    nodeLayer('Conv', [randomF32(x, 1), randomF32(w, 2), b ? randomF32(b, 3) : undefined], { attrs, name: 'stem_conv' });
  it('group that does not divide the channels', () => {
    expect(() => layer([1, 6, 5, 5], [4, 2, 3, 3], { group: 4 })).toThrow(ShapeError);
    expect(() => layer([1, 6, 5, 5], [4, 2, 3, 3], { group: 4 })).toThrow(/'stem_conv' \(Conv\).*group 4/);
  });
  it('weight channels that do not match the input', () => {
    expect(() => layer([1, 6, 5, 5], [4, 4, 3, 3])).toThrow(/'stem_conv'.*input channels/);
  });
  it('bias of the wrong size, kernel larger than the input, wrong pads length', () => {
    expect(() => layer([1, 2, 5, 5], [4, 2, 3, 3], {}, [3])).toThrow(/'stem_conv'.*bias/);
    expect(() => layer([1, 2, 2, 2], [4, 2, 3, 3])).toThrow(/'stem_conv'.*does not fit/);
    expect(() => layer([1, 2, 5, 5], [4, 2, 3, 3], { pads: [1, 1] })).toThrow(/'stem_conv'.*spatial dims/);
  });
});
