// Explicit quantization: Q/DQ insertion checked against hand-computed int8 weights, against
// onnxruntime-node on the exported QDQ model, and on WebGPU against the reference.
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { GraphError } from '../../src/errors.js';
import { network } from '../../src/frontend/fluent/index.js';
import { exportOnnx, loadOnnx } from '../../src/frontend/onnx/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/index.js';
import { randomInput } from '../../src/ir/random.js';
import { toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { agreement, predict } from '../../src/quant/accuracy.js';
import { insertQdq } from '../../src/quant/qdq.js';
import { runReference } from '../../src/reference/index.js';
import { compareOutputs } from '../../src/runtime/compare.js';
import { runOrt } from '../conformance/ort.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();

/** max |x| of every tensor over one reference run: minmax thresholds. */
function minmax(g: Graph, feeds: Record<string, Tensor>): (t: string) => number | undefined {
  const all = runReference(g, feeds, { keep: 'all' });
  return (t) => (all[t] ? toFloat64(all[t]!).reduce((m, v) => Math.max(m, Math.abs(v)), 0) : undefined);
}

function twoConvs(): Graph {
  const net = network('two-convs', { seed: 3 });
  const x = net.input('x', [2, 3, 6, 6]);
  const a = x.conv2d(4, { kernel: 3, pad: 1, name: 'a' }).relu();
  const b = x.conv2d(4, { kernel: 1, name: 'b' });
  net.output('y', a.add(b).globalAvgPool().flatten().dense(5, { name: 'head' }));
  return inferTypes(net.build());
}

/** numpy's rint. */
const rint = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));

describe('insertQdq', () => {
  it('weights become int8 per output channel, scale max|w|/127, as computed by hand', () => {
    const g = twoConvs();
    const feeds = { x: randomInput({ dtype: 'f32', shape: [2, 3, 6, 6] }, 1) };
    const q = insertQdq(g, { amax: minmax(g, feeds) });
    const w = g.initializers.get('a.weight')!;
    const qw = q.initializers.get('a.weight_quantized')!;
    const scales = toFloat64(q.initializers.get('a.weight_scale')!);
    const v = toFloat64(w);
    const per = v.length / 4;
    for (let c = 0; c < 4; c++) {
      const amax = Math.max(...Array.from(v.slice(c * per, (c + 1) * per), Math.abs));
      expect(scales[c]).toBeCloseTo(amax / 127, 7);
      for (let i = c * per; i < (c + 1) * per; i++) expect(qw.data[i]).toBe(rint(Math.fround(v[i]! / scales[c]!)) + 0);
    }
    expect(qw.dtype).toBe('i8');
    // x feeds two convs: one Q/DQ pair; Gemm with transB quantizes its weight per row.
    expect(q.nodes.filter((n) => n.op === 'QuantizeLinear').map((n) => n.inputs[0])).toEqual(expect.arrayContaining(['x']));
    expect(q.nodes.filter((n) => n.op === 'QuantizeLinear' && n.inputs[0] === 'x')).toHaveLength(1);
    expect(q.initializers.get('head.weight_scale')!.shape).toEqual([5]);
    // Biases stay float.
    expect(q.nodes.find((n) => n.name === 'a')!.inputs[2]).toBe('a.bias');
  });

  it('keeps named layers in float, leaves tensors without a threshold alone, refuses a bad threshold', () => {
    const g = twoConvs();
    const kept = insertQdq(g, { amax: () => 1, keepFloat: new Set(['b']) });
    expect(kept.nodes.find((n) => n.name === 'b')!.inputs.slice(0, 2)).toEqual(['x', 'b.weight']);
    expect(kept.nodes.find((n) => n.name === 'a')!.inputs[1]).toBe('a.weight_dequantized');
    const none = insertQdq(g, { amax: () => undefined });
    expect(none.nodes.filter((n) => n.op === 'QuantizeLinear')).toHaveLength(0);
    expect(() => insertQdq(g, { amax: () => NaN })).toThrow(GraphError);
  });

  it('the QDQ model exported to ONNX gives onnxruntime the predictions the reference gives', async () => {
    const g = inferTypes(loadOnnx(new URL('../models/fashion-mnist/small_resnet.onnx', import.meta.url).pathname, { shapes: { image: [16, 1, 28, 28] } }));
    const batches = [1, 2].map((s) => ({ image: randomInput({ dtype: 'f32', shape: [16, 1, 28, 28] }, s) }));
    const q = insertQdq(g, { amax: minmax(g, batches[0]!) });
    const model = exportOnnx(q);
    const ref = await predict((f) => runReference(q, f), batches);
    const ort = await predict((f) => runOrt(model, f), batches);
    expect(agreement(ref, ort)).toBe(1);
    // Quantization moves the logits, but little: the float model mostly agrees.
    expect(agreement(ref, await predict((f) => runReference(g, f), batches))).toBeGreaterThanOrEqual(0.9);
  }, 60_000);

  it('a QDQ graph builds and runs on WebGPU as the reference runs it', async () => {
    const g = twoConvs();
    const feeds = { x: randomInput({ dtype: 'f32', shape: [2, 3, 6, 6] }, 5) };
    const q = insertQdq(g, { amax: minmax(g, feeds) });
    const ctx = await build(q).createContext({ backend: 'webgpu' });
    const r = compareOutputs(await ctx.run(feeds), runReference(q, feeds), { atol: 1e-5, rtol: 1e-4 });
    ctx.release();
    expect(r.pass).toBe(true);
  });
});
