// The printer alone (src/frontend/text/print.ts): golden text for a small hand-built graph, and
// the two exactness promises the round trip rests on, numbers and base64 bytes. The round trip
// through the parser is in roundtrip.test.ts.
import { describe, expect, it } from 'vitest';
import { printAttrValue, printGraph, printName, printNumber, printTensorData, printType, tensorBytes, toBase64 } from '../../../src/frontend/text/print.js';
import { DTYPES, allocate, type DType } from '../../../src/ir/dtype.js';
import { Graph, node, type Node } from '../../../src/ir/graph.js';
import { tensor, type Tensor } from '../../../src/ir/tensor.js';
import { rng } from '../../helpers/data.js';

/** Every kind of statement and value the printer writes. */
export function goldenGraph(): Graph {
  const initializers = new Map<string, Tensor>([
    ['small.w', tensor('f32', [2, 2], [0.5, -0.25, 1e-7, -0])],
    ['big', tensor('f32', [17], Array.from({ length: 17 }, (_, i) => i / 4))],
    ['data', tensor('i64', [3], [1, -2, 9007199254740991])], // a keyword as a name
    ['huge', tensor('i64', [1], new BigInt64Array([2n ** 62n + 1n]))], // beyond 2^53: data
    ['mask', tensor('bool', [2], [1, 0])],
    ['scalar', tensor('f32', [], [Math.PI])],
  ]);
  const nodes: Node[] = [
    node({ name: '/conv1/Conv', op: 'Conv', inputs: ['image/0', 'small.w', ''], outputs: ['c1'], attrs: { kernel_shape: [1, 1], pads: [0, 0, 0, 0] } }),
    node({
      name: 'all_attrs',
      op: 'Custom',
      inputs: ['c1', 'big'],
      outputs: ['in'],
      attrs: {
        int: 3,
        float: 0.1,
        neg: -1.5e-7,
        inf: -Infinity,
        str: 'a "quoted"\nline',
        ints: [1, -2, 3],
        floats: [0.5, Infinity, Number.NaN],
        strs: ['x', 'y z'],
        empty: [],
        small: tensor('i32', [3], [1, 2, 3]),
        big: tensor('f32', [2, 10], Array.from({ length: 20 }, (_, i) => i)),
        'odd key': 1,
      },
    }),
    node({ name: 'split', op: 'Split', inputs: ['in'], outputs: ['a', '', 'b.2'], attrs: { axis: 1 } }),
    node({ name: 'relu', op: 'Relu', inputs: ['a'], outputs: ['output'] }),
  ];
  return new Graph({
    name: 'golden-1',
    inputs: [
      { name: 'x', type: { dtype: 'f32', shape: [1, 2, 4, 4] } },
      { name: 'image/0', type: { dtype: 'f32', shape: [1, 2, 4, 4] } },
      { name: 'flag', type: { dtype: 'bool', shape: [] } },
    ],
    outputs: ['output', 'b.2', 'x'],
    nodes,
    initializers,
  });
}

const GOLDEN = `network "golden-1" {
  input x: f32[1x2x4x4]
  input "image/0": f32[1x2x4x4]
  input flag: bool[]
  weight small.w: f32[2x2] = values [0.5, -0.25, 1e-7, -0]
  weight big: f32[17] = data "AAAAAAAAgD4AAAA/AABAPwAAgD8AAKA/AADAPwAA4D8AAABAAAAQQAAAIEAAADBAAABAQAAAUEAAAGBAAABwQAAAgEA="
  weight "data": i64[3] = values [1, -2, 9007199254740991]
  weight huge: i64[1] = data "AQAAAAAAAEA="
  weight mask: bool[2] = values [1, 0]
  weight scalar: f32[] = values [3.1415927]
  c1 = Conv("image/0", small.w, _) { kernel_shape: [1, 1], pads: [0, 0, 0, 0] } as "/conv1/Conv"
  "in" = Custom(c1, big) { int: 3, float: 0.1, neg: -1.5e-7, inf: -inf, str: "a \\"quoted\\"\\nline", ints: [1, -2, 3], floats: [0.5, inf, nan], strs: ["x", "y z"], empty: [], small: tensor i32[3] values [1, 2, 3], big: tensor f32[2x10] data "AAAAAAAAgD8AAABAAABAQAAAgEAAAKBAAADAQAAA4EAAAABBAAAQQQAAIEEAADBBAABAQQAAUEEAAGBBAABwQQAAgEEAAIhBAACQQQAAmEE=", "odd key": 1 } as "all_attrs"
  a, _, b.2 = Split("in") { axis: 1 } as "split"
  "output" = Relu(a) as "relu"
  output "output"
  output b.2
  output x
}
`;

const bytes = (t: Tensor) => Array.from(tensorBytes(t));

/** A float64 from 64 random bits (every kind: normal, subnormal, huge, tiny, NaN, inf). */
function randomDouble(r: () => number): number {
  const b = new Uint32Array(2);
  b[0] = Math.floor(r() * 2 ** 32);
  b[1] = Math.floor(r() * 2 ** 32);
  return new Float64Array(b.buffer)[0]!;
}

/** What the grammar's number rule reads (JSON-like, `inf`, `nan`, a leading '-' as negation). */
function readNumber(text: string): number {
  const neg = text.startsWith('-');
  const body = neg ? text.slice(1) : text;
  expect(body).toMatch(/^(\d+(\.\d+)?([eE][+-]?\d+)?|inf|nan)$/);
  const v = body === 'inf' ? Infinity : body === 'nan' ? NaN : Number(body);
  return neg ? -v : v;
}

describe('printGraph', () => {
  it('writes the generic form: inputs, weights (values or data), nodes with every attribute, outputs', () => {
    expect(printGraph(goldenGraph())).toBe(GOLDEN);
  });

  it('is deterministic and prints nodes in topological order', () => {
    const g = goldenGraph();
    const shuffled = g.with({ nodes: [...g.nodes].reverse() });
    expect(printGraph(shuffled)).toBe(printGraph(g));
    expect(printGraph(goldenGraph())).toBe(printGraph(g));
  });

  it('quotes names that are not identifiers or that are keywords, dtypes, `_`, inf, nan, true, false', () => {
    for (const n of ['x', 'conv1.weight', '_x', 'A_1.b', 'input_1', 'f32x', 'datax']) expect(printName(n)).toBe(n);
    for (const n of ['network', 'block', 'input', 'output', 'weight', 'repeat', 'return', 'in', 'as', 'seed', 'data', 'values', 'file', 'name', 'tensor', ...DTYPES, '_', 'inf', 'nan', 'true', 'false']) {
      expect(printName(n)).toBe(`"${n}"`);
    }
    for (const n of ['', '1x', '/conv1/Conv_output_0', 'a..b', 'a-b', 'a b', 'é', 'q"uote', 'back\\slash', 'tab\t', 'nl\n', '\u0001']) {
      const p = printName(n);
      expect(p.startsWith('"')).toBe(true);
      expect(JSON.parse(p)).toBe(n);
      expect(p).not.toMatch(/[\n\u0000-\u001f]/); // one line, whatever the name holds
    }
  });

  it('writes types with x-joined dims, [] for scalars', () => {
    expect(printType('f32', [1, 3, 224, 224])).toBe('f32[1x3x224x224]');
    expect(printType('i64', [])).toBe('i64[]');
    expect(printType('u8', [0])).toBe('u8[0]');
  });

  it('writes an absent output or input as _ and omits empty attribute braces', () => {
    const text = printGraph(goldenGraph());
    expect(text).toContain('a, _, b.2 = Split("in") { axis: 1 } as "split"');
    expect(text).toContain('c1 = Conv("image/0", small.w, _) {');
    expect(text).toContain('"output" = Relu(a) as "relu"\n');
  });
});

describe('numbers', () => {
  const awkward = [
    0, -0, 1, -1, 0.1, 0.2 + 0.1, 1 / 3, -2 / 3, Math.PI, Math.E, 1e-7, 1.5e-7, 123456789, 2 ** 53, 2 ** 53 + 2, -(2 ** 63),
    1e21, 1e22, 1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
    Number.EPSILON, Math.fround(0.1), Math.fround(1e-7), Math.fround(3.4028234663852886e38), 1e-45, 1.401298464324817e-45,
    Infinity, -Infinity, NaN,
  ];

  it('reads back as the same float64 (awkward values)', () => {
    for (const v of awkward) expect(Object.is(readNumber(printNumber(v)), v), `${v} printed ${printNumber(v)}`).toBe(true);
    expect([printNumber(Infinity), printNumber(-Infinity), printNumber(NaN), printNumber(-0)]).toEqual(['inf', '-inf', 'nan', '-0']);
  });

  it('reads back as the same float64 (10000 random bit patterns)', () => {
    const r = rng(11);
    for (let i = 0; i < 10000; i++) {
      const v = randomDouble(r);
      const back = readNumber(printNumber(v));
      expect(Number.isNaN(v) ? Number.isNaN(back) : Object.is(back, v), `${v}`).toBe(true);
    }
  });

  it('number attributes and lists keep every float64', () => {
    expect(printAttrValue(awkward.filter((v) => !Number.isNaN(v)))).toBe(`[${awkward.filter((v) => !Number.isNaN(v)).map(printNumber).join(', ')}]`);
    const r = rng(5);
    for (let i = 0; i < 1000; i++) {
      const v = randomDouble(r);
      if (Number.isNaN(v)) continue;
      expect(Object.is(readNumber(printAttrValue(v)), v)).toBe(true);
    }
  });
});

describe('tensor data', () => {
  /** The tensor that `dtype[shape] values [...]` or `data "..."` reads back as. */
  function readBack(dtype: DType, text: string): Uint8Array {
    const data = /^data "([A-Za-z0-9+/=]*)"$/.exec(text);
    if (data) return new Uint8Array(Buffer.from(data[1]!, 'base64'));
    const values = /^values \[(.*)\]$/.exec(text);
    expect(values, text).not.toBeNull();
    const items = values![1]! === '' ? [] : values![1]!.split(', ').map(readNumber);
    return tensorBytes(tensor(dtype, [items.length], items));
  }

  it('base64 round-trips bytes exactly, whatever their length', () => {
    const r = rng(3);
    for (let n = 0; n < 70; n++) {
      const b = new Uint8Array(Array.from({ length: n }, () => Math.floor(r() * 256)));
      expect(Array.from(Buffer.from(toBase64(b), 'base64'))).toEqual(Array.from(b));
      // a view at an offset into a larger buffer: only its own bytes
      const big = new Uint8Array(n + 7);
      big.set(b, 3);
      expect(toBase64(big.subarray(3, 3 + n))).toBe(toBase64(b));
    }
  });

  it('every dtype reads back to the same bytes, through values (<= 16 elements) or data', () => {
    const r = rng(9);
    for (const dtype of DTYPES) {
      for (const n of [0, 1, 5, 16, 17, 40]) {
        const data = allocate(dtype, n);
        const raw = new Uint8Array(data.buffer);
        for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(r() * 256); // any bit pattern: NaN payloads, subnormals, bool 7
        const t = tensor(dtype, [n], data);
        const text = printTensorData(t);
        if (n > 16) expect(text.startsWith('data ')).toBe(true);
        expect(Array.from(readBack(dtype, text)), `${dtype}[${n}] ${text}`).toEqual(bytes(t));
      }
    }
  });

  it('uses values for small exact tensors, with the shortest digits for their dtype', () => {
    expect(printTensorData(tensor('f32', [3], [0.1, -2.5, 1e-7]))).toBe('values [0.1, -2.5, 1e-7]');
    // 65500 is the shortest decimal that stores as f16 65504 (the largest half).
    expect(printTensorData(tensor('f16', [2], [0.1, 65504]))).toBe('values [0.1, 65500]');
    expect(printTensorData(tensor('i64', [2], [-5, 2 ** 53]))).toBe('values [-5, 9007199254740992]');
    expect(printTensorData(tensor('bool', [3], [1, 0, 1]))).toBe('values [1, 0, 1]');
    expect(printTensorData(tensor('f32', [2], [NaN, -Infinity]))).toBe('values [nan, -inf]');
    expect(printTensorData(tensor('f32', [0], []))).toBe('values []');
  });

  it('falls back to data where values would not be exact: NaN payloads, i64 beyond 2^53, bool bytes other than 0/1', () => {
    const nan = new Float32Array(1);
    new Uint32Array(nan.buffer)[0] = 0x7fc00001;
    expect(printTensorData(tensor('f32', [1], nan))).toBe(`data "${toBase64(new Uint8Array(nan.buffer))}"`);
    expect(printTensorData(tensor('i64', [1], new BigInt64Array([2n ** 53n + 1n])))).toMatch(/^data /);
    expect(printTensorData(tensor('bool', [1], new Uint8Array([2])))).toBe('data "Ag=="');
  });

  it('tensor attributes print their type and data', () => {
    expect(printAttrValue(tensor('i64', [3], [1, 2, 3]))).toBe('tensor i64[3] values [1, 2, 3]');
    expect(printAttrValue(tensor('f32', [], [0.5]))).toBe('tensor f32[] values [0.5]');
    expect(printAttrValue(tensor('u8', [17], new Uint8Array(17)))).toBe(`tensor u8[17] data "${toBase64(new Uint8Array(17))}"`);
    expect(printAttrValue(['a', 'b"c'])).toBe('["a", "b\\"c"]');
  });
});
