// The rule-table machinery: patterns, bindings, the single-reader rule for inner nodes, fixpoint.
import { describe, expect, it } from 'vitest';
import { network } from '../../src/frontend/fluent/index.js';
import { node } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { c, match, op, rewriteToFixpoint, v, type Rule } from '../../src/passes/rules.js';
import { originOf } from '../../src/passes/edit.js';
import type { Rewrite } from '../../src/passes/types.js';
import { expectSameOutputs } from './helpers.js';

function graph(shared: boolean) {
  const net = network('p', { seed: 3 });
  const x = net.input('x', [1, 2, 5, 5]);
  const conv = x.conv2d(4, { kernel: 3, pad: 1, name: 'conv' });
  net.output('y', conv.relu({ name: 'relu' }));
  if (shared) net.output('z', conv.sigmoid({ name: 'other' }));
  return inferTypes(net.build());
}

describe('patterns', () => {
  const pattern = op('Relu', op('Conv', v('x'), c('w')).as('conv')).as('relu');

  it('binds nodes, tensors and constants', () => {
    const g = graph(false);
    const m = match(g, pattern, g.nodes.find((n) => n.op === 'Relu')!)!;
    expect(m.nodes['conv']!.name).toBe('conv');
    expect(m.tensors['x']).toBe('x');
    expect(m.constants['w']!.shape).toEqual([4, 2, 3, 3]);
    expect(m.all.map((n) => n.name)).toEqual(['conv', 'relu']);
  });

  it('does not match an inner node that has another reader unless allowed', () => {
    const g = graph(true);
    const relu = g.nodes.find((n) => n.op === 'Relu')!;
    expect(match(g, pattern, relu)).toBeUndefined();
    expect(match(g, op('Relu', op('Conv').allowShared()), relu)).toBeDefined();
    expect(match(g, op('Relu', op('Conv', v('x'), v('x'))), relu)).toBeUndefined(); // one name, two tensors
  });

  it('does not take an inner node that its one reader reads twice', () => {
    const net = network('twice', { seed: 1 });
    const x = net.input('x', [4]);
    const n = x.neg({ name: 'n' });
    net.output('y', n.mul(n, { name: 'square' }));
    const g = inferTypes(net.build());
    const square = g.nodes.find((m) => m.name === 'square')!;
    expect(match(g, op('Mul', op('Neg', v('x')), v('other')), square)).toBeUndefined();
  });

  it('runs a rule table to a fixpoint, recording each rewrite with origins', () => {
    const net = network('chain', { seed: 1 });
    const x = net.input('x', [4]);
    net.output('y', x.neg({ name: 'a' }).neg({ name: 'b' }).neg({ name: 'c' }).neg({ name: 'd' }).neg({ name: 'e' }));
    const before = inferTypes(net.build());
    const doubleNeg: Rule = {
      name: 'neg-neg',
      pattern: op('Neg', op('Neg', v('x')).as('inner')).as('outer'),
      rewrite: (m) => ({ add: [node({ name: `${m.nodes['outer']!.name}_id`, op: 'Identity', inputs: [m.tensors['x']!], outputs: m.nodes['outer']!.outputs, origin: originOf(m.all) })] }),
    };
    const rewrites: Rewrite[] = [];
    const after = rewriteToFixpoint(before, [doubleNeg], { level: 2, disabled: new Set(), record: (r) => void rewrites.push(r) });
    expect(after.nodes.map((n) => n.op)).toEqual(['Identity', 'Identity', 'Neg']);
    expect(rewrites).toEqual([
      { rule: 'neg-neg', replaced: ['a', 'b'], produced: ['b_id'] },
      { rule: 'neg-neg', replaced: ['c', 'd'], produced: ['d_id'] },
    ]);
    expect(after.nodes[1]!.origin).toEqual(['c', 'd']);
    expectSameOutputs(before, after);
  });
});
