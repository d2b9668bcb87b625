import { describe, expect, it } from 'vitest';
import { GraphError, ShapeError } from '../../../src/errors.js';
import { ForeignHandleError, network, type Network } from '../../../src/frontend/fluent/index.js';
import { structuralHash, toposort, verify, type Graph } from '../../../src/ir/index.js';

/** The example of the issue. */
function resnetish(seed = 0): { net: Network; g: Graph } {
  const net = network('resnetish', { seed });
  const x = net.input('x', [1, 3, 32, 32]);
  const y = x.conv2d(16, { kernel: 3, pad: 1 }).batchNorm().relu();
  const z = y.add(x.conv2d(16, { kernel: 1 })).relu();
  net.output('out', z.globalAvgPool().flatten().dense(10));
  return { net, g: net.build() };
}

/** A ResNet-style DAG: stem, two residual blocks, a two-branch concat, two heads. */
function resnetDag(seed: number): Graph {
  const net = network('resnet-dag', { seed });
  const x = net.input('image', [2, 3, 16, 16]);
  const stem = x.conv2d(8, { kernel: 3, pad: 1, stride: 2 }).batchNorm({ init: 'random' }).relu();
  const block = (h: typeof stem) => h.conv2d(8, { kernel: 3, pad: 1 }).batchNorm({ init: 'random' }).relu().conv2d(8, { kernel: 3, pad: 1 }).batchNorm({ init: 'random' }).add(h).relu();
  const b2 = block(block(stem));
  const left = b2.conv2d(4, { kernel: 1 });
  const right = b2.maxPool({ kernel: 3, stride: 1, pad: 1 }).conv2d(4, { kernel: 1 });
  const cat = net.concat([left, right, b2], 1);
  const feat = cat.globalAvgPool().flatten();
  net.output('logits', feat.dense(10).softmax());
  net.output('embedding', feat.dense(4, { bias: false }));
  return net.build();
}

describe('fluent network', () => {
  it('builds the example into the expected typed node sequence', () => {
    const { g } = resnetish();
    const seq = toposort(g).map((n) => [n.name, n.op, g.type(n.outputs[0]!).shape.join('x')]);
    expect(seq).toEqual([
      ['conv2d_1', 'Conv', '1x16x32x32'],
      ['batch_norm_1', 'BatchNormalization', '1x16x32x32'],
      ['relu_1', 'Relu', '1x16x32x32'],
      ['conv2d_2', 'Conv', '1x16x32x32'],
      ['add_1', 'Add', '1x16x32x32'],
      ['relu_2', 'Relu', '1x16x32x32'],
      ['global_avg_pool_1', 'GlobalAveragePool', '1x16x1x1'],
      ['flatten_1', 'Flatten', '1x16'],
      ['dense_1', 'Gemm', '1x10'],
    ]);
    expect(g.inputs).toEqual([{ name: 'x', type: { dtype: 'f32', shape: [1, 3, 32, 32] } }]);
    expect(g.outputs).toEqual(['out']);
    expect(g.type('out')).toEqual({ dtype: 'f32', shape: [1, 10] });
    for (const n of g.nodes) expect(n.origin).toEqual([n.name]);
    const conv = g.nodes.find((n) => n.name === 'conv2d_1')!;
    expect(conv.inputs).toEqual(['x', 'conv2d_1.weight', 'conv2d_1.bias']);
    expect(conv.attrs).toMatchObject({ kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], group: 1 });
    expect(g.initializers.get('conv2d_1.weight')!.shape).toEqual([16, 3, 3, 3]);
    const gemm = g.nodes.find((n) => n.op === 'Gemm')!;
    expect(gemm.attrs).toEqual({ transB: 1 });
    expect(g.initializers.get('dense_1.weight')!.shape).toEqual([10, 16]);
    expect(() => verify(g)).not.toThrow();
  });

  it('builds a ResNet-style DAG with residual adds, a concat and two outputs', () => {
    const g = resnetDag(1);
    expect(() => verify(g)).not.toThrow();
    expect(g.outputs).toEqual(['logits', 'embedding']);
    expect(g.type('logits').shape).toEqual([2, 10]);
    expect(g.type('embedding').shape).toEqual([2, 4]);
    const cat = g.nodes.find((n) => n.op === 'Concat')!;
    expect(g.type(cat.outputs[0]!).shape).toEqual([2, 16, 8, 8]);
    expect(g.nodes.filter((n) => n.op === 'Add')).toHaveLength(2);
    // The stem's output feeds both of the first block's branches (conv and residual add).
    expect(g.consumers('relu_1').map((n) => n.op).sort()).toEqual(['Add', 'Conv']);
  });

  it('gives bit-identical weights for the same seed, different for another', () => {
    expect(structuralHash(resnetDag(7))).toBe(structuralHash(resnetDag(7)));
    expect(structuralHash(resnetDag(7))).not.toBe(structuralHash(resnetDag(8)));
    const a = resnetish(3).g.initializers.get('conv2d_1.weight')!.data;
    const b = resnetish(3).g.initializers.get('conv2d_1.weight')!.data;
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('throws a ShapeError at the call that mismatches, naming the layer and both shapes', () => {
    const net = network('bad');
    const x = net.input('x', [1, 3, 32, 32]);
    const a = x.conv2d(16, { kernel: 3, pad: 1 });
    const b = x.conv2d(8, { kernel: 3, pad: 1 });
    const c = a.relu();
    a.add(a);
    a.add(a);
    let thrown: unknown;
    try {
      c.add(b);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ShapeError);
    expect((thrown as Error).message).toBe('add_3: shapes [1, 16, 32, 32] and [1, 8, 32, 32] do not broadcast');
    // The failed call left nothing behind: the next add takes the same name, and build() works.
    net.output('y', c.add(a));
    expect(net.build().nodes.map((n) => n.name)).toContain('add_3');
  });

  it('names the layer and the input shapes when a conv does not fit', () => {
    const x = network('n').input('x', [1, 3, 8, 8]);
    expect(() => x.conv2d(4, { kernel: 3, groups: 2 })).toThrow(ShapeError);
    expect(() => x.conv2d(4, { kernel: 3, groups: 2 })).toThrow(/conv2d_1: groups 2 must divide the input channels 3/);
    expect(() => x.conv2d(4, { kernel: 9 })).toThrow(/conv2d_1: window 9x9 does not fit input spatial size 8x8.*\[1, 3, 8, 8\], \[4, 3, 9, 9\]/);
    expect(() => x.flatten().dense(2).matmul(x)).toThrow(/matmul_1: inner dimensions differ/);
  });

  it('uses given names, and rejects names used twice', () => {
    const net = network('n');
    const x = net.input('x', [1, 4]);
    const h = x.relu({ name: 'act' });
    expect(h.name).toBe('act');
    expect(() => x.relu({ name: 'act' })).toThrow(GraphError);
    expect(() => x.relu({ name: 'x' })).toThrow(/the name 'x' is already used/);
    net.output('act', h);
    expect(net.build().outputs).toEqual(['act']);
  });

  it('rejects handles of another network', () => {
    const a = network('a').input('x', [1, 4]);
    const netB = network('b');
    const b = netB.input('x', [1, 4]);
    expect(() => b.add(a)).toThrow(ForeignHandleError);
    expect(() => b.add(a)).toThrow(/tensor 'x' belongs to network 'a', not 'b'/);
    expect(() => netB.output('y', a)).toThrow(ForeignHandleError);
    expect(() => netB.concat([b, a], 0)).toThrow(ForeignHandleError);
  });

  it('rejects an output name given twice and a network without outputs', () => {
    const net = network('n');
    const x = net.input('x', [2]);
    expect(() => net.build()).toThrow(/has no outputs/);
    net.output('y', x.relu());
    expect(() => net.output('y', x.neg())).toThrow(GraphError);
    expect(() => net.output('y', x.neg())).toThrow(/output 'y' is defined twice/);
  });

  it('copies through Identity where a tensor cannot take the output name', () => {
    const net = network('n');
    const x = net.input('x', [2]);
    const r = x.relu();
    net.output('a', r).output('b', r).output('c', x);
    const g = net.build();
    expect(g.outputs).toEqual(['a', 'b', 'c']);
    expect(g.producer('a')!.op).toBe('Relu');
    expect(g.producer('b')!.op).toBe('Identity');
    expect(g.producer('b')!.inputs).toEqual(['a']);
    expect(g.producer('c')!.inputs).toEqual(['x']);
  });

  it('keeps handles usable after they are named as outputs', () => {
    const net = network('n');
    const x = net.input('x', [2, 3]);
    const h = x.sigmoid();
    net.output('mid', h);
    net.output('last', h.mul(2));
    const g = net.build();
    expect(g.producer('last')!.inputs).toEqual(['mid', 'mul_1.b']);
  });

  it('handles are immutable values', () => {
    const x = network('n').input('x', [1, 2]);
    expect(Object.isFrozen(x)).toBe(true);
    expect(x.toString()).toBe('x: f32[1, 2]');
    const y = x.relu();
    expect(x.name).toBe('x');
    expect(y.shape).toEqual([1, 2]);
  });
});
