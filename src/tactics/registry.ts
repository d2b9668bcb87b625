import { UnsupportedError } from '../errors.js';
import type { LayerInfo, Tactic } from './types.js';

/** Every kernel variant wgrt has, in preference order within an op (the first supported is the default). */
export const TACTICS: Tactic[] = [];

export function registerTactic(...ts: Tactic[]): void {
  for (const t of ts) {
    if (TACTICS.some((x) => x.id === t.id)) throw new Error(`tactic '${t.id}' is registered twice`);
    TACTICS.push(t);
  }
}

/** Removes a tactic (plugins, tests); true when there was one. */
export function unregisterTactic(id: string): boolean {
  const k = TACTICS.findIndex((t) => t.id === id);
  if (k >= 0) TACTICS.splice(k, 1);
  return k >= 0;
}

export function tacticById(id: string): Tactic | undefined {
  return TACTICS.find((t) => t.id === id);
}

const rowMajor = (layer: LayerInfo): boolean => [...layer.layouts.inputs, ...layer.layouts.outputs].every((l) => l === 'nchw');

/** Tactics that can run this layer, in preference order. */
export function candidates(layer: LayerInfo): Tactic[] {
  return TACTICS.filter((t) => t.ops.includes(layer.node.op) && (t.layouts || rowMajor(layer)) && t.supports(layer));
}

export function defaultTactic(layer: LayerInfo): Tactic {
  const c = candidates(layer);
  if (c.length === 0) {
    const types = layer.inputs.map((t) => (t ? `${t.dtype}[${t.shape.join('x')}]` : '-')).join(', ');
    const layouts = rowMajor(layer) ? '' : ` and layouts ${layer.layouts.inputs.join(', ')} -> ${layer.layouts.outputs.join(', ')}`;
    throw new UnsupportedError(`no WebGPU kernel supports node '${layer.node.name}' (${layer.node.op}) with inputs ${types}${layouts}`);
  }
  return c[0]!;
}
