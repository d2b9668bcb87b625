import type { Graph } from '../ir/graph.js';
import { layoutOf, physicalType } from '../ir/layout.js';
import { gpuBytes } from '../ir/tensor.js';
import { tacticById } from '../tactics/registry.js';
import type { EngineLayer } from './layers.js';

export { gpuBytes };

/** Bytes activation `t` of `g` takes in its buffer, in its layout (an 8-bit channel-last one packed, src/ir/layout.ts). */
export const tensorBytes = (g: Graph, t: string): number => gpuBytes(physicalType(g.type(t), layoutOf(g, t)));

/** Activation memory: tensors with disjoint lifetimes share a slot (one GPU buffer each). */
export interface MemoryPlan {
  /** Size in bytes of each slot. */
  readonly slots: readonly number[];
  /** Slot index of every activation tensor (graph inputs, layer outputs). */
  readonly assign: Readonly<Record<string, number>>;
  /** Byte offset within its slot of a tensor that is a view into another (absent: 0). */
  readonly offsets: Readonly<Record<string, number>>;
  /** Bytes of all slots together: what a context allocates. */
  readonly peakBytes: number;
  /** Bytes if every activation had its own buffer. */
  readonly unplannedBytes: number;
}

/** A tensor that lives inside another: `root` at byte `offset`. */
interface View {
  readonly root: string;
  readonly offset: number;
}

/**
 * The views the layers ask for: a ConcatView's inputs are slices of its output, a SplitView's
 * outputs slices of its input (the parts are contiguous: dims before the axis are all 1).
 */
export function viewsOf(g: Graph, layers: readonly EngineLayer[]): Map<string, View> {
  const views = new Map<string, View>();
  for (const l of layers) {
    const alias = tacticById(l.tactic)?.alias;
    if (!alias) continue;
    const [parts, whole] = alias === 'inputs-into-output' ? [l.inputs, l.outputs[0]!] : [l.outputs, l.inputs[0]!];
    let at = 0;
    for (const p of parts) {
      views.set(p, { root: whole, offset: at });
      at += gpuBytes(g.type(p));
    }
  }
  // Views of views resolve to the outermost tensor.
  const resolve = (t: string): View => {
    const v = views.get(t);
    if (!v) return { root: t, offset: 0 };
    const r = resolve(v.root);
    return { root: r.root, offset: r.offset + v.offset };
  };
  return new Map([...views.keys()].map((t) => [t, resolve(t)]));
}

/**
 * Greedy liveness planning over the layer order. A layer's outputs are placed before its
 * inputs are released, so no kernel reads and writes the same buffer. A free slot is reused
 * best-fit (the smallest that holds the tensor, else the largest, grown). A view takes no slot
 * of its own: it is placed inside its root, which lives until the last use of any of its parts.
 */
export function planMemory(g: Graph, layers: readonly EngineLayer[]): MemoryPlan {
  const views = viewsOf(g, layers);
  const rootOf = (t: string) => views.get(t)?.root ?? t;
  const lastUse = new Map<string, number>();
  layers.forEach((l, i) => l.inputs.forEach((t) => t && lastUse.set(rootOf(t), i)));
  const keep = new Set(g.outputs.map(rootOf));
  const slots: number[] = [];
  const free: number[] = [];
  const assign: Record<string, number> = {};
  const offsets: Record<string, number> = {};
  const released = new Set<string>();
  let unplanned = 0;

  const allocate = (t: string) => {
    const bytes = tensorBytes(g, t);
    unplanned += bytes;
    let best = -1;
    for (const s of free) {
      const fits = slots[s]! >= bytes;
      if (best < 0) best = s;
      else if (fits && (slots[best]! < bytes || slots[s]! < slots[best]!)) best = s;
      else if (!fits && slots[best]! < bytes && slots[s]! > slots[best]!) best = s;
    }
    if (best < 0) {
      slots.push(bytes);
      best = slots.length - 1;
    } else {
      free.splice(free.indexOf(best), 1);
      slots[best] = Math.max(slots[best]!, bytes);
    }
    assign[t] = best;
  };
  const place = (t: string) => {
    const v = views.get(t);
    if (!v) {
      if (assign[t] === undefined) allocate(t);
      return;
    }
    if (assign[v.root] === undefined) allocate(v.root);
    assign[t] = assign[v.root]!;
    if (v.offset) offsets[t] = v.offset;
  };
  const release = (t: string) => {
    if (!views.has(t) && !keep.has(t) && assign[t] !== undefined) free.push(assign[t]);
  };

  const inputs = g.inputs.filter((i) => !g.initializers.has(i.name)).map((i) => i.name);
  inputs.forEach(place);
  for (const t of inputs) if (!lastUse.has(t)) released.add(t), release(t);
  layers.forEach((l, i) => {
    for (const o of l.outputs) if (o) place(o);
    const roots = new Set([...l.inputs, ...l.outputs].filter((t) => t).map(rootOf));
    for (const r of roots) {
      if ((lastUse.get(r) ?? -1) > i || assign[r] === undefined || released.has(r)) continue;
      released.add(r);
      release(r);
    }
  });
  return { slots, assign, offsets, peakBytes: slots.reduce((a, b) => a + b, 0), unplannedBytes: unplanned };
}
