/**
 * ONNX ModelProto -> wgrt Graph. One pass over the nodes in dependency order: each node is
 * converted to IR nodes (convert.ts), each IR node typed at once, and any node whose inputs are
 * all constants is evaluated on the reference executor and becomes a constant (static shapes
 * make Shape, Size and the shape arithmetic of exported models constants). Everything the
 * model needs that wgrt lacks is reported at once, before any conversion (CoverageError).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { CoverageError, GraphError, ModelFormatError, WgrtError, type CoverageGap } from '../../errors.js';
import { Graph, node, toposort, type AttrValue, type Node, type ValueInfo } from '../../ir/graph.js';
import { inferNode } from '../../ir/infer.js';
import { layerInfo } from '../../ir/layer.js';
import { shapeToString, sizeOf, tensor, type Shape, type Tensor, type TensorType } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { runReferenceLayer } from '../../reference/index.js';
import { CONVERTERS, pluginOpOf, unsupportedReason, type ConvertContext, type OnnxNode } from './convert.js';
import { checkDims, decodeModel, dtypeOf, int, MAX_CONSTANT_ELEMENTS, MAX_NODES, onnx, onnxTypeName, type AttributeProto, type GraphProto, type Int64, type ModelProto, type ValueInfoProto } from './proto.js';
import { tensorFromProto } from './tensor.js';

export interface OnnxImportOptions {
  /** Concrete shapes for inputs with symbolic or unknown dims (e.g. `{ input: [8, 3, 224, 224] }`). */
  readonly shapes?: Readonly<Record<string, readonly number[]>>;
  /** Values for graph inputs that should be constants of the engine (e.g. a shape tensor). */
  readonly constants?: Readonly<Record<string, Tensor>>;
  /** The model's folder, for external data (set by loadOnnx). */
  readonly baseDir?: string;
  /** The name errors give the model (default: the graph name). */
  readonly source?: string;
}

/** Reads and imports an .onnx file; its folder is where external data may live. */
export function loadOnnx(path: string, opts: OnnxImportOptions = {}): Graph {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ModelFormatError(`cannot read '${path}': ${(e as Error).message}`);
  }
  return importOnnx(bytes, { baseDir: dirname(path), source: basename(path), ...opts });
}

/** Imports a serialized ONNX model (or a decoded ModelProto). */
export function importOnnx(model: Uint8Array | ModelProto, opts: OnnxImportOptions = {}): Graph {
  const what = opts.source ?? 'the ONNX model';
  const m = model instanceof Uint8Array ? decodeModel(model, what) : model;
  const g = m.graph;
  if (!g) throw new ModelFormatError(`${what} has no graph`);
  const opset = defaultOpset(m);
  const nodes = readNodes(g, what);
  const gaps = gapsOf(g, nodes, opset);
  if (gaps.length > 0) throw new CoverageError(gaps, what);

  const consts = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (!name) throw new ModelFormatError(`${what}: an initializer has no name`);
    if (consts.has(name)) throw new GraphError(`${what}: initializer '${name}' is defined twice`);
    consts.set(name, tensorFromProto(t, `initializer '${name}'`, opts));
  }
  for (const [name, v] of Object.entries(opts.constants ?? {})) consts.set(name, v);
  const inputs = readInputs(g, consts, opts, what);

  // Order the ONNX nodes (cycles and dangling inputs are errors naming the node).
  const order = toposort(
    new Graph({ name: 'onnx', inputs, outputs: [], initializers: consts, nodes: nodes.map((n) => node({ name: n.name, op: n.op, inputs: n.inputs, outputs: n.outputs })) }),
  );
  const byName = new Map(nodes.map((n) => [n.name, n]));

  const types = new Map<string, TensorType>();
  for (const i of inputs) types.set(i.name, i.type);
  for (const [k, t] of consts) types.set(k, { dtype: t.dtype, shape: t.shape });
  const emitted: Node[] = [];
  const taken = new Set<string>([...types.keys(), ...nodes.flatMap((n) => n.outputs), ...nodes.map((n) => n.name)]);
  const typing = new Graph({ name: 'typing', inputs, outputs: [], nodes: [], initializers: consts });
  const fresh = (hint: string) => {
    let name = hint;
    for (let k = 1; taken.has(name); k++) name = `${hint}_${k}`;
    taken.add(name);
    return name;
  };

  for (const o of order) {
    const n = byName.get(o.name)!;
    let part = 0;
    const cx: ConvertContext = {
      opset,
      emit(op, ins, outs, attrs = {}) {
        const name = part++ === 0 ? n.name : fresh(`${n.name}/${op}`);
        const ir = node({ name, op, inputs: ins, outputs: outs, attrs, origin: [n.name] });
        const out = inferNode(typing, ir, types);
        // Inputs all constant, or empty (whose values cannot matter): the result is a constant.
        if (ir.inputs.every((i) => !i || consts.has(i) || isEmpty(i))) fold(ir, out);
        else emitted.push(ir);
      },
      define(name, value) {
        consts.set(name, value);
        types.set(name, { dtype: value.dtype, shape: value.shape });
      },
      constant(value, hint) {
        const name = fresh(hint);
        this.define(name, value);
        return name;
      },
      fresh,
      value: (name) => consts.get(name),
      type(name) {
        const t = types.get(name);
        if (!t) throw new GraphError(`node '${n.name}' (${n.op}) reads '${name}', which has no known type`);
        return t;
      },
    };
    try {
      // Converters rewrite default-domain ops; a plugin's node imports as it is.
      const convert = pluginOpOf(n.domain, n.op) ? undefined : CONVERTERS[n.op];
      if (convert) convert(n, cx);
      else cx.emit(n.op, n.inputs, n.outputs, n.attrs);
    } catch (e) {
      if (e instanceof WgrtError) throw e;
      // A converter met a malformed node (a missing attribute or input, a wrong attribute kind).
      throw new GraphError(`node '${n.name}' (${n.op}) is malformed: ${(e as Error).message}`);
    }
  }

  function isEmpty(t: string): boolean {
    const ty = types.get(t);
    return ty !== undefined && sizeOf(ty.shape) === 0;
  }

  function fold(ir: Node, out: readonly TensorType[]): void {
    for (const t of out) {
      if (t && sizeOf(t.shape) > MAX_CONSTANT_ELEMENTS) {
        throw new ModelFormatError(`node '${ir.name}' (${ir.op}) would fold to a constant of ${sizeOf(t.shape)} elements [${t.shape.join(', ')}]; the limit is ${MAX_CONSTANT_ELEMENTS}`);
      }
    }
    const g1 = new Graph({ name: 'fold', inputs: [], outputs: [], nodes: [ir], initializers: consts, types });
    const value = (i: string) => consts.get(i) ?? tensor(types.get(i)!.dtype, types.get(i)!.shape);
    const values = runReferenceLayer(layerInfo(g1, ir), ir.inputs.map((i) => (i ? value(i) : undefined)));
    ir.outputs.forEach((o, i) => {
      if (o) {
        consts.set(o, values[i]!);
        types.set(o, out[i]!);
      }
    });
  }

  const outputs = (g.output ?? []).map((o) => o.name ?? '');
  for (const o of outputs) if (!types.has(o)) throw new GraphError(`${what}: graph output '${o}' is not produced by any node`);
  const used = new Set([...emitted.flatMap((n) => n.inputs), ...outputs]);
  const initializers = new Map([...consts].filter(([k]) => used.has(k)));
  return verify(new Graph({ name: g.name || 'onnx-model', inputs, outputs, nodes: emitted, initializers }));
}

function defaultOpset(m: ModelProto): number {
  const imports = m.opsetImport ?? [];
  const d = imports.find((o) => !o.domain || o.domain === 'ai.onnx');
  return d ? int(d.version as Int64, 'opset_import version') : 1;
}

function readNodes(g: GraphProto, what: string): OnnxNode[] {
  const list = g.node ?? [];
  if (list.length > MAX_NODES) throw new ModelFormatError(`${what} has ${list.length} nodes; the limit is ${MAX_NODES}`);
  const names = new Set<string>();
  const written = new Set<string>();
  return list.map((n, i) => {
    const op = n.opType ?? '';
    let name = n.name || `${op || 'node'}_${i}`;
    while (names.has(name)) name = `${name}_${i}`;
    names.add(name);
    const outputs = [...(n.output ?? [])];
    for (const o of outputs) {
      if (!o) continue;
      if (written.has(o)) throw new GraphError(`${what}: node '${name}' (${op}) writes '${o}', which another node already writes`);
      written.add(o);
    }
    return { name, op, domain: n.domain ?? '', inputs: [...(n.input ?? [])], outputs, attrs: readAttrs(n.attribute ?? [], `node '${name}' (${op})`) };
  });
}

function readAttrs(list: readonly AttributeProto[], where: string): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  const T = onnx.AttributeProto.AttributeType;
  const text = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? new Uint8Array());
  for (const a of list) {
    const name = a.name ?? '';
    const what = `${where} attribute '${name}'`;
    switch (a.type) {
      case T.INT: out[name] = int(a.i as Int64, what); break;
      case T.FLOAT: out[name] = a.f ?? 0; break;
      case T.STRING: out[name] = text(a.s); break;
      case T.INTS: out[name] = (a.ints ?? []).map((v, k) => int(v as Int64, `${what}[${k}]`)); break;
      case T.FLOATS: out[name] = [...(a.floats ?? [])]; break;
      case T.STRINGS: out[name] = (a.strings ?? []).map(text); break;
      case T.TENSOR:
        if (!a.t) throw new ModelFormatError(`${what} is a tensor attribute without a tensor`);
        out[name] = tensorFromProto(a.t, what);
        break;
      default:
        // graphs, sparse tensors, type protos: reported by coverage()
        (out as Record<string, unknown>)[name] = null;
    }
  }
  return out;
}

/** The graph inputs that are not initializers, with concrete shapes. */
function readInputs(g: GraphProto, consts: ReadonlyMap<string, Tensor>, opts: OnnxImportOptions, what: string): ValueInfo[] {
  const out: ValueInfo[] = [];
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (consts.has(name)) continue;
    const declared = declaredType(vi, `${what}: input '${name}'`);
    const given = opts.shapes?.[name];
    let shape: Shape;
    if (given) {
      if (declared.dims.length > 0 && (given.length !== declared.dims.length || declared.dims.some((d, i) => typeof d === 'number' && d !== given[i]))) {
        throw new GraphError(`${what}: shape ${shapeToString(given)} given for input '${name}' does not fit its declared dims [${declared.dims.join(', ')}]`);
      }
      checkDims(given, `input '${name}'`);
      shape = [...given];
    } else {
      const symbolic = declared.dims.filter((d) => typeof d !== 'number');
      if (symbolic.length > 0 || declared.unknownRank) {
        throw new GraphError(
          `${what}: input '${name}' has ${declared.unknownRank ? 'no declared shape' : `symbolic dims [${declared.dims.join(', ')}]`}; give a concrete shape, e.g. { shapes: { '${name}': [...] } } or --shapes ${name}:1x3x224x224`,
        );
      }
      shape = declared.dims as number[];
      checkDims(shape, `input '${name}'`);
    }
    out.push({ name, type: { dtype: declared.dtype, shape } });
  }
  return out;
}

function declaredType(vi: ValueInfoProto, what: string) {
  const tt = vi.type?.tensorType;
  if (!tt) throw new ModelFormatError(`${what} is not a tensor (sequences, maps and optionals are not supported)`);
  const code = tt.elemType ?? 0;
  const dtype = dtypeOf(code);
  if (!dtype) throw new CoverageError([{ node: what, op: '(input)', domain: '', opset: 0, reason: `element type ${onnxTypeName(code)} is not supported` }], what);
  // `value` names the member of the dim's oneof that is set (protobufjs).
  const dims = (tt.shape?.dim ?? []).map((d, i) => ((d as { value?: string }).value === 'dimValue' ? int(d.dimValue as Int64, `${what} dim ${i}`) : d.dimParam || '?'));
  return { dtype, dims, unknownRank: !tt.shape };
}

/**
 * Every node wgrt cannot import, with the reason: unknown ops and domains, opsets out of range,
 * graph attributes, unsupported element types of inputs, outputs, initializers and Cast targets.
 */
export function coverage(model: Uint8Array | ModelProto, source = 'the ONNX model'): CoverageGap[] {
  const m = model instanceof Uint8Array ? decodeModel(model, source) : model;
  const g = m.graph;
  if (!g) throw new ModelFormatError(`${source} has no graph`);
  return gapsOf(g, readNodes(g, source), defaultOpset(m));
}

function gapsOf(g: GraphProto, nodes: readonly OnnxNode[], opset: number): CoverageGap[] {
  const gaps: CoverageGap[] = [];
  const typeGap = (kind: string, name: string, code: number | null | undefined) => {
    if (code && !dtypeOf(code)) gaps.push({ node: `${kind} '${name}'`, op: `(${kind})`, domain: '', opset, reason: `element type ${onnxTypeName(code)} is not supported` });
  };
  for (const t of g.initializer ?? []) typeGap('initializer', t.name ?? '', t.dataType);
  for (const v of [...(g.input ?? []), ...(g.output ?? [])]) typeGap('value', v.name ?? '', v.type?.tensorType?.elemType);
  for (const n of nodes) {
    const reason = unsupportedReason(n, n.domain && n.domain !== 'ai.onnx' ? 0 : opset);
    if (reason) gaps.push({ node: n.name, op: n.op, domain: n.domain, opset, reason });
  }
  return gaps;
}
