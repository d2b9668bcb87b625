/**
 * The roofline table: each layer's achieved FLOP/s and bytes/s (its cost, src/ir/cost.ts, over
 * its measured time) against what the adapter's measured peaks (src/tune/peaks.ts) allow at its
 * arithmetic intensity: min(peak FLOP/s, intensity x peak bandwidth). A layer far below its roof
 * has room in its kernel; one on the memory slope gains only from moving fewer bytes (fusion,
 * lower precision).
 */
import { layerCost } from '../ir/cost.js';
import { layerInfo } from '../ir/layer.js';
import type { AdapterPeaks } from '../tune/peaks.js';
import type { Engine } from './engine.js';

export interface RooflineRow {
  readonly layer: string;
  readonly op: string;
  readonly tactic: string;
  readonly ms: number;
  readonly flops: number;
  readonly bytes: number;
  /** FLOPs per byte. */
  readonly intensity: number;
  readonly flopsPerSecond: number;
  readonly bytesPerSecond: number;
  /** What the roof allows at this intensity, FLOP/s. */
  readonly attainable: number;
  /** Achieved over attainable (0..1, above 1 only through caches). */
  readonly ofRoof: number;
  readonly bound: 'compute' | 'memory';
}

/** Each engine layer's FLOPs and the bytes of its inputs and outputs (src/ir/cost.ts): what it must compute and move, before any timing. */
export function layerCosts(engine: Engine): { layer: string; op: string; flops: number; bytes: number }[] {
  const nodes = new Map(engine.graph.nodes.map((n) => [n.name, n]));
  return engine.layers.map((l) => ({ layer: l.name, op: l.op, ...layerCost(layerInfo(engine.graph, nodes.get(l.name)!)) }));
}

/** One row per engine layer; `layerMs[i]` is layer i's measured time. */
export function roofline(engine: Engine, layerMs: readonly number[], peaks: AdapterPeaks): RooflineRow[] {
  const costs = layerCosts(engine);
  return engine.layers.map((l, i) => {
    const { flops, bytes } = costs[i]!;
    const s = Math.max(layerMs[i]!, 1e-9) * 1e-3;
    const intensity = flops / Math.max(bytes, 1);
    const memoryRoof = intensity * peaks.bytesPerSecond;
    const attainable = Math.min(peaks.flops, memoryRoof);
    return {
      layer: l.name, op: l.op, tactic: l.tactic, ms: layerMs[i]!, flops, bytes, intensity,
      flopsPerSecond: flops / s, bytesPerSecond: bytes / s, attainable, ofRoof: flops / s / attainable,
      bound: memoryRoof < peaks.flops ? 'memory' : 'compute',
    };
  });
}
