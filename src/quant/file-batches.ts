/**
 * Batches for one input of a graph from a data file, as the command line and pipeline scripts
 * take them: an IDX image file (bytes scaled by `scale` and shifted by `shift`) or an Arrow IPC
 * file (a column named after the input). Only whole batches of the input's batch dimension,
 * since an engine's shapes are fixed.
 */
import { CalibrationError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { arrowBatches } from './data-arrow.js';
import { imageBatches, type Batches } from './data.js';

export interface FileBatchOptions {
  /** The input fed (default the graph's first non-constant input). */
  readonly input?: string;
  /** Use at most this many examples. */
  readonly limit?: number;
  /** IDX bytes become `raw * scale + shift` (default 1/255 and 0). */
  readonly scale?: number;
  readonly shift?: number;
}

export function fileBatches(g: Graph, file: string, opts: FileBatchOptions = {}): { source: Batches; input: string; batch: number; maxBatches: number } {
  const inputs = g.inputs.filter((i) => !g.initializers.has(i.name));
  const input = opts.input ?? inputs[0]?.name;
  const spec = inputs.find((i) => i.name === input);
  if (!spec) throw new CalibrationError(`'${g.name}' has no input '${input}' (inputs: ${inputs.map((i) => i.name).join(', ')})`);
  const batch = spec.type.shape[0] ?? 1;
  const limit = opts.limit !== undefined ? { limit: opts.limit } : {};
  const source = /\.arrows?$/.test(file)
    ? arrowBatches(file, { batchSize: batch, shapes: { [spec.name]: spec.type.shape.slice(1) }, columns: [spec.name], ...limit })
    : imageBatches(file, { batchSize: batch, input: spec.name, shape: spec.type.shape.slice(1), scale: opts.scale ?? 1 / 255, shift: opts.shift ?? 0, ...limit });
  const maxBatches = Math.floor(source.examples / batch);
  if (maxBatches < 1) throw new CalibrationError(`${file} has ${source.examples} examples, fewer than one batch of ${batch} ('${g.name}' takes ${spec.name} ${spec.type.shape.join('x')})`);
  return { source, input: spec.name, batch, maxBatches };
}
