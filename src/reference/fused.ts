import { Graph, type ValueInfo } from '../ir/graph.js';
import { inferTypes } from '../ir/infer.js';
import { FUSED_BASE, unfuse } from '../ir/ops/index.js';
import type { Tensor } from '../ir/tensor.js';
import { registerReference, runReference } from './executor.js';

/**
 * FusedConv, FusedGemm, FusedMatMul: the standard nodes they stand for (see unfuse), run by
 * their own reference kernels in a small graph: Conv or Gemm or MatMul, then the bias and
 * residual Adds, then the activation. The fused op rounds to f32 where the unfused graph does.
 */
registerReference(Object.keys(FUSED_BASE), (layer, inputs) => {
  const { nodes, constants } = unfuse(layer.node, (i) => layer.inputs[i]!.shape.length);
  const graphInputs = new Map<string, ValueInfo>();
  const feeds: Record<string, Tensor> = {};
  layer.node.inputs.forEach((name, i) => {
    const t = inputs[i];
    if (!name || !t) return;
    graphInputs.set(name, { name, type: layer.inputs[i]! });
    feeds[name] = t;
  });
  const y = layer.node.outputs[0]!;
  const g = inferTypes(new Graph({ name: layer.node.name, inputs: [...graphInputs.values()], outputs: [y], nodes, initializers: constants }));
  return [runReference(g, feeds)[y]!];
});
