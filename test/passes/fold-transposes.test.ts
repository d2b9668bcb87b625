// fold-transposes: MatMul reading a transpose of its operand's last two axes becomes a
// FusedMatMul with transA/transB (Before graph, Expected graph, the same outputs on the
// reference, on WebGPU and, exported as ONNX, in onnxruntime).
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { exportOnnx } from '../../src/frontend/onnx/index.js';
import { onnx } from '../../src/frontend/onnx/proto.js';
import { node, type Graph } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { verify } from '../../src/ir/verify.js';
import { foldTransposes } from '../../src/passes/fold-transposes.js';
import { optimize } from '../../src/passes/index.js';
import { runReference } from '../../src/reference/index.js';
import { runOrt } from '../conformance/ort.js';
import { relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { expectGpuMatches, expectSameOutputs, feedsFor, graphOf, nodesOf, runPass } from './helpers.js';

const gpu = useGpu();

/** Attention scores and their use: softmax(q x k^T) x v, k transposed by a Transpose node. */
function attention(): Graph {
  return graphOf({
    inputs: { q: [2, 3, 5, 8], k: [2, 3, 5, 8], v: [2, 3, 5, 8] },
    nodes: [
      node({ name: 'kt', op: 'Transpose', inputs: ['k'], outputs: ['kT'], attrs: { perm: [0, 1, 3, 2] } }),
      node({ name: 'scores', op: 'MatMul', inputs: ['q', 'kT'], outputs: ['s'] }),
      node({ name: 'softmax', op: 'Softmax', inputs: ['s'], outputs: ['p'], attrs: { axis: -1 } }),
      node({ name: 'context', op: 'MatMul', inputs: ['p', 'v'], outputs: ['y'] }),
    ],
  });
}

describe('fold-transposes', () => {
  it('attention scores: q x Transpose(k) -> FusedMatMul(q, k, transB)', async () => {
    const before = attention();
    const { graph } = runPass(foldTransposes, before);
    const expected = graphOf({
      inputs: { q: [2, 3, 5, 8], k: [2, 3, 5, 8], v: [2, 3, 5, 8] },
      nodes: [
        node({ name: 'scores', op: 'FusedMatMul', inputs: ['q', 'k'], outputs: ['s'], attrs: { transB: 1 }, origin: ['kt', 'scores'] }),
        node({ name: 'softmax', op: 'Softmax', inputs: ['s'], outputs: ['p'], attrs: { axis: -1 } }),
        node({ name: 'context', op: 'MatMul', inputs: ['p', 'v'], outputs: ['y'] }),
      ],
    });
    // The pass leaves the unread Transpose to dead-code elimination.
    expect(nodesOf(graph).filter((n) => n.op !== 'Transpose')).toEqual(nodesOf(expected));
    expectSameOutputs(before, graph);
    // Through the whole pipeline: no Transpose layer is left.
    expect(build(before).layers.map((l) => l.op)).not.toContain('Transpose');
    await expectGpuMatches(before, gpu);
  });

  it('transA on a broadcast batch, after fuse-epilogue took the residual and activation', async () => {
    const before = graphOf({
      inputs: { a: [4, 6], b: [3, 4, 7], r: [3, 6, 7], c: [3, 6, 4] },
      nodes: [
        node({ name: 'at', op: 'Transpose', inputs: ['a'], outputs: ['aT'] }),
        node({ name: 'mm', op: 'MatMul', inputs: ['aT', 'b'], outputs: ['m'] }),
        node({ name: 'res', op: 'Add', inputs: ['m', 'r'], outputs: ['s'] }),
        node({ name: 'act', op: 'Relu', inputs: ['s'], outputs: ['y'] }),
        node({ name: 'mm2', op: 'MatMul', inputs: ['c', 'b'], outputs: ['z'] }),
      ],
      outputs: ['y', 'z'],
    });
    const { graph } = optimize(verify(inferTypes(before)));
    const mm = graph.nodes.find((n) => n.name === 'mm')!;
    expect(mm.op).toBe('FusedMatMul');
    expect(mm.inputs.slice(0, 2)).toEqual(['a', 'b']);
    expect(mm.attrs).toMatchObject({ transA: 1, activation: 'Relu' });
    expect(graph.nodes.filter((n) => n.op === 'Transpose')).toEqual([]);
    expectSameOutputs(before, graph);
    await expectGpuMatches(before, gpu);
  });

  it('a FusedMatMul already reading B transposed, reading a Transpose of B: the flag flips back', () => {
    const before = graphOf({
      inputs: { a: [3, 6, 4], b: [3, 4, 7] },
      nodes: [
        node({ name: 'bt', op: 'Transpose', inputs: ['b'], outputs: ['bT'], attrs: { perm: [0, 2, 1] } }),
        node({ name: 'mm', op: 'FusedMatMul', inputs: ['a', 'bT'], outputs: ['y'], attrs: { transB: 1, activation: 'Tanh' } }),
      ],
    });
    const { graph } = runPass(foldTransposes, before);
    expect(graph.nodes.find((n) => n.name === 'mm')).toMatchObject({ op: 'FusedMatMul', inputs: ['a', 'b'], attrs: { activation: 'Tanh' } });
    expect(graph.nodes.find((n) => n.name === 'mm')!.attrs['transB']).toBeUndefined();
    expectSameOutputs(before, graph);
  });

  it('leaves transposes of other axes, and exports the flags as Transpose nodes onnxruntime runs', async () => {
    // x transposed over axes 0 and 1 (not foldable), u over the last two (foldable).
    const g = graphOf({
      inputs: { x: [3, 5, 4], w: [5, 4, 6], u: [2, 5, 7], v: [2, 5, 3] },
      nodes: [
        node({ name: 'xt', op: 'Transpose', inputs: ['x'], outputs: ['xT'], attrs: { perm: [1, 0, 2] } }),
        node({ name: 'mm', op: 'MatMul', inputs: ['xT', 'w'], outputs: ['y'] }),
        node({ name: 'ut', op: 'Transpose', inputs: ['u'], outputs: ['uT'], attrs: { perm: [0, 2, 1] } }),
        node({ name: 'mm2', op: 'MatMul', inputs: ['uT', 'v'], outputs: ['z'] }),
      ],
      outputs: ['y', 'z'],
    });
    const { graph } = runPass(foldTransposes, g);
    expect(graph.nodes.find((n) => n.name === 'mm')!.op).toBe('MatMul');
    expect(graph.nodes.find((n) => n.name === 'mm2')!).toMatchObject({ op: 'FusedMatMul', inputs: ['u', 'v'], attrs: { transA: 1 } });
    const model = exportOnnx(graph);
    const ops = (onnx.ModelProto.decode(model).graph?.node ?? []).map((n) => n.opType ?? '');
    expect(ops.filter((o) => o.startsWith('Fused'))).toEqual([]);
    const feeds = feedsFor(g);
    const want = runReference(verify(inferTypes(g)), feeds);
    const got = await runOrt(model, feeds);
    for (const o of g.outputs) expect(relL2(got[o]!, want[o]!), o).toBeLessThan(1e-5);
  });
});
