// Concat elimination: when every input of a Concat is a contiguous block of its output (all
// dims before the axis are 1) at an offset a binding may start at, the producers write straight
// into their slices: the Concat becomes a ConcatView, which lowers to no kernel. It runs last,
// once the producers are final.
import type { Graph, Node } from '../ir/graph.js';
import { node } from '../ir/graph.js';
import { attrs } from '../ir/infer.js';
import { gpuBytes } from '../ir/tensor.js';
import { applyEdit } from './edit.js';
import type { Pass } from './types.js';

/** WebGPU's largest minStorageBufferOffsetAlignment: view offsets that are multiples of it bind anywhere. */
export const VIEW_ALIGNMENT = 256;

/** Ops lowered to views whose outputs live inside their input: their outputs cannot also live in a concat. */
export const VIEW_PRODUCERS = new Set(['SplitView', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity']);

/** Why the Concat `n` cannot become a view, or undefined when it can. */
export function concatViewBlocker(g: Graph, n: Node): string | undefined {
  const out = g.type(n.outputs[0]!);
  const r = out.shape.length;
  const a = attrs(n).int('axis');
  const k = a < 0 ? a + r : a;
  if (out.shape.slice(0, k).some((d) => d !== 1)) return `dims before axis ${k} are not all 1: the inputs are not contiguous blocks`;
  if (new Set(n.inputs).size !== n.inputs.length) return 'an input appears twice';
  let offset = 0;
  for (const t of n.inputs) {
    const p = g.producer(t);
    if (!p || g.initializers.has(t)) return `input '${t}' is a graph input or a constant`;
    if (VIEW_PRODUCERS.has(p.op)) return `input '${t}' is already a view of another tensor (${p.op})`;
    if (g.outputs.includes(t)) return `input '${t}' is a graph output`;
    if (g.consumers(t).some((c) => c !== n && c.op === 'ConcatView')) return `input '${t}' already lives inside another concat`;
    if (offset % VIEW_ALIGNMENT !== 0) return `input '${t}' would start at byte ${offset}, not a multiple of ${VIEW_ALIGNMENT}`;
    offset += gpuBytes(g.type(t));
  }
  return undefined;
}

export const eliminateConcat: Pass = {
  name: 'eliminate-concat',
  description: 'let producers write into their slice of a concat, so no copy kernel remains',
  run(g, ctx) {
    for (;;) {
      const n = g.nodes.find((m) => m.op === 'Concat' && concatViewBlocker(g, m) === undefined);
      if (!n) return g;
      const view = node({ ...n, op: 'ConcatView' });
      g = applyEdit(g, { remove: [n], add: [view] });
      ctx.record({ rule: 'concat-view', replaced: [n.name], produced: [view.name] });
    }
  },
};
