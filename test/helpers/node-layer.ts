import { Graph, node, type Attrs } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { layerInfo, type LayerInfo } from '../../src/ir/layer.js';
import type { Tensor } from '../../src/ir/tensor.js';

/**
 * The LayerInfo of one named node `op` over the given input values (undefined = absent optional
 * input; trailing ones are dropped), built as a tiny typed graph. Inputs listed in `constants`
 * become initializers. Shape errors surface here, from inferTypes, naming `name`.
 */
export function nodeLayer(op: string, inputs: readonly (Tensor | undefined)[], opts: { attrs?: Attrs; constants?: readonly number[]; name?: string } = {}): LayerInfo {
  let last = inputs.length;
  while (last > 0 && inputs[last - 1] === undefined) last--;
  const names = inputs.slice(0, last).map((t, i) => (t ? `in${i}` : ''));
  const initializers = new Map<string, Tensor>();
  const graphInputs = [];
  for (let i = 0; i < last; i++) {
    const t = inputs[i];
    if (!t) continue;
    if (opts.constants?.includes(i)) initializers.set(`in${i}`, t);
    else graphInputs.push({ name: `in${i}`, type: { dtype: t.dtype, shape: t.shape } });
  }
  const n = node({ name: opts.name ?? `${op.toLowerCase()}0`, op, inputs: names, outputs: ['out'], attrs: opts.attrs ?? {} });
  const g = inferTypes(new Graph({ name: op, inputs: graphInputs, outputs: ['out'], nodes: [n], initializers }));
  return layerInfo(g, n);
}
