/** Small ONNX models written with onnx-proto for import tests. */
import { onnx, type AttributeProto, type TensorProto, type ValueInfoProto } from '../../../src/frontend/onnx/proto.js';

type Dim = number | string;
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, number | string | number[] | { floats: number[] } | { tensor: TensorProto } | { float: number }>;
}

export function valueInfo(name: string, elemType: number, dims: Dim[] | undefined): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } },
  };
}

function attribute(name: string, v: NonNullable<NodeSpec['attrs']>[string]): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.TENSOR, t: v.tensor };
}

export function model(spec: {
  opset?: number;
  /** Imports of other domains (e.g. a plugin's), besides the default domain at `opset`. */
  domains?: { domain: string; version: number }[];
  nodes: NodeSpec[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  initializers?: TensorProto[];
}): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }, ...(spec.domains ?? [])],
    graph: {
      name: 'test',
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `n${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers ?? [],
    },
  }).finish();
}

export const FLOAT = 1;
export const INT64 = 7;

/** A float32 TensorProto with raw_data. */
export function floats(name: string, dims: number[], values: number[]): TensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(new Float32Array(values).buffer) };
}
