// Horizontal fusion: sibling convolutions reading the same tensor with the same window and
// epilogue become one convolution over the concatenated weights; a SplitView hands each former
// sibling its slice of the channels (no copy: the slices are views into the merged output).
// Inception branches, attention's Q/K/V projections written as 1x1 convs, ResNet downsample
// shortcuts next to a block's first conv.
import { node, type Graph, type Node } from '../ir/graph.js';
import { attrs } from '../ir/infer.js';
import { gpuBytes, tensor, type Tensor } from '../ir/tensor.js';
import { applyEdit, freshName, originOf } from './edit.js';
import { VIEW_ALIGNMENT } from './eliminate-concat.js';
import type { Pass } from './types.js';

const CONVS = new Set(['Conv', 'FusedConv']);

/** What must be equal for two convolutions to merge: op, every attribute, weight shape past dim 0. */
function signature(g: Graph, n: Node): string | undefined {
  if (!CONVS.has(n.op) || n.inputs.length > 3) return undefined; // a residual input stays per conv
  const [, w, b] = n.inputs;
  if (!w || !g.initializers.has(w) || (b && !g.initializers.has(b))) return undefined;
  if (attrs(n).int('group') !== 1) return undefined;
  const y = g.type(n.outputs[0]!);
  if (y.shape[0] !== 1 || y.dtype !== 'f32') return undefined; // channel slices are contiguous only for batch 1
  const sorted = Object.keys(n.attrs).sort().map((k) => [k, n.attrs[k]]);
  return JSON.stringify([n.op, sorted, g.type(w).shape.slice(1)]);
}

function concat0(parts: readonly Tensor[]): Tensor {
  const data = new Float32Array(parts.reduce((s, p) => s + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p.data as Float32Array, at);
    at += p.data.length;
  }
  const first = parts[0]!;
  return tensor('f32', [parts.reduce((s, p) => s + p.shape[0]!, 0), ...first.shape.slice(1)], data);
}

/** Groups of two or more mergeable siblings, each group in graph order. */
function siblingGroups(g: Graph): Node[][] {
  const groups: Node[][] = [];
  const readers = new Map<string, Node[]>();
  for (const n of g.nodes) {
    const x = n.inputs[0];
    if (x) readers.set(x, [...(readers.get(x) ?? []), n]);
  }
  for (const list of readers.values()) {
    const bySig = new Map<string, Node[]>();
    for (const n of list) {
      const s = signature(g, n);
      if (s) bySig.set(s, [...(bySig.get(s) ?? []), n]);
    }
    for (const group of bySig.values()) {
      // Every slice but the last must end where a binding may start.
      const ok = group.slice(0, -1).every((n) => gpuBytes(g.type(n.outputs[0]!)) % VIEW_ALIGNMENT === 0);
      if (group.length > 1 && ok) groups.push(group);
    }
  }
  return groups;
}

export const fuseHorizontal: Pass = {
  name: 'fuse-horizontal',
  description: 'merge sibling convolutions of one input into one wider convolution, sliced by views',
  run(g, ctx) {
    // One merge at a time: it renames the tensors other groups read.
    for (let group = siblingGroups(g)[0]; group; group = siblingGroups(g)[0]) {
      const first = group[0]!;
      const weights = group.map((n) => g.initializers.get(n.inputs[1]!)!);
      const biases = group.map((n, i) => (n.inputs[2] ? g.initializers.get(n.inputs[2])! : tensor('f32', [weights[i]!.shape[0]!])));
      const w = freshName(g, `${first.name}_merged_w`);
      const b = freshName(g, `${first.name}_merged_b`);
      const merged = freshName(g, `${first.name}_merged`);
      const out = freshName(g, `${first.name}_merged_out`);
      const sizes = freshName(g, `${first.name}_merged_split`);
      const origin = originOf(group);
      const conv = node({ name: merged, op: first.op, inputs: [first.inputs[0]!, w, b], outputs: [out], attrs: first.attrs, origin });
      const split = node({ name: `${merged}_split`, op: 'SplitView', inputs: [out, sizes], outputs: group.map((n) => n.outputs[0]!), attrs: { axis: 1 }, origin });
      const channels = group.map((n) => g.type(n.outputs[0]!).shape[1]!);
      g = applyEdit(g, {
        remove: group,
        add: [conv, split],
        constants: { [w]: concat0(weights), [b]: concat0(biases), [sizes]: tensor('i64', [channels.length], channels) },
      });
      ctx.record({ rule: 'merge-siblings', replaced: group.map((n) => n.name), produced: [merged, split.name] });
    }
    return g;
  },
};

