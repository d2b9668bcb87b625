import { EngineFormatError } from '../errors.js';
import { BYTES_PER_ELEMENT, isDType, type DType } from '../ir/dtype.js';
import { Graph, node, type AttrValue, type Node } from '../ir/graph.js';
import { sizeOf, tensor, type Tensor } from '../ir/tensor.js';
import { alignUp, WEIGHT_ALIGN } from './format.js';

/** Limits against hostile files, checked before anything is allocated. */
export const MAX_ELEMENTS = 2 ** 31;
const MAX_RANK = 16;

interface WeightRecord {
  name: string;
  dtype: DType;
  shape: number[];
  offset: number;
  bytes: number;
}

type AttrJson = AttrValue | { tensor: WeightRecord };

export interface NodeJson {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrJson>;
  origin: string[];
}

/** The graph part of a manifest plus the weight blob it points into. */
export interface GraphJson {
  name: string;
  inputs: { name: string; dtype: DType; shape: number[] }[];
  outputs: string[];
  nodes: NodeJson[];
  weights: WeightRecord[];
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'data' in v;
}

/** Graph -> JSON + blob (weights 64-byte aligned, in initializer order; tensor attributes after). */
export function encodeGraph(g: Graph): { json: GraphJson; blob: Uint8Array } {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const put = (name: string, t: Tensor): WeightRecord => {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const rec = { name, dtype: t.dtype, shape: [...t.shape], offset, bytes: bytes.length };
    const padded = alignUp(bytes.length, WEIGHT_ALIGN);
    const chunk = new Uint8Array(padded);
    chunk.set(bytes);
    parts.push(chunk);
    offset += padded;
    return rec;
  };
  const weights = [...g.initializers].map(([name, t]) => put(name, t));
  const nodes = g.nodes.map((n) => ({
    name: n.name,
    op: n.op,
    inputs: [...n.inputs],
    outputs: [...n.outputs],
    attrs: Object.fromEntries(Object.entries(n.attrs).map(([k, v]) => [k, isTensor(v) ? { tensor: put(`${n.name}.${k}`, v) } : v])),
    origin: [...n.origin],
  }));
  const blob = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    blob.set(p, at);
    at += p.length;
  }
  return {
    json: {
      name: g.name,
      inputs: g.inputs.map((i) => ({ name: i.name, dtype: i.type.dtype, shape: [...i.type.shape] })),
      outputs: [...g.outputs],
      nodes,
      weights,
    },
    blob,
  };
}

// ---- decoding with validation: every malformed field is an EngineFormatError naming it -------

function bad(where: string, what: string): EngineFormatError {
  return new EngineFormatError(`engine file: ${where} ${what}; the file is corrupt or from another tool — rebuild it with \`wgrt build\``);
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(where, 'must be an object');
  return v as Record<string, unknown>;
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw bad(where, 'must be a string');
  return v;
}

function arr(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw bad(where, 'must be a list');
  return v;
}

function strs(v: unknown, where: string): string[] {
  return arr(v, where).map((x, i) => str(x, `${where}[${i}]`));
}

function uint(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(where, 'must be a non-negative integer');
  return v;
}

function shapeOf(v: unknown, where: string): number[] {
  const s = arr(v, where).map((d, i) => uint(d, `${where}[${i}]`));
  if (s.length > MAX_RANK) throw bad(where, `has rank ${s.length} (at most ${MAX_RANK})`);
  if (s.reduce((a, b) => a * b, 1) > MAX_ELEMENTS) throw bad(where, `has more than ${MAX_ELEMENTS} elements`);
  return s;
}

function dtypeOf(v: unknown, where: string): DType {
  if (!isDType(v)) throw bad(where, `is not a dtype (${JSON.stringify(v)})`);
  return v;
}

function weightOf(v: unknown, where: string, blob: Uint8Array): { name: string; t: Tensor } {
  const o = obj(v, where);
  const name = str(o['name'], `${where}.name`);
  const dtype = dtypeOf(o['dtype'], `${where}.dtype`);
  const shape = shapeOf(o['shape'], `${where}.shape`);
  const offset = uint(o['offset'], `${where}.offset`);
  const bytes = uint(o['bytes'], `${where}.bytes`);
  if (bytes !== sizeOf(shape) * BYTES_PER_ELEMENT[dtype]) throw bad(`${where} ('${name}')`, `holds ${bytes} bytes, its shape needs ${sizeOf(shape) * BYTES_PER_ELEMENT[dtype]}`);
  if (offset % WEIGHT_ALIGN !== 0 || offset + bytes > blob.length) throw bad(`${where} ('${name}')`, `lies outside the weight blob (offset ${offset}, ${bytes} bytes, blob ${blob.length})`);
  // Copy into its own aligned buffer: typed arrays need alignment and must not alias the file.
  const data = blob.slice(offset, offset + bytes);
  const ctor = { f32: Float32Array, f16: Uint16Array, i8: Int8Array, u8: Uint8Array, i32: Int32Array, i64: BigInt64Array, bool: Uint8Array }[dtype];
  return { name, t: tensor(dtype, shape, new ctor(data.buffer) as never) };
}

function attrOf(v: unknown, where: string, blob: Uint8Array): AttrValue {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number') || v.every((x) => typeof x === 'string')) return v as AttrValue;
    throw bad(where, 'must be a list of numbers or of strings');
  }
  const o = obj(v, where);
  return weightOf(o['tensor'], `${where}.tensor`, blob).t;
}

function nodeOf(v: unknown, where: string, blob: Uint8Array): Node {
  const o = obj(v, where);
  const attrs = obj(o['attrs'], `${where}.attrs`);
  return node({
    name: str(o['name'], `${where}.name`),
    op: str(o['op'], `${where}.op`),
    inputs: strs(o['inputs'], `${where}.inputs`),
    outputs: strs(o['outputs'], `${where}.outputs`),
    attrs: Object.fromEntries(Object.entries(attrs).map(([k, a]) => [k, attrOf(a, `${where}.attrs.${k}`, blob)])),
    origin: strs(o['origin'], `${where}.origin`),
  });
}

/** JSON + blob -> Graph (untyped: the caller runs verify). */
export function decodeGraph(v: unknown, blob: Uint8Array): Graph {
  const o = obj(v, 'manifest.graph');
  const inputs = arr(o['inputs'], 'manifest.graph.inputs').map((x, i) => {
    const w = `manifest.graph.inputs[${i}]`;
    const io = obj(x, w);
    return { name: str(io['name'], `${w}.name`), type: { dtype: dtypeOf(io['dtype'], `${w}.dtype`), shape: shapeOf(io['shape'], `${w}.shape`) } };
  });
  const initializers = new Map<string, Tensor>();
  arr(o['weights'], 'manifest.graph.weights').forEach((x, i) => {
    const { name, t } = weightOf(x, `manifest.graph.weights[${i}]`, blob);
    if (initializers.has(name)) throw bad(`manifest.graph.weights[${i}]`, `repeats the name '${name}'`);
    initializers.set(name, t);
  });
  return new Graph({
    name: str(o['name'], 'manifest.graph.name'),
    inputs,
    outputs: strs(o['outputs'], 'manifest.graph.outputs'),
    nodes: arr(o['nodes'], 'manifest.graph.nodes').map((x, i) => nodeOf(x, `manifest.graph.nodes[${i}]`, blob)),
    initializers,
  });
}

export const manifestCheck = { obj, str, arr, strs, uint, bad };
