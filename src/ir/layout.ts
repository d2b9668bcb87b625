/**
 * Memory layouts: how a 4-D activation's logical N x C x H x W elements lie in its buffer. The
 * graph's semantics are always the logical NCHW ones (the reference executor never looks at a
 * layout); a node's `memory_layout` attribute says how its GPU kernel stores output 0, and every
 * reader of that tensor must be able to read that layout. Absent means row-major ('nchw').
 * The choose-layout pass (src/passes/choose-layout.ts) sets it; graph inputs and outputs stay
 * row-major.
 */
import { GraphError } from '../errors.js';
import type { Graph, Node } from './graph.js';
import { stridesOf, tensor, type Shape, type Tensor } from './tensor.js';

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

/** A logical NCHW tensor as its buffer holds it in layout `l` (row-major over the physical axes). */
export function toPhysical<T extends Tensor>(t: T, l: Layout): T {
  return l === 'nchw' ? t : permute(t, PHYSICAL[l]);
}

/** The logical tensor of type `type` back from the physical one (see toPhysical). */
export function fromPhysical<T extends Tensor>(t: T, l: Layout): T {
  if (l === 'nchw') return t;
  const p = PHYSICAL[l];
  return permute(t, p.map((_, i) => p.indexOf(i)));
}
