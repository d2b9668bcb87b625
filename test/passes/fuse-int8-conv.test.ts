// Q/DQ around a Conv becomes one Int8Conv: the int8 weights come back exactly (BatchNorm folded
// in between), Relu and the requantizing QuantizeLinear fold in, and the optimized graph computes
// what the Q/DQ graph computes, on the reference and on WebGPU.
import { describe, expect, it } from 'vitest';
import { formatEngine } from '../../src/cli/inspect.js';
import { describeEngine } from '../../src/engine/describe.js';
import { build } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/index.js';
import { randomInput } from '../../src/ir/random.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { optimize } from '../../src/passes/index.js';
import { exportOnnx } from '../../src/frontend/onnx/index.js';
import { runOrt } from '../conformance/ort.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { insertQdq } from '../../src/quant/qdq.js';
import { runReference } from '../../src/reference/index.js';
import { compareOutputs } from '../../src/runtime/compare.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();

function resnetBlock(): Graph {
  const net = network('block', { seed: 21 });
  const x = net.input('x', [2, 8, 8, 8]);
  const stem = x.conv2d(8, { kernel: 3, pad: 1, name: 'stem' }).batchNorm({ init: 'random', name: 'bn0' }).relu({ name: 'r0' });
  const c1 = stem.conv2d(8, { kernel: 3, pad: 1, name: 'c1' }).batchNorm({ init: 'random', name: 'bn1' }).relu({ name: 'r1' });
  const c2 = c1.conv2d(8, { kernel: 3, pad: 1, name: 'c2' }).batchNorm({ init: 'random', name: 'bn2' });
  net.output('y', c2.add(stem).relu().globalAvgPool().flatten().dense(4, { name: 'head' }));
  return inferTypes(net.build());
}

async function qdq(g: Graph): Promise<{ q: Graph; feeds: Record<string, Tensor> }> {
  const batches = [1, 2].map((s) => ({ x: randomInput({ dtype: 'f32', shape: [2, 8, 8, 8] }, s) }));
  const t = await calibrate(g, batches, { method: 'minmax' });
  return { q: insertQdq(g, { amax: (n) => t.amax(n) }), feeds: batches[0]! };
}

describe('fuse-int8-conv', () => {
  it('turns every Q/DQ Conv into an Int8Conv, folding BatchNorm, Relu and the requantization', async () => {
    const { q, feeds } = await qdq(resnetBlock());
    const { graph, trace } = optimize(q);
    const convs = graph.nodes.filter((n) => n.op === 'Int8Conv');
    expect(convs.map((n) => n.name).sort()).toEqual(['c1', 'c2', 'head', 'stem']);
    // stem and c1: Relu folded; c1 feeds only c2's Q/DQ, so it writes int8 for c2 directly.
    expect(convs.find((n) => n.name === 'c1')!.attrs['activation']).toBe('Relu');
    expect(graph.type(convs.find((n) => n.name === 'c1')!.outputs[0]!).dtype).toBe('i8');
    expect(convs.find((n) => n.name === 'c2')!.inputs[0]).toBe(convs.find((n) => n.name === 'c1')!.outputs[0]);
    // stem's Relu output also feeds the residual Add in float: c2 folds that Add and the Relu after it.
    expect(trace.find((t) => t.pass === 'fuse-int8-conv')!.rewrites.map((r) => r.rule).sort()).toEqual(['gemm', 'q-relu-conv', 'q-up', 'relu-add-conv', 'relu-conv']); // q-up: the head's quantization moved above the Flatten
    const c2 = convs.find((n) => n.name === 'c2')!;
    expect([c2.inputs[6], c2.attrs['activation']]).toEqual([convs.find((n) => n.name === 'stem')!.outputs[0], 'Relu']);
    expect(graph.nodes.some((n) => n.op === 'Add')).toBe(false);
    // BatchNorm scaled each channel: requantizing gives back the integers insertQdq chose.
    const wq = (name: string) => graph.initializers.get(graph.nodes.find((n) => n.name === name)!.inputs[1]!)!;
    expect(Array.from(wq('c1').data as Int8Array)).toEqual(Array.from(q.initializers.get('c1.weight_quantized')!.data as Int8Array));
    // The optimized graph computes what the Q/DQ graph computes (float sums in another order
    // may move a requantized value by one step: close, not equal).
    const want = runReference(q, feeds);
    const r = compareOutputs(runReference(graph, feeds), want, { atol: 1e-3, rtol: 1e-2 });
    expect(r.outputs[0]!.cosine).toBeGreaterThan(0.9999);
    const engine = build(q);
    const ctx = await engine.createContext({ backend: 'webgpu' });
    expect(compareOutputs(await ctx.run(feeds), want, { atol: 1e-3, rtol: 1e-2 }).outputs[0]!.cosine).toBeGreaterThan(0.9999);
    ctx.release();
    // Precision reformats left: quantizing x, stem's float output (for c1) and the head's input;
    // no dequantize (c1 hands c2 int8 directly).
    const d = describeEngine(engine);
    expect(d.precisionReformats).toMatchObject({ quantize: 3, dequantize: 0 });
    expect(d.layers.filter((l) => l.op === 'Int8Conv').map((l) => l.precision)).toEqual(['int8', 'int8', 'int8', 'int8']);
    expect(d.precisionReformats.layers).toEqual(engine.layers.filter((l) => l.op === 'QuantizeLinear').map((l) => l.name));
    expect(formatEngine(d)).toContain('precision: 3 quantize and 0 dequantize layers where int8 meets float');
  });

  it('turns Q/DQ Gemms (transB or not) and MatMuls (3-D input) into 1-D Int8Convs between views', async () => {
    const net = network('mlp', { seed: 5 });
    const x = net.input('x', [6, 20]);
    const h = x.dense(12, { name: 'fc1' }).relu(); // Gemm transB=1 + bias, Relu
    const w2 = net.addConstant('w2', randomInput({ dtype: 'f32', shape: [12, 8] }, 7));
    const b2 = net.addConstant('b2', randomInput({ dtype: 'f32', shape: [1, 8] }, 8));
    const h2 = h.gemm(w2, { c: b2, name: 'fc2' }); // transB=0, bias [1, N]
    const s = h2.reshape([2, 3, 8]).dense(5, { name: 'fc3', bias: false }); // MatMul on [2, 3, 8]
    net.output('y', s);
    const g = inferTypes(net.build());
    const batches = [1, 2].map((k) => ({ x: randomInput({ dtype: 'f32', shape: [6, 20] }, k) }));
    const t = await calibrate(g, batches, { method: 'minmax' });
    const q = insertQdq(g, { amax: (n) => t.amax(n) });
    const { graph, trace } = optimize(q);
    const convs = graph.nodes.filter((n) => n.op === 'Int8Conv');
    expect(convs.map((n) => n.name).sort()).toEqual(['fc1', 'fc2', 'fc3']);
    expect(trace.find((e) => e.pass === 'fuse-int8-conv')!.rewrites.map((r) => r.rule).sort()).toEqual(['gemm', 'q-gemm', 'q-relu-gemm', 'q-up']);
    // fc3's quantization moved above the Reshape: fc2 requantizes, and fc1 -> fc2 -> fc3 pass int8.
    expect(graph.nodes.filter((n) => n.op === 'QuantizeLinear')).toHaveLength(1);
    expect(graph.type(convs.find((n) => n.name === 'fc3')!.inputs[0]!).shape).toEqual([6, 8, 1]);
    const want = runReference(q, batches[0]!);
    expect(compareOutputs(runReference(graph, batches[0]!), want, { atol: 1e-3, rtol: 1e-2 }).outputs[0]!.cosine).toBeGreaterThan(0.9999);
    const ctx = await build(q).createContext({ backend: 'webgpu' });
    const got = await ctx.run(batches[0]!);
    ctx.release();
    expect(got['y']!.shape).toEqual([2, 3, 5]);
    expect(compareOutputs(got, want, { atol: 1e-3, rtol: 1e-2 }).outputs[0]!.cosine).toBeGreaterThan(0.9999);
  });

  it('takes a DequantizeLinear without a zero point; a QuantizeLinear without one (uint8) is not folded', () => {
    const net = network('nozp', { seed: 2 });
    const x = net.input('x', [1, 4, 5, 5]);
    const s = net.addConstant('s', tensor('f32', [], [0.05]));
    const z = net.addConstant('z', tensor('i8', [], [0]));
    const w = net.addConstant('w', randomInput({ dtype: 'f32', shape: [4, 4, 3, 3] }, 3));
    const xq = net.addNode({ name: 'q', op: 'QuantizeLinear', inputs: [x, s, z] })[0]!;
    const dq = net.addNode({ name: 'dq', op: 'DequantizeLinear', inputs: [xq, s] })[0]!;
    const y = net.addNode({ name: 'conv', op: 'Conv', inputs: [dq, w] })[0]!;
    net.output('y', net.addNode({ name: 'q_out', op: 'QuantizeLinear', inputs: [y, s] })[0]!);
    const g = optimize(inferTypes(net.build())).graph;
    expect(g.nodes.map((n) => n.op)).toEqual(['QuantizeLinear', 'Int8Conv', 'QuantizeLinear']);
    expect(g.type('y').dtype).toBe('u8');
  });

  it('folds a residual Add with the Conv on either side, and the QuantizeLinear after it', async () => {
    const net = network('res', { seed: 4 });
    const x = net.input('x', [1, 4, 6, 6]);
    const r = x.relu({ name: 'r' });
    const c = x.conv2d(4, { kernel: 3, pad: 1, name: 'c' });
    net.output('y', r.add(c).conv2d(4, { kernel: 1, name: 'next' })); // Add(r, conv): the conv second
    const g = inferTypes(net.build());
    const batches = [1, 2].map((k) => ({ x: randomInput({ dtype: 'f32', shape: [1, 4, 6, 6] }, k) }));
    const t = await calibrate(g, batches, { method: 'minmax' });
    const q = insertQdq(g, { amax: (n) => t.amax(n) });
    const { graph, trace } = optimize(q);
    expect(trace.find((e) => e.pass === 'fuse-int8-conv')!.rewrites.map((e) => e.rule).sort()).toEqual(['conv', 'q-add-conv']);
    const conv = graph.nodes.find((n) => n.name === 'c')!;
    expect(conv.inputs[6]).toBe(graph.nodes.find((n) => n.name === 'r')!.outputs[0]);
    expect(graph.type(conv.outputs[0]!).dtype).toBe('i8');
    const want = runReference(q, batches[0]!);
    const ctx = await build(q).createContext({ backend: 'webgpu' });
    expect(compareOutputs(await ctx.run(batches[0]!), want, { atol: 1e-3, rtol: 1e-2 }).outputs[0]!.cosine).toBeGreaterThan(0.9999);
    ctx.release();
  });

  it("runs onnxruntime's uint8 QDQ form (asymmetric activations, non-zero zero points) as int8, with the same outputs", async () => {
    const net = network('u8', { seed: 6 });
    const x = net.input('x', [2, 3, 9, 9]);
    const c = (v: number, dtype: 'f32' | 'u8' | 'i8', name: string) => net.addConstant(name, tensor(dtype, [], [v]));
    const qdq = (input: typeof x, s: number, z: number, name: string) => {
      const [sc, zp] = [c(s, 'f32', `${name}_s`), c(z, 'u8', `${name}_z`)];
      const q = net.addNode({ name: `${name}_q`, op: 'QuantizeLinear', inputs: [input, sc, zp] })[0]!;
      return net.addNode({ name: `${name}_dq`, op: 'DequantizeLinear', inputs: [q, sc, zp] })[0]!;
    };
    const w1 = net.addConstant('w1', randomInput({ dtype: 'f32', shape: [8, 3, 3, 3] }, 11));
    const w2 = net.addConstant('w2', randomInput({ dtype: 'f32', shape: [6, 8, 3, 3] }, 12));
    const b2 = net.addConstant('b2', randomInput({ dtype: 'f32', shape: [6] }, 13));
    const h = net.addNode({ name: 'conv1', op: 'Conv', inputs: [qdq(x, 0.02, 131, 'in'), w1], attrs: { pads: [1, 1, 1, 1] } })[0]!;
    const r = net.addNode({ name: 'relu1', op: 'Relu', inputs: [h] })[0]!;
    net.output('y', net.addNode({ name: 'conv2', op: 'Conv', inputs: [qdq(r, 0.03, 7, 'mid'), w2, b2], attrs: { pads: [1, 1, 1, 1] } })[0]!);
    const g = inferTypes(net.build());
    const { graph, trace } = optimize(g);
    expect(graph.nodes.filter((n) => n.op === 'Int8Conv').map((n) => [n.name, n.attrs['x_zero_point'] ?? 0])).toEqual([['conv1', 3], ['conv2', -121]]);
    expect(trace.find((e) => e.pass === 'fuse-int8-conv')!.rewrites.map((e) => e.rule).sort()).toEqual(['conv', 'q-relu-conv', 'uint8-to-int8', 'uint8-to-int8']);
    // conv1 requantizes to conv2's int8 input with zero point 7 - 128; padding counts that value.
    expect(graph.nodes.find((n) => n.name === 'conv1')!.attrs['y_zero_point']).toBe(-121);
    const feeds = { x: randomInput({ dtype: 'f32', shape: [2, 3, 9, 9] }, 14) };
    const want = runReference(g, feeds);
    // The reference runs the uint8 Q/DQ graph as onnxruntime does.
    expect(compareOutputs(await runOrt(exportOnnx(g), feeds), want, { atol: 1e-4, rtol: 1e-4 }).pass).toBe(true);
    expect(compareOutputs(runReference(graph, feeds), want, { atol: 1e-3, rtol: 1e-3 }).outputs[0]!.cosine).toBeGreaterThan(0.9999);
    const ctx = await build(g).createContext({ backend: 'webgpu' });
    expect(compareOutputs(await ctx.run(feeds), want, { atol: 1e-3, rtol: 1e-3 }).outputs[0]!.cosine).toBeGreaterThan(0.9999);
    ctx.release();
  });

  it('moves a quantization above MaxPool and Flatten, so the convolutions before them requantize (a CNN all int8)', async () => {
    const net = network('cnn', { seed: 9 });
    const x = net.input('x', [2, 3, 12, 12]);
    const c1 = x.conv2d(8, { kernel: 3, pad: 1, name: 'c1' }).relu().maxPool({ kernel: 2, stride: 2 });
    const c2 = c1.conv2d(8, { kernel: 3, pad: 1, name: 'c2' }).relu().maxPool({ kernel: 3, stride: 2, pad: 1 });
    net.output('y', c2.flatten().dense(5, { name: 'fc' }));
    const g = inferTypes(net.build());
    const batches = [1, 2].map((k) => ({ x: randomInput({ dtype: 'f32', shape: [2, 3, 12, 12] }, k) }));
    const t = await calibrate(g, batches, { method: 'minmax' });
    const q = insertQdq(g, { amax: (n) => t.amax(n) });
    const { graph } = optimize(q);
    expect(graph.nodes.map((n) => n.op).filter((o) => !['Reshape', 'Flatten'].includes(o))).toEqual(['QuantizeLinear', 'Int8Conv', 'MaxPool', 'Int8Conv', 'MaxPool', 'Int8Conv']);
    expect(graph.nodes.filter((n) => n.op === 'MaxPool').map((n) => graph.type(n.outputs[0]!).dtype)).toEqual(['i8', 'i8']);
    // Max commutes with quantization: the same values as the Q/DQ graph, up to requantization ties.
    const want = runReference(q, batches[0]!);
    expect(compareOutputs(runReference(graph, batches[0]!), want, { atol: 1e-3, rtol: 1e-2 }).outputs[0]!.cosine).toBeGreaterThan(0.9999);
    const ctx = await build(q).createContext({ backend: 'webgpu' });
    expect(compareOutputs(await ctx.run(batches[0]!), want, { atol: 1e-3, rtol: 1e-2 }).outputs[0]!.cosine).toBeGreaterThan(0.9999);
    ctx.release();
  });

  it('leaves a Conv alone without an int8 input or in 3-D; takes one with a zero point', () => {
    const g = resnetBlock();
    expect(optimize(g).graph.nodes.some((n) => n.op === 'Int8Conv')).toBe(false);
    const net = network('c3', { seed: 1 });
    const x = net.input('x', [1, 2, 4, 4, 4]);
    const w = net.addConstant('w', randomInput({ dtype: 'f32', shape: [2, 2, 1, 1, 1] }, 3));
    const s = net.addConstant('s', tensor('f32', [], [0.1]));
    const z = net.addConstant('z', tensor('i8', [], [0]));
    const nz = net.addConstant('nz', tensor('i8', [], [3]));
    const x2 = net.input('x2', [1, 2, 4, 4]);
    const conv = (name: string, zp: typeof z, weight: typeof w, input = x) => {
      const xq = net.addNode({ name: `${name}_q`, op: 'QuantizeLinear', inputs: [input, s, zp] })[0]!;
      const dq = net.addNode({ name: `${name}_dq`, op: 'DequantizeLinear', inputs: [xq, s, zp] })[0]!;
      return net.addNode({ name, op: 'Conv', inputs: [dq, weight] })[0]!;
    };
    net.output('y3', conv('conv3d', z, w));
    net.output('yz', conv('zero_point', nz, net.addConstant('w2', randomInput({ dtype: 'f32', shape: [2, 2, 1, 1] }, 4)), x2));
    const opt = optimize(inferTypes(net.build())).graph;
    const ops = Object.fromEntries(opt.nodes.map((n) => [n.name, n.op]));
    expect([ops['conv3d'], ops['zero_point']]).toEqual(['Conv', 'Int8Conv']);
    expect(opt.nodes.find((n) => n.name === 'zero_point')!.attrs['x_zero_point']).toBe(3);
  });
});
