/**
 * Constant packing: how a tactic wants a constant input (a weight) laid out for its kernel, as a
 * pure function of the tensor. The runtime applies it once per engine and device when the weights
 * are uploaded (src/runtime/context.ts) and keys the packed buffer by `packKey`, so two layers
 * sharing a weight and a packing share one buffer. Nothing about packing is stored in engine files:
 * plans are made again from the layer and the recorded tactic when an engine is loaded.
 *
 * Two kinds, which combine (the axes reordered first): `perm` (axes reordered as ONNX Transpose
 * would, e.g. conv.implicit_gemm_nhwc's K x C_out weight) and a named transform from PACKS (e.g. the
 * Winograd weight transform G g Gᵀ, or the fp16 tactics' 'f16').
 */
import { UnsupportedError } from '../errors.js';
import { f32ToF16Bits } from '../ir/dtype.js';
import { permute } from '../ir/layout.js';
import { fromFloat64, getNumber, tensor, toFloat64, type Tensor } from '../ir/tensor.js';

/**
 * Winograd F(m x m, 3 x 3) weight transform: a [K, C, 3, 3] filter becomes U[ξ][k][c] =
 * (G g[k][c] Gᵀ)[ξ] for the α² = (m + 2)² points ξ, stored [α², K, C] so that each point is a
 * K x C row-major matrix: the A operand of the batched GEMM in kernels/conv/winograd-gemm.wgsl.
 * G is Lavin & Gray's (arXiv:1509.09308) for F(2, 3), and the points 0, ±1, ±2, ∞ for F(4, 3).
 */
const WINOGRAD_G: Record<2 | 4, readonly (readonly number[])[]> = {
  2: [
    [1, 0, 0],
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [0, 0, 1],
  ],
  4: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
};

function winogradWeights(t: Tensor, m: 2 | 4): Tensor {
  const [k, c, kh, kw] = t.shape;
  if (t.shape.length !== 4 || kh !== 3 || kw !== 3) {
    throw new UnsupportedError(`pack 'winograd-${m}x${m}': needs a [K, C, 3, 3] weight, got [${t.shape.join(', ')}]`);
  }
  const G = WINOGRAD_G[m];
  const a = m + 2;
  const g = toFloat64(t);
  const out = new Float64Array(a * a * k! * c!);
  const tmp = new Float64Array(a * 3); // G g, a x 3
  for (let o = 0; o < k! * c!; o++) {
    const base = o * 9;
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < 3; j++) tmp[i * 3 + j] = G[i]![0]! * g[base + j]! + G[i]![1]! * g[base + 3 + j]! + G[i]![2]! * g[base + 6 + j]!;
    }
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < a; j++) {
        const v = tmp[i * 3]! * G[j]![0]! + tmp[i * 3 + 1]! * G[j]![1]! + tmp[i * 3 + 2]! * G[j]![2]!;
        out[(i * a + j) * k! * c! + o] = v; // o = kk * C + cc: row-major K x C per point
      }
    }
  }
  return fromFloat64(t.dtype, [a * a, k!, c!], out);
}

/**
 * The fp16 tactics' weights (src/tactics/families/fp16.ts): each element rounded to IEEE half
 * (f32ToF16Bits, to nearest even), two halves per 32-bit word, element 2i in the low half, so
 * that the kernel reads the buffer as `array<f16>` in the tensor's own element order. An i32 tensor
 * of ceil(n / 2) words, because the runtime stores a tensor of dtype 'f16' widened to one f32 word
 * per element (src/runtime/buffers.ts): only packed words keep half the bytes.
 */
function f16Words(t: Tensor): Tensor {
  const n = t.data.length;
  const words = new Int32Array(Math.ceil(n / 2));
  for (let i = 0; i < n; i++) words[i >> 1]! |= f32ToF16Bits(getNumber(t.data, t.dtype, i)) << (16 * (i & 1));
  return tensor('i32', [words.length], words);
}

/**
 * The int8 implicit-GEMM tactics' weights (src/tactics/families/int8-conv.ts): an i8 filter
 * [M, C/group, ...kernel] as the GEMM's A operand of packed words, row m holding K = taps x CG4
 * words in the order k = tap * CG4 + c4, word k = channels 4 c4 .. 4 c4 + 3 at that tap (byte j =
 * channel 4 c4 + j, as pack4xI8 puts it; channels past C / group are 0). An i32 tensor [M, K]:
 * the kernel reads a word where it would otherwise gather and pack four strided elements.
 */
function i8GemmWords(t: Tensor): Tensor {
  if (t.dtype !== 'i8' || t.shape.length < 3) {
    throw new UnsupportedError(`pack 'i8x4': needs an i8 [M, C, ...kernel] filter, got ${t.dtype} [${t.shape.join(', ')}]`);
  }
  const [m, c] = t.shape as [number, number];
  const taps = t.shape.slice(2).reduce((a, b) => a * b, 1);
  const c4 = Math.ceil(c / 4);
  const src = t.data as Int8Array;
  const words = new Int32Array(m * taps * c4);
  for (let o = 0; o < m; o++) {
    for (let ch = 0; ch < c; ch++) {
      for (let tap = 0; tap < taps; tap++) {
        words[(o * taps + tap) * c4 + (ch >> 2)]! |= (src[(o * c + ch) * taps + tap]! & 0xff) << (8 * (ch & 3));
      }
    }
  }
  return tensor('i32', [m, taps * c4], words);
}

/**
 * The channel-last int8 kernel's weights (conv.int8_nhwc): the 'i8x4' words transposed, an i32
 * tensor [K, M], so that four consecutive output channels' words of one k are one vec4 load.
 */
function i8GemmWordsByK(t: Tensor): Tensor {
  const a = i8GemmWords(t);
  const [m, k] = a.shape as [number, number];
  const src = a.data as Int32Array;
  const words = new Int32Array(m * k);
  for (let o = 0; o < m; o++) for (let kk = 0; kk < k; kk++) words[kk * m + o] = src[o * k + kk]!;
  return tensor('i32', [k, m], words);
}

/** Named constant transforms a Binding may ask for (`{ input: 1, pack: 'winograd-4x4' }`). */
export const PACKS = {
  'winograd-2x2': (t: Tensor): Tensor => winogradWeights(t, 2),
  'winograd-4x4': (t: Tensor): Tensor => winogradWeights(t, 4),
  f16: f16Words,
  i8x4: i8GemmWords,
  i8x4t: i8GemmWordsByK,
} as const satisfies Record<string, (t: Tensor) => Tensor>;

export type PackName = keyof typeof PACKS;

/** What a packed input binding says about its constant: axes reordered, or a named transform. */
export interface PackSpec {
  readonly perm?: readonly number[];
  readonly pack?: PackName;
}

/** The cache key of a binding's packing, or undefined when the constant is bound as stored. */
export function packKey(b: PackSpec): string | undefined {
  const perm = b.perm ? `[${b.perm.join(',')}]` : undefined;
  return [perm, b.pack].filter(Boolean).join(' ') || undefined;
}

/** The constant as the binding wants it on the GPU (the tensor itself when unpacked). */
export function packConstant(t: Tensor, b: PackSpec): Tensor {
  const permuted = b.perm ? permute(t, b.perm) : t;
  return b.pack ? PACKS[b.pack](permuted) : permuted;
}
