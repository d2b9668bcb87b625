// fold-constants, remove-no-ops and dead-code: Before and Expected graphs, and unchanged outputs.
import { describe, expect, it } from 'vitest';
import { network } from '../../src/frontend/fluent/index.js';
import { Graph, node } from '../../src/ir/graph.js';
import { tensor } from '../../src/ir/tensor.js';
import { deadCode } from '../../src/passes/dead-code.js';
import { foldConstants } from '../../src/passes/fold-constants.js';
import { removeNoOps } from '../../src/passes/remove-no-ops.js';
import { expectSameOutputs, runPass, structure } from './helpers.js';

const x = { name: 'x', type: { dtype: 'f32' as const, shape: [2, 3] } };
const c = (name: string, shape: number[], values: number[]) => [name, tensor('f32', shape, values)] as const;

describe('fold-constants', () => {
  it('evaluates the constant part of a graph once and leaves the rest', () => {
    const before = new Graph({
      name: 'fold',
      inputs: [x],
      outputs: ['y'],
      nodes: [
        node({ name: 'scale', op: 'Mul', inputs: ['a', 'b'], outputs: ['ab'] }),
        node({ name: 'shift', op: 'Exp', inputs: ['ab'], outputs: ['e'] }),
        node({ name: 'use', op: 'Add', inputs: ['x', 'e'], outputs: ['y'] }),
      ],
      initializers: new Map([c('a', [3], [1, 2, 3]), c('b', [3], [0.5, 0.5, 0.5])]),
    });
    const { graph, rewrites } = runPass(foldConstants, before);
    expect(structure(graph)).toEqual([{ op: 'Add', inputs: ['x', 'e'], outputs: ['y'], origin: ['use'] }]);
    expect(Array.from(graph.initializers.get('e')!.data as Float32Array)).toEqual([Math.exp(0.5), Math.exp(1), Math.exp(1.5)].map(Math.fround));
    expect([...graph.initializers.keys()]).toEqual(['e']);
    expect(rewrites.map((r) => r.replaced[0])).toEqual(['scale', 'shift']);
    expectSameOutputs(before, graph);
  });
});

describe('remove-no-ops', () => {
  it('drops Identity, x*1, x+0, same-shape Reshape and same-type Cast, keeping the graph output name', () => {
    const net = network('noops', { seed: 1 });
    const i = net.input('x', [2, 3]);
    const y = i.relu({ name: 'r' }).identity({ name: 'id' }).mul(1, { name: 'one' }).add(0, { name: 'zero' }).reshape([2, 3], { name: 'same' }).cast('f32', { name: 'cast' }).sigmoid({ name: 's' });
    net.output('y', y.identity({ name: 'last' }));
    const before = net.build();
    const { graph, rewrites } = runPass(removeNoOps, before);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Relu', 'Sigmoid']);
    expect(graph.outputs).toEqual(['y']);
    const s = graph.nodes[1]!;
    expect(s.outputs).toEqual(['y']);
    expect(s.origin).toEqual(['s', 'last']);
    expect(rewrites.map((r) => r.replaced[0]).sort()).toEqual(['cast', 'id', 'last', 'one', 'same', 'zero']);
    expectSameOutputs(before, graph);
  });

  it('keeps a no-op between a graph input and a graph output, and a Mul by 1 that broadcasts', () => {
    const net = network('keep', { seed: 1 });
    const i = net.input('x', [3]);
    net.output('y', i.identity({ name: 'id' }));
    net.output('z', i.mul(tensor('f32', [2, 3], [1, 1, 1, 1, 1, 1]), { name: 'bmul' })); // [3] * ones[2, 3] is [2, 3]
    const { graph } = runPass(removeNoOps, net.build());
    expect(graph.nodes.map((n) => n.name)).toContain('id');
    expect(graph.nodes.map((n) => n.name)).toContain('bmul');
  });
});

describe('dead-code', () => {
  it('removes nodes nobody reads, transitively, and their constants', () => {
    const before = new Graph({
      name: 'dead',
      inputs: [x],
      outputs: ['y'],
      nodes: [
        node({ name: 'live', op: 'Relu', inputs: ['x'], outputs: ['y'] }),
        node({ name: 'd1', op: 'Add', inputs: ['x', 'k'], outputs: ['t'] }),
        node({ name: 'd2', op: 'Exp', inputs: ['t'], outputs: ['u'] }),
      ],
      initializers: new Map([c('k', [3], [1, 2, 3])]),
    });
    const { graph, rewrites } = runPass(deadCode, before);
    expect(structure(graph)).toEqual([{ op: 'Relu', inputs: ['x'], outputs: ['y'], origin: ['live'] }]);
    expect(graph.initializers.size).toBe(0);
    expect(rewrites.map((r) => r.replaced[0])).toEqual(['d2', 'd1']);
  });

  it('keeps a producer listed after its reader (node lists need not be in topological order)', () => {
    const before = new Graph({
      name: 'unordered',
      inputs: [x],
      outputs: ['y'],
      nodes: [node({ name: 'late', op: 'Relu', inputs: ['t'], outputs: ['y'] }), node({ name: 'early', op: 'Exp', inputs: ['x'], outputs: ['t'] })],
    });
    const { graph, rewrites } = runPass(deadCode, before);
    expect(graph.nodes.map((n) => n.name)).toEqual(['late', 'early']);
    expect(rewrites).toEqual([]);
  });
});
