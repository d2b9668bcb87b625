import { Graph, node, type Attrs } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { layerInfo, type LayerInfo } from '../../src/ir/layer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { Operand } from './op-layer.js';

function constantOf(t: Operand): Tensor | undefined {
  return t && 'constant' in t ? t.constant : undefined;
}

function fedOf(t: Operand): Tensor | undefined {
  return t && !('constant' in t) ? t : undefined;
}

/**
 * Like opLayer (test/helpers/op-layer.ts) for ops with several outputs (Split): a one-node
 * graph with outputs y0..y{n-1}; operands fed as inputs x0, x1, ... or given as constants.
 * `outputs` is a count, or one flag per output where false leaves that optional output absent ('').
 */
export function opLayerN(
  op: string,
  operands: readonly Operand[],
  attrs: Attrs,
  outputs: number | readonly boolean[],
): { layer: LayerInfo; inputs: (Tensor | undefined)[] } {
  const names = operands.map((t, i) => (t ? `x${i}` : ''));
  const graphInputs = operands.flatMap((t, i) => {
    const fed = fedOf(t);
    return fed ? [{ name: `x${i}`, type: { dtype: fed.dtype, shape: fed.shape } }] : [];
  });
  const initializers = new Map<string, Tensor>();
  operands.forEach((t, i) => {
    const c = constantOf(t);
    if (c) initializers.set(`x${i}`, c);
  });
  const present = typeof outputs === 'number' ? new Array<boolean>(outputs).fill(true) : outputs;
  const outs = present.map((p, i) => (p ? `y${i}` : ''));
  const n = node({ name: `${op.toLowerCase()}0`, op, inputs: names, outputs: outs, attrs });
  const g = inferTypes(new Graph({ name: op, inputs: graphInputs, outputs: outs.filter((o) => o), nodes: [n], initializers }));
  return { layer: layerInfo(g, g.nodes[0]!), inputs: operands.map((t) => constantOf(t) ?? fedOf(t)) };
}
