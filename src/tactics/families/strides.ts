import { sizeOf, stridesOf, type Shape } from '../../ir/tensor.js';
import { grid } from '../meta.js';

/**
 * Index helpers shared by the binary, layout, gather and resize tactics: their kernels walk up
 * to MAX_RANK axes, with shapes padded in front by size-1 axes.
 */
export const MAX_RANK = 6;
export const WG = 256;

/** Element strides of `shape` read by broadcasting into `out`: aligned right, 0 on broadcast axes. */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const own = stridesOf(shape);
  const lead = out.length - shape.length;
  return out.map((_, k) => {
    const j = k - lead;
    return j < 0 || shape[j] === 1 ? 0 : own[j]!;
  });
}

/**
 * Merges adjacent axes that every operand walks contiguously (stride[k] = stride[k+1] * dim[k+1])
 * and drops size-1 axes: fewer axes mean less index arithmetic, and ranks above 6 usually fit.
 */
export function collapseAxes(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  shape.forEach((d, k) => {
    if (d === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, j) => out[j]![last] === s[k]! * d)) {
      dims[last]! *= d;
      strides.forEach((s, j) => (out[j]![last] = s[k]!));
    } else {
      dims.push(d);
      strides.forEach((s, j) => out[j]!.push(s[k]!));
    }
  });
  return { shape: dims, strides: out };
}

/** Pads per-axis values in front to MAX_RANK entries (the leading axes that do not exist). */
export function padFront(v: readonly number[], fill: number): number[] {
  if (v.length > MAX_RANK) throw new Error(`${v.length} axes exceed the kernels' ${MAX_RANK}`);
  return [...new Array<number>(MAX_RANK - v.length).fill(fill), ...v];
}

/** Collapsed broadcast geometry of operands into `out`, or undefined when it needs more than MAX_RANK axes. */
export function broadcastGeometry(out: Shape, operands: readonly Shape[]): { shape: number[]; strides: number[][] } | undefined {
  const c = collapseAxes(out, operands.map((s) => broadcastStrides(s, out)));
  return c.shape.length <= MAX_RANK ? c : undefined;
}

/** Workgroups for one thread per element of `shape`. */
export function elementGrid(shape: Shape, wg: number): [number, number, number] {
  return grid(Math.ceil(sizeOf(shape) / wg));
}
