/**
 * wgrt Graph -> ONNX ModelProto, with standard ops only (the IR's ops are ONNX ops in their
 * newest forms; quantized tensors are QuantizeLinear/DequantizeLinear pairs), so a graph can
 * be opened in Netron or run by onnxruntime; fused ops are written as the nodes they stand for
 * (Conv + Add + Relu for a FusedConv, one node per step for a PointwiseChain). Constant and
 * pass-through graph outputs get an Identity node (ONNX graphs produce their outputs with nodes).
 * A plugin's op (src/plugins) is written in its domain, so that importing the file with the
 * plugin registered gives the graph back.
 */
import { GraphError } from '../../errors.js';
import { toposort, type AttrValue, type Graph, type Node } from '../../ir/graph.js';
import { expandChain, FUSED_BASE, OPS, unfuse, type AttrKind } from '../../ir/ops/index.js';
import type { Tensor, TensorType } from '../../ir/tensor.js';
import { isDType } from '../../ir/dtype.js';
import { LAYOUT_ATTR } from '../../ir/layout.js';
import { onnx, onnxCodeOf } from './proto.js';
import { tensorToProto } from './tensor.js';
import { DTYPE_ATTRS } from './convert.js';

/** The default-domain opset exports declare: the IR's op forms are those of opset 21. */
export const EXPORT_OPSET = 21;

/** The version a plugin's domain is imported at: plugins define one version of their ops. */
export const PLUGIN_DOMAIN_VERSION = 1;

/** Views share memory in an engine; in ONNX they are the plain ops. */
const VIEW_AS: Readonly<Record<string, string>> = { ConcatView: 'Concat', SplitView: 'Split' };

export function exportOnnx(g: Graph, opts: { producer?: string } = {}): Uint8Array {
  const valueInfo = (name: string, t: TensorType) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: onnxCodeOf(t.dtype), shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } },
    });
  const { nodes: standard, constants } = unfuseAll(g);
  // Plugin ops (src/plugins) are written in their own domain, which the model then imports.
  const domains = new Set<string>();
  const nodes = standard.map((n) => {
    const attrs: Record<string, AttrValue> = { ...n.attrs };
    delete attrs[LAYOUT_ATTR]; // where wgrt's kernels keep the tensor, not what it is
    // The IR splits equally by output count; opset 18+ wants that said as num_outputs.
    if ((n.op === 'Split' || n.op === 'SplitView') && !n.inputs[1] && attrs['num_outputs'] === undefined) attrs['num_outputs'] = n.outputs.length;
    const domain = OPS.get(n.op)?.domain;
    if (domain) domains.add(domain);
    return onnx.NodeProto.create({
      name: n.name,
      opType: VIEW_AS[n.op] ?? n.op,
      ...(domain ? { domain } : {}),
      input: [...n.inputs],
      output: [...n.outputs],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(n.op, n.name, k, v)),
    });
  });
  const initializers = new Map([...g.initializers, ...constants]);
  const inputNames = new Set(g.inputs.map((i) => i.name));
  for (const o of g.outputs) {
    if (!initializers.has(o) && !inputNames.has(o)) continue;
    const src = `${o}__source`;
    if (initializers.has(o)) {
      initializers.set(src, initializers.get(o)!);
      initializers.delete(o);
    }
    nodes.push(onnx.NodeProto.create({ name: `${o}__identity`, opType: 'Identity', input: [initializers.has(src) ? src : o], output: [o] }));
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: opts.producer ?? 'wgrt',
    opsetImport: [{ domain: '', version: EXPORT_OPSET }, ...[...domains].sort().map((domain) => ({ domain, version: PLUGIN_DOMAIN_VERSION }))],
    graph: {
      name: g.name,
      node: nodes,
      input: g.inputs.map((i) => valueInfo(i.name, i.type)),
      output: g.outputs.map((o) => valueInfo(o, g.type(o))),
      initializer: [...initializers].map(([k, t]) => tensorToProto(t, k)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The nodes of `g` in an order ONNX accepts (producers first), each fused node (FusedConv,
 * FusedGemm, FusedMatMul) as the standard nodes it stands for.
 */
function unfuseAll(g: Graph): { nodes: Node[]; constants: Map<string, Tensor> } {
  const constants = new Map<string, Tensor>();
  const nodes = toposort(g).flatMap((n) => {
    if (!FUSED_BASE[n.op] && n.op !== 'PointwiseChain') return [n];
    const u = n.op === 'PointwiseChain' ? expandChain(n) : unfuse(n, (i) => g.type(n.inputs[i]!).shape.length);
    u.constants.forEach((t, k) => constants.set(k, t));
    return u.nodes;
  });
  return { nodes, constants };
}

function attribute(op: string, node: string, name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  const kind: AttrKind | undefined = OPS.get(op)?.attrs[name]?.kind;
  if (DTYPE_ATTRS[op] === name && typeof v === 'string' && isDType(v)) return { name, type: T.INT, i: onnxCodeOf(v) };
  switch (kind) {
    case 'int': return { name, type: T.INT, i: v as number };
    case 'float': return { name, type: T.FLOAT, f: v as number };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(v as string) };
    case 'ints': return { name, type: T.INTS, ints: [...(v as number[])] };
    case 'floats': return { name, type: T.FLOATS, floats: [...(v as number[])] };
    case 'strings': return { name, type: T.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    case 'tensor': return { name, type: T.TENSOR, t: tensorToProto(v as Tensor, name) };
    default: throw new GraphError(`node '${node}' (${op}): attribute '${name}' has no ONNX form`);
  }
}
