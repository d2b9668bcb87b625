/**
 * How well a classifier does on labelled data: its predicted classes batch by batch (an engine
 * on WebGPU, or a network on the reference executor), top-1 against labels, and agreement
 * between two sets of predictions (an INT8 engine against the fp32 one).
 */
import { WgrtError } from '../errors.js';
import type { Tensor } from '../ir/tensor.js';
import { toFloat64 } from '../ir/tensor.js';

/** Anything that maps a batch of feeds to outputs: ExecutionContext.run, or runReference bound to a graph. */
export type Runner = (feeds: Readonly<Record<string, Tensor>>) => Promise<Record<string, Tensor>> | Record<string, Tensor>;

/** The argmax over the last axis of each row of the `output` (default the first) of every batch. */
export async function predict(
  run: Runner,
  batches: Iterable<Record<string, Tensor>> | AsyncIterable<Record<string, Tensor>>,
  opts: { output?: string } = {},
): Promise<Uint8Array> {
  const out: number[] = [];
  for await (const feeds of batches) {
    const result = await run(feeds);
    const name = opts.output ?? Object.keys(result)[0]!;
    const t = result[name];
    if (!t || t.shape.length < 1) throw new WgrtError(`predict: the outputs have no '${name}' with a class axis (outputs: ${Object.keys(result).join(', ')})`);
    const classes = t.shape[t.shape.length - 1]!;
    const v = toFloat64(t);
    for (let r = 0; r < v.length / classes; r++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (v[r * classes + c]! > v[r * classes + best]!) best = c;
      out.push(best);
    }
  }
  return Uint8Array.from(out);
}

/** The fraction of predictions equal to `labels` (top-1 accuracy), or of two prediction sets that agree. */
export function agreement(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length === 0) throw new WgrtError(`agreement: ${a.length} predictions against ${b.length}; the sets must be the same, non-empty size`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}
