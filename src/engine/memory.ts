import type { Graph } from '../ir/graph.js';
import { sizeOf, type TensorType } from '../ir/tensor.js';
import type { EngineLayer } from './layers.js';

/** Bytes a tensor takes on the GPU: one 32-bit word per element (see src/runtime/buffers.ts). */
export function gpuBytes(t: TensorType): number {
  return Math.max(4, sizeOf(t.shape) * 4);
}

/** Activation memory: tensors with disjoint lifetimes share a slot (one GPU buffer each). */
export interface MemoryPlan {
  /** Size in bytes of each slot. */
  readonly slots: readonly number[];
  /** Slot index of every activation tensor (graph inputs, layer outputs). */
  readonly assign: Readonly<Record<string, number>>;
  /** Bytes of all slots together: what a context allocates. */
  readonly peakBytes: number;
  /** Bytes if every activation had its own buffer. */
  readonly unplannedBytes: number;
}

/**
 * Greedy liveness planning over the layer order. A layer's outputs are placed before its
 * inputs are released, so no kernel reads and writes the same buffer. A free slot is reused
 * best-fit (the smallest that holds the tensor, else the largest, grown).
 */
export function planMemory(g: Graph, layers: readonly EngineLayer[]): MemoryPlan {
  const lastUse = new Map<string, number>();
  layers.forEach((l, i) => l.inputs.forEach((t) => t && lastUse.set(t, i)));
  const keep = new Set(g.outputs);
  const slots: number[] = [];
  const free: number[] = [];
  const assign: Record<string, number> = {};
  let unplanned = 0;

  const place = (t: string) => {
    const bytes = gpuBytes(g.type(t));
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
  const release = (t: string) => {
    if (!keep.has(t) && assign[t] !== undefined) free.push(assign[t]);
  };

  const inputs = g.inputs.filter((i) => !g.initializers.has(i.name)).map((i) => i.name);
  inputs.forEach(place);
  for (const t of inputs) if (!lastUse.has(t)) release(t);
  layers.forEach((l, i) => {
    for (const o of l.outputs) if (o) place(o);
    for (const t of new Set(l.inputs)) if (t && lastUse.get(t) === i && assign[t] !== undefined) release(t);
    for (const o of l.outputs) if (o && !lastUse.has(o)) release(o);
  });
  return { slots, assign, peakBytes: slots.reduce((a, b) => a + b, 0), unplannedBytes: unplanned };
}
