/**
 * The printer: Graph -> text DSL, in the generic form (dsl-grammar/README.md, "The printer").
 * `parseNetwork(printGraph(g))` gives back g: the same inputs, outputs, node names, ops and
 * attributes, tensor names and initializer bytes (so the same structuralHash and outputs).
 * What the text has no place for is not printed: nodes' `origin` (the parser gives each node
 * its own name) and inferred `types` beyond the inputs' (run inferTypes again).
 *
 *   network NAME {
 *     input x: f32[1x3x8x8]
 *     weight w: f32[4] = values [0.5, 1, 2, -3]          (at most 16 elements, when exact)
 *     weight b: f32[64] = data "<base64, little-endian>"  (anything else)
 *     y, _ = Op(x, w, _) { attr: value } as "node name"   (every node, in topological order)
 *     output y
 *   }
 *
 * Deterministic: the same graph prints the same text, byte for byte.
 */
import { GraphError } from '../../errors.js';
import { DTYPES, type DType, type TypedArray } from '../../ir/dtype.js';
import { toposort, type AttrValue, type Graph, type Node } from '../../ir/graph.js';
import { fromNumbers, getNumber, type Shape, type Tensor } from '../../ir/tensor.js';

/** Tensors of at most this many elements print as `values [...]` (when that is exact). */
export const MAX_VALUES_ELEMENTS = 16;

/** dsl-grammar/wgrt.ohm's `ident`: a dot never follows a dot (`a..b` is a range). */
const IDENTIFIER = /^[A-Za-z_](?:[A-Za-z0-9_]|\.(?!\.))*$/;

/**
 * Words that read as something else where a name stands: the language's keywords, dtype names,
 * `_` (an absent input or output), the number words `inf` / `nan` and the booleans `true` / `false`. Names equal to one are quoted.
 */
export const RESERVED: ReadonlySet<string> = new Set([
  'network', 'block', 'input', 'output', 'weight', 'repeat', 'return', 'in', 'as', 'seed', 'data',
  'values', 'file', 'name', 'tensor', ...DTYPES, '_', 'inf', 'nan', 'true', 'false',
]);

/** A tensor, node or graph name: bare when it is an identifier and no keyword, else a JSON string. */
export function printName(name: string): string {
  return IDENTIFIER.test(name) && !RESERVED.has(name) ? name : JSON.stringify(name);
}

/**
 * A number that reads back as the same float64: the shortest round-trip form (JS `String`), with
 * `-0` kept, and `inf`, `-inf`, `nan` for the non-finite values.
 */
export function printNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** `f32[1x3x8x8]`; a scalar is `f32[]`. */
export function printType(dtype: DType, shape: Shape): string {
  return `${dtype}[${shape.join('x')}]`;
}

/** The raw bytes of a tensor's data (little-endian, as typed arrays hold it on every platform wgrt runs on). */
export function tensorBytes(t: Tensor): Uint8Array {
  return bytesOf(t.data);
}

function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `values [...]` for a small tensor whose elements, read back as numbers, give the same bytes
 * (not so for NaN payloads, i64 beyond 2^53, a bool byte other than 0/1); `data "base64"` otherwise.
 * Each element is the shortest decimal that gives back its bytes in the tensor's dtype
 * (`0.1` for the f32 nearest 0.1, not `0.10000000149011612`).
 */
export function printTensorData(t: Tensor): string {
  const n = t.data.length;
  if (n <= MAX_VALUES_ELEMENTS) {
    const values = Array.from({ length: n }, (_, i) => shortestFor(t, i));
    if (sameBytes(bytesOf(fromNumbers(t.dtype, values)), tensorBytes(t))) {
      return `values [${values.map(printNumber).join(', ')}]`;
    }
  }
  return `data ${JSON.stringify(toBase64(tensorBytes(t)))}`;
}

/** The number with the fewest significant digits that stores as element i of t does. */
function shortestFor(t: Tensor, i: number): number {
  const v = getNumber(t.data, t.dtype, i);
  if (v === 0 || !Number.isFinite(v)) return v;
  const size = t.data.BYTES_PER_ELEMENT;
  const want = tensorBytes(t).subarray(i * size, (i + 1) * size);
  for (let p = 1; p < 17; p++) {
    const c = Number(v.toPrecision(p));
    if (sameBytes(bytesOf(fromNumbers(t.dtype, [c])), want)) return c;
  }
  return v;
}

function isTensor(v: AttrValue): v is Tensor {
  return typeof v === 'object' && !Array.isArray(v) && 'dtype' in v;
}

export function printAttrValue(v: AttrValue): string {
  if (typeof v === 'number') return printNumber(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (isTensor(v)) return `tensor ${printType(v.dtype, v.shape)} ${printTensorData(v)}`;
  return `[${(v as readonly (number | string)[]).map((x) => (typeof x === 'number' ? printNumber(x) : JSON.stringify(x))).join(', ')}]`;
}

function printTensorRef(t: string): string {
  return t === '' ? '_' : printName(t);
}

function printNode(n: Node): string {
  if (!IDENTIFIER.test(n.op)) {
    throw new GraphError(`node '${n.name}' has op '${n.op}', which is not an identifier and cannot be written in the text DSL`);
  }
  if (n.outputs.length === 0) {
    throw new GraphError(`node '${n.name}' (${n.op}) has no outputs, which the text DSL cannot write; remove the node first`);
  }
  const keys = Object.keys(n.attrs);
  const attrs = keys.length === 0 ? '' : ` { ${keys.map((k) => `${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${printAttrValue(n.attrs[k]!)}`).join(', ')} }`;
  return `${n.outputs.map(printTensorRef).join(', ')} = ${n.op}(${n.inputs.map(printTensorRef).join(', ')})${attrs} as ${JSON.stringify(n.name)}`;
}

/** The graph as a text-DSL `network`, in the generic form; nodes in topological order. */
export function printGraph(g: Graph): string {
  const lines = [`network ${printName(g.name)} {`];
  for (const i of g.inputs) lines.push(`  input ${printName(i.name)}: ${printType(i.type.dtype, i.type.shape)}`);
  for (const [name, t] of g.initializers) lines.push(`  weight ${printName(name)}: ${printType(t.dtype, t.shape)} = ${printTensorData(t)}`);
  for (const n of toposort(g)) lines.push(`  ${printNode(n)}`);
  for (const o of g.outputs) lines.push(`  output ${printName(o)}`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
