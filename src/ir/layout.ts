/**
 * Memory layouts: how a 4-D activation's logical N x C x H x W elements lie in its buffer. The
 * graph's semantics are always the logical NCHW ones (the reference executor never looks at a
 * layout); a node's `memory_layout` attribute says how its GPU kernel stores output 0, and every
 * reader of that tensor must be able to read that layout. Absent means row-major ('nchw').
 * The choose-layout pass (src/passes/choose-layout.ts) sets it; graph inputs and outputs stay
 * row-major.
 * On the GPU an element is one 32-bit word (src/runtime/buffers.ts), except in one case: an 8-bit
 * tensor (i8, u8) stored channel-last is packed, 4 channels to a word (channel c in bits
 * 8 (c % 4) .. 8 (c % 4) + 7 of word c / 4 of its pixel, C padded to a multiple of 4 with zero
 * bytes): the word that dot4I8Packed multiplies, and a quarter of the bytes (isPacked).
 */
import { GraphError } from '../errors.js';
import type { Graph, Node } from './graph.js';
import { stridesOf, tensor, type Shape, type Tensor, type TensorType } from './tensor.js';

/** 'nchw': row-major. 'nhwc': channel-last, channels contiguous per pixel (vec4 loads when C % 4 == 0). */
export type Layout = 'nchw' | 'nhwc';
export const LAYOUTS: readonly Layout[] = ['nchw', 'nhwc'];

/** The attribute any node may carry: the layout of its (single, 4-D) output. */
export const LAYOUT_ATTR = 'memory_layout';

/** The layout a node writes its output 0 in. */
export function outputLayout(n: Node): Layout {
  const v = n.attrs[LAYOUT_ATTR];
  if (v === undefined) return 'nchw';
  if (typeof v !== 'string' || !(LAYOUTS as readonly string[]).includes(v)) {
    throw new GraphError(`node '${n.name}' (${n.op}): attribute '${LAYOUT_ATTR}' must be one of ${LAYOUTS.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as Layout;
}

/** The layout tensor `t` is stored in: its producer's; graph inputs and constants are row-major. */
export function layoutOf(g: Graph, t: string): Layout {
  const p = t ? g.producer(t) : undefined;
  return p ? outputLayout(p) : 'nchw';
}

/** Element strides [n, c, h, w] of a logical N x C x H x W tensor stored in layout `l`. */
export function layoutStrides(shape: Shape, l: Layout): [number, number, number, number] {
  const [, c, h, w] = shape as [number, number, number, number];
  return l === 'nchw' ? [c * h * w, h * w, w, 1] : [h * w * c, 1, w * c, c];
}

/** The shape a layout's buffer has when read row-major: N x H x W x C for 'nhwc'. */
export function physicalShape(shape: Shape, l: Layout): Shape {
  return l === 'nchw' ? shape : PHYSICAL[l].map((p) => shape[p]!);
}

/** `t` with its axes reordered: output axis k is input axis perm[k] (as ONNX Transpose). */
export function permute<T extends Tensor>(t: T, perm: readonly number[]): T {
  const r = t.shape.length;
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new GraphError(`permute: [${perm.join(', ')}] is not a permutation of ${r} axes`);
  }
  const shape = perm.map((p) => t.shape[p]!);
  const inStrides = stridesOf(t.shape);
  const from = perm.map((p) => inStrides[p]!); // input stride of each output axis
  const out = tensor(t.dtype, shape) as T;
  const src = t.data as ArrayLike<number | bigint>;
  const dst = out.data as unknown as (number | bigint)[];
  const idx = new Array<number>(r).fill(0);
  let s = 0;
  for (let i = 0; i < dst.length; i++) {
    dst[i] = src[s]!;
    for (let k = r - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) {
        s += from[k]!;
        break;
      }
      s -= from[k]! * (shape[k]! - 1);
      idx[k] = 0;
    }
  }
  return out;
}

/** The axis order a layout stores a logical NCHW tensor in. */
const PHYSICAL: Record<Layout, readonly number[]> = { nchw: [0, 1, 2, 3], nhwc: [0, 2, 3, 1] };

/** Whether a tensor of type `type` stored in layout `l` is packed 4 x 8 bits per word (see above). */
export function isPacked(type: TensorType, l: Layout): boolean {
  return l === 'nhwc' && (type.dtype === 'i8' || type.dtype === 'u8') && type.shape.length === 4;
}

/**
 * The tensor a layout's buffer holds, read row-major: N x H x W x C for 'nhwc', and for a packed
 * one i32 words N x H x W x ceil(C / 4).
 */
export function physicalType(type: TensorType, l: Layout): TensorType {
  const shape = physicalShape(type.shape, l);
  if (!isPacked(type, l)) return { dtype: type.dtype, shape };
  return { dtype: 'i32', shape: [...shape.slice(0, 3), Math.ceil(shape[3]! / 4)] };
}

/** A logical NCHW tensor as its buffer holds it in layout `l` (a tensor of physicalType). */
export function toPhysical(t: Tensor, l: Layout): Tensor {
  if (l === 'nchw') return t;
  const p = permute(t, PHYSICAL[l]);
  if (!isPacked(t, l)) return p;
  const out = tensor('i32', physicalType(t, l).shape);
  const [c, c4] = [t.shape[1]!, out.shape[3]!];
  const src = p.data as Int8Array | Uint8Array;
  const words = out.data as Int32Array;
  for (let i = 0; i < src.length; i++) {
    const [pixel, ch] = [Math.floor(i / c), i % c];
    words[pixel * c4 + (ch >> 2)]! |= (src[i]! & 0xff) << (8 * (ch & 3));
  }
  return out;
}

/** The logical tensor of type `type` back from its buffer's (a tensor of physicalType, see toPhysical). */
export function fromPhysical(t: Tensor, type: TensorType, l: Layout): Tensor {
  if (l === 'nchw') return t;
  const p = PHYSICAL[l];
  const back = p.map((_, i) => p.indexOf(i));
  if (!isPacked(type, l)) return permute(t, back);
  const shape = physicalShape(type.shape, l);
  const [c, c4] = [shape[3]!, t.shape[3]!];
  const bytes = tensor(type.dtype, shape);
  const words = t.data as Int32Array;
  const dst = bytes.data as Int8Array | Uint8Array;
  for (let i = 0; i < dst.length; i++) {
    const [pixel, ch] = [Math.floor(i / c), i % c];
    dst[i] = words[pixel * c4 + (ch >> 2)]! >> (8 * (ch & 3)); // the typed array keeps the low 8 bits
  }
  return permute(bytes, back);
}
