import { Graph, node, type Attrs } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { layerInfo, type LayerInfo } from '../../src/ir/layer.js';
import type { Tensor } from '../../src/ir/tensor.js';

/** An operand of opLayer: a value fed as a graph input, a constant (initializer), or absent. */
export type Operand = Tensor | { readonly constant: Tensor } | undefined;

function valueOf(t: Operand): Tensor | undefined {
  return t && 'constant' in t ? t.constant : t;
}

/**
 * A one-node graph `op(operands...)` typed by inferTypes: its LayerInfo and the input values to
 * give a kernel. Inputs are named x0, x1, ...; constants become initializers (as Reduce axes or
 * Clip bounds must be).
 */
export function opLayer(op: string, operands: readonly Operand[], attrs: Attrs = {}): { layer: LayerInfo; inputs: (Tensor | undefined)[] } {
  const names = operands.map((t, i) => (t ? `x${i}` : ''));
  const graphInputs = operands.flatMap((t, i) => (t && !('constant' in t) ? [{ name: `x${i}`, type: { dtype: t.dtype, shape: t.shape } }] : []));
  const initializers = new Map(operands.flatMap((t, i) => (t && 'constant' in t ? [[`x${i}`, t.constant] as const] : [])));
  const n = node({ name: `${op.toLowerCase()}0`, op, inputs: names, outputs: ['y'], attrs });
  const g = inferTypes(new Graph({ name: op, inputs: graphInputs, outputs: ['y'], nodes: [n], initializers }));
  return { layer: layerInfo(g, g.nodes[0]!), inputs: operands.map(valueOf) };
}
