// ONNX import: old opset forms (checked against onnxruntime running the original model),
// constants in every form, symbolic dims, the coverage report, and hostile graphs.
import { describe, expect, it } from 'vitest';
import { CoverageError, GraphError, ModelFormatError } from '../../../src/errors.js';
import { coverage, exportOnnx, importOnnx } from '../../../src/frontend/onnx/index.js';
import { tensor, type Tensor } from '../../../src/ir/tensor.js';
import { runReference } from '../../../src/reference/index.js';
import { randomF32, relL2 } from '../../helpers/data.js';
import { mismatch } from '../../conformance/cases.js';
import { runOrt } from '../../conformance/ort.js';
import { FLOAT, floats, INT64, model, valueInfo, type NodeSpec } from './model.js';

const X = valueInfo('x', FLOAT, [2, 3, 4]);

/** Imports `bytes`, runs it on the reference, and compares with onnxruntime on the original. */
async function sameAsOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<void> {
  const g = importOnnx(bytes);
  const ours = runReference(g, feeds);
  const theirs = await runOrt(bytes, feeds);
  for (const o of g.outputs) expect(mismatch(ours[o], theirs[o]!, { atol: 1e-6, rtol: 1e-5 }), o).toBeUndefined();
}

const one = (opset: number, node: NodeSpec, out: (string | number)[], initializers = [] as ReturnType<typeof floats>[]) =>
  model({ opset, nodes: [node], inputs: [X], outputs: [valueInfo('y', FLOAT, out as number[])], initializers });

describe('ONNX import: old opset forms match onnxruntime', () => {
  const x = randomF32([2, 3, 4], 5);
  it.each([
    ['Pad-10 (pads, value attributes)', one(10, { op: 'Pad', inputs: ['x'], outputs: ['y'], attrs: { pads: [0, 1, 0, 0, 1, 2], value: { float: 1.5 } } }, [2, 5, 6])],
    ['Pad-10 reflect', one(10, { op: 'Pad', inputs: ['x'], outputs: ['y'], attrs: { pads: [0, 0, 1, 0, 0, 2], mode: 'reflect' } }, [2, 3, 7])],
    ['Clip-10 (min, max attributes)', one(10, { op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: { float: -0.3 }, max: { float: 0.4 } } }, [2, 3, 4])],
    ['Slice-9 (starts, ends, axes attributes)', one(9, { op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [1, -3], ends: [3, 100], axes: [1, 2] } }, [2, 2, 3])],
    ['Squeeze-11 (axes attribute)', model({ opset: 11, nodes: [{ op: 'Unsqueeze', inputs: ['x'], outputs: ['u'], attrs: { axes: [1, 4] } }, { op: 'Squeeze', inputs: ['u'], outputs: ['y'], attrs: { axes: [4, 1] } }], inputs: [X], outputs: [valueInfo('y', FLOAT, [2, 3, 4])] })],
    ['Unsqueeze-11 (axes attribute)', one(11, { op: 'Unsqueeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [0, 3] } }, [1, 2, 3, 1, 4])],
    ['ReduceSum-11 (axes attribute)', one(11, { op: 'ReduceSum', inputs: ['x'], outputs: ['y'], attrs: { axes: [0, 2], keepdims: 0 } }, [3])],
    ['ReduceMean-13 (axes attribute)', one(13, { op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: { axes: [-1] } }, [2, 3, 1])],
    ['ReduceMax-11 (no axes: all)', one(11, { op: 'ReduceMax', inputs: ['x'], outputs: ['y'] }, [1, 1, 1])],
    ['Softmax-11 (2-D coercion at axis 1)', one(11, { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 1 } }, [2, 3, 4])],
    ['LogSoftmax-11 (default axis 1)', one(11, { op: 'LogSoftmax', inputs: ['x'], outputs: ['y'] }, [2, 3, 4])],
    ['Softmax-11 (axis 0)', one(11, { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 0 } }, [2, 3, 4])],
    ['Upsample-7 (scales attribute)', one(7, { op: 'Upsample', inputs: ['x'], outputs: ['y'], attrs: { scales: { floats: [1, 2, 3] } } }, [2, 6, 12])],
    ['Resize-10 (scales input)', model({ opset: 10, nodes: [{ op: 'Resize', inputs: ['x', 's'], outputs: ['y'] }], inputs: [X], outputs: [valueInfo('y', FLOAT, [2, 6, 8])], initializers: [floats('s', [3], [1, 2, 2])] })],
    ['Sum-8 of three', model({ opset: 8, nodes: [{ op: 'Sum', inputs: ['x', 'x', 'b'], outputs: ['y'] }], inputs: [X], outputs: [valueInfo('y', FLOAT, [2, 3, 4])], initializers: [floats('b', [4], [1, 2, 3, 4])] })],
    ['Mean-8 of three', model({ opset: 8, nodes: [{ op: 'Mean', inputs: ['x', 'b', 'x'], outputs: ['y'] }], inputs: [X], outputs: [valueInfo('y', FLOAT, [2, 3, 4])], initializers: [floats('b', [4], [1, 2, 3, 4])] })],
    ['Max-8 of one', model({ opset: 8, nodes: [{ op: 'Max', inputs: ['x'], outputs: ['y'] }], inputs: [X], outputs: [valueInfo('y', FLOAT, [2, 3, 4])] })],
    ['Dropout-7 (is_test era, ratio attribute)', one(7, { op: 'Dropout', inputs: ['x'], outputs: ['y'], attrs: { ratio: { float: 0.3 } } }, [2, 3, 4])],
    ['BatchNormalization-7 (spatial attribute)', model({
      opset: 7,
      nodes: [{ op: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'], outputs: ['y'], attrs: { spatial: 1, epsilon: { float: 1e-3 } } }],
      inputs: [X], outputs: [valueInfo('y', FLOAT, [2, 3, 4])],
      initializers: [floats('s', [3], [1, 2, 0.5]), floats('b', [3], [0, 1, -1]), floats('m', [3], [0.1, 0, -0.2]), floats('v', [3], [1, 0.5, 2])],
    })],
  ])('%s', async (_, bytes) => {
    await sameAsOrt(bytes, { x });
  });

  it('Split-11 (split attribute) and TopK-9 (k attribute)', async () => {
    const split = model({
      opset: 11,
      nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: 2, split: [1, 3] } }],
      inputs: [X], outputs: [valueInfo('a', FLOAT, [2, 3, 1]), valueInfo('b', FLOAT, [2, 3, 3])],
    });
    await sameAsOrt(split, { x });
    const topk = model({
      opset: 9,
      nodes: [{ op: 'TopK', inputs: ['x'], outputs: ['v', 'i'], attrs: { k: 2 } }],
      inputs: [X], outputs: [valueInfo('v', FLOAT, [2, 3, 2]), valueInfo('i', INT64, [2, 3, 2])],
    });
    await sameAsOrt(topk, { x });
  });
});

describe('ONNX import: quantized models', () => {
  it('QuantizeLinear with output_dtype (opset 21) then DequantizeLinear matches onnxruntime, and exports back', async () => {
    const bytes = model({
      opset: 21,
      nodes: [
        { op: 'QuantizeLinear', inputs: ['x', 's'], outputs: ['q'], attrs: { output_dtype: 3 } },
        { op: 'DequantizeLinear', inputs: ['q', 's'], outputs: ['y'] },
      ],
      inputs: [X],
      outputs: [valueInfo('y', FLOAT, [2, 3, 4])],
      initializers: [floats('s', [], [0.01])],
    });
    const x = randomF32([2, 3, 4], 9, -2, 2);
    await sameAsOrt(bytes, { x });
    const g = importOnnx(bytes);
    expect(g.nodes[0]!.attrs['output_dtype']).toBe('i8');
    expect(g.type('q').dtype).toBe('i8');
    const back = await runOrt(exportOnnx(g), { x });
    expect(mismatch(back['y'], runReference(g, { x })['y']!)).toBeUndefined();
  });
});

describe('ONNX import: constants', () => {
  it('folds Constant in every attribute form, and Shape/Size/ConstantOfShape arithmetic', () => {
    const bytes = model({
      opset: 17,
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['f'], attrs: { value_float: { float: 2 } } },
        { op: 'Constant', inputs: [], outputs: ['fs'], attrs: { value_floats: { floats: [1, 2, 3, 4] } } },
        { op: 'Constant', inputs: [], outputs: ['i'], attrs: { value_int: 3 } },
        { op: 'Constant', inputs: [], outputs: ['is'], attrs: { value_ints: [2, 12] } },
        { op: 'Constant', inputs: [], outputs: ['t'], attrs: { value: { tensor: floats('', [1], [0.5]) } } },
        { op: 'Shape', inputs: ['x'], outputs: ['shape'] },
        { op: 'Size', inputs: ['x'], outputs: ['size'] },
        { op: 'ConstantOfShape', inputs: ['is'], outputs: ['ones'], attrs: { value: { tensor: floats('', [1], [1]) } } },
        { op: 'Reshape', inputs: ['x', 'is'], outputs: ['r'] },
        { op: 'Mul', inputs: ['r', 'f'], outputs: ['m'] },
        { op: 'Add', inputs: ['m', 'ones'], outputs: ['a'] },
        { op: 'Add', inputs: ['a', 't'], outputs: ['y'] },
      ],
      inputs: [X],
      outputs: [valueInfo('y', FLOAT, [2, 12]), valueInfo('shape', INT64, [3]), valueInfo('size', INT64, []), valueInfo('fs', FLOAT, [4]), valueInfo('i', INT64, [])],
    });
    const g = importOnnx(bytes);
    // Only the three ops on x remain; everything else is a constant.
    expect(g.nodes.map((n) => n.op)).toEqual(['Reshape', 'Mul', 'Add', 'Add']);
    expect(Array.from(g.initializers.get('shape')!.data as BigInt64Array)).toEqual([2n, 3n, 4n]);
    expect(Number((g.initializers.get('size')!.data as BigInt64Array)[0])).toBe(24);
    const x = randomF32([2, 3, 4], 2);
    const y = runReference(g, { x })['y']!;
    const want = Float64Array.from(x.data as Float32Array, (v) => v * 2 + 1.5);
    expect(relL2(y, tensor('f32', [2, 12], Float32Array.from(want)))).toBeLessThan(1e-7);
  });

  it('reads initializers from the typed fields as well as raw_data', () => {
    const bytes = model({
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }, { op: 'Reshape', inputs: ['y', 's'], outputs: ['z'] }],
      inputs: [X],
      outputs: [valueInfo('z', FLOAT, [24])],
      initializers: [{ name: 'w', dims: [4], dataType: FLOAT, floatData: [1, 2, 3, 4] }, { name: 's', dims: [1], dataType: INT64, int64Data: [24] }],
    });
    const g = importOnnx(bytes);
    expect(Array.from(g.initializers.get('w')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(g.type('z').shape).toEqual([24]);
  });

  it('rejects raw_data whose size does not match the dims', () => {
    const bytes = model({
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [X], outputs: [valueInfo('y', FLOAT, [2, 3, 4])],
      initializers: [{ name: 'w', dims: [4], dataType: FLOAT, rawData: new Uint8Array(12) }],
    });
    expect(() => importOnnx(bytes)).toThrow(/initializer 'w': raw_data has 12 bytes, but f32\[4\] needs 16/);
  });
});

describe('ONNX import: shapes given by the user', () => {
  const bytes = model({
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    inputs: [valueInfo('x', FLOAT, ['batch', 3, 'height'])],
    outputs: [valueInfo('y', FLOAT, ['batch', 3, 'height'])],
  });

  it('names the input and its symbolic dims when no shape is given', () => {
    expect(() => importOnnx(bytes)).toThrow(GraphError);
    expect(() => importOnnx(bytes)).toThrow(/input 'x' has symbolic dims \[batch, 3, height\].*--shapes x:/);
  });

  it('uses the shapes given, and checks them against the fixed dims', () => {
    expect(importOnnx(bytes, { shapes: { x: [8, 3, 5] } }).type('y').shape).toEqual([8, 3, 5]);
    expect(() => importOnnx(bytes, { shapes: { x: [8, 4, 5] } })).toThrow(/does not fit its declared dims \[batch, 3, height\]/);
    expect(() => importOnnx(bytes, { shapes: { x: [8, 3] } })).toThrow(/does not fit/);
  });
});

describe('ONNX import: coverage report', () => {
  const bytes = model({
    opset: 17,
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['a'] },
      { op: 'NonMaxSuppression', inputs: ['a'], outputs: ['b'], name: 'nms' },
      { op: 'Gelu', domain: 'com.microsoft', inputs: ['a'], outputs: ['c'], name: 'msgelu' },
      { op: 'Cast', inputs: ['a'], outputs: ['d'], name: 'to_double', attrs: { to: 11 } },
    ],
    inputs: [X],
    outputs: [valueInfo('b', FLOAT, [2]), valueInfo('c', FLOAT, [2, 3, 4]), valueInfo('d', 11, [2, 3, 4])],
  });

  it('lists every unsupported node at once, before any build work', () => {
    const gaps = coverage(bytes);
    expect(gaps.map((g) => [g.node, g.op, g.domain, g.opset])).toEqual([
      ["value 'd'", '(value)', '', 17],
      ['nms', 'NonMaxSuppression', '', 17],
      ['msgelu', 'Gelu', 'com.microsoft', 17],
      ['to_double', 'Cast', '', 17],
    ]);
    expect(gaps[0]!.reason).toMatch(/double/);
    let err: unknown;
    try {
      importOnnx(bytes, { source: 'm.onnx' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CoverageError);
    expect((err as CoverageError).gaps).toHaveLength(4);
    expect((err as Error).message).toMatch(/m\.onnx: 4 nodes cannot be imported[\s\S]*nms \(ai\.onnx::NonMaxSuppression, opset 17\): op NonMaxSuppression is not supported/);
  });
});

describe('ONNX import: hostile graphs', () => {
  const relu = (i: string, o: string, name?: string): NodeSpec => ({ op: 'Relu', inputs: [i], outputs: [o], ...(name ? { name } : {}) });
  const out = [valueInfo('y', FLOAT, [2, 3, 4])];

  it('names a node on a cycle', () => {
    const bytes = model({ nodes: [relu('y', 'a', 'first'), relu('a', 'y', 'second')], inputs: [X], outputs: out });
    expect(() => importOnnx(bytes)).toThrow(GraphError);
    expect(() => importOnnx(bytes)).toThrow(/first|second/);
  });

  it('names a node reading a tensor nobody writes', () => {
    expect(() => importOnnx(model({ nodes: [relu('ghost', 'y', 'reader')], inputs: [X], outputs: out }))).toThrow(/reader[\s\S]*ghost|ghost[\s\S]*reader/);
  });

  it('names the second writer of a tensor', () => {
    expect(() => importOnnx(model({ nodes: [relu('x', 'y', 'one'), relu('x', 'y', 'two')], inputs: [X], outputs: out }))).toThrow(/node 'two' \(Relu\) writes 'y', which another node already writes/);
  });

  it('rejects absurd dims before allocating', () => {
    const huge = { name: 'w', dims: [2 ** 20, 2 ** 20, 4], dataType: FLOAT, rawData: new Uint8Array(16) };
    expect(() => importOnnx(model({ nodes: [relu('x', 'y')], inputs: [X], outputs: out, initializers: [huge] }))).toThrow(ModelFormatError);
    expect(() => importOnnx(model({ nodes: [relu('x', 'y')], inputs: [valueInfo('x', FLOAT, [2 ** 31, 2 ** 31])], outputs: out }))).toThrow(/elements/);
    const fill = model({
      nodes: [{ op: 'Constant', inputs: [], outputs: ['s'], attrs: { value_ints: [2 ** 20, 2 ** 20] } }, { op: 'ConstantOfShape', inputs: ['s'], outputs: ['y'] }],
      inputs: [X], outputs: out,
    });
    expect(() => importOnnx(fill)).toThrow(/ConstantOfShape.*not a valid constant of at most/);
  });

  it('rejects bytes that are not a model', () => {
    expect(() => importOnnx(new TextEncoder().encode('this is not a protobuf at all'), { source: 'notes.txt' })).toThrow(/notes\.txt is not a readable ONNX model/);
  });
});
