import { exportOnnx } from '../../src/frontend/onnx/index.js';
import { runReference } from '../../src/reference/index.js';
import { mismatch, type Loaded } from './cases.js';
import { runOrt } from './ort.js';

/** Exports the imported graph, runs it in onnxruntime, compares with wgrt's reference; undefined when they match. */
export async function roundTrip(l: Loaded): Promise<string | undefined> {
  const ours = runReference(l.graph, l.feeds);
  const theirs = await runOrt(exportOnnx(l.graph), l.feeds);
  for (const o of l.graph.outputs) {
    const why = mismatch(theirs[o], ours[o]!, { atol: 1e-5, rtol: 1e-3 });
    if (why) return `output '${o}': ${why}`;
  }
  return undefined;
}
