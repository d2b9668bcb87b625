import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';

describe('planMemory', () => {
  const chain = () => {
    const net = network('chain', { seed: 1 });
    let x = net.input('x', [1, 8, 16, 16]);
    for (let i = 0; i < 6; i++) x = x.relu();
    net.output('y', x);
    return build(net.build(), { optimizationLevel: 0 }); // one layer per relu (fusion would make one)
  };

  it('reuses buffers along a chain: two slots suffice for a long relu chain', () => {
    const e = chain();
    expect(e.memory.slots.length).toBe(2);
    expect(e.memory.peakBytes).toBe(2 * 8 * 16 * 16 * 4);
    expect(e.memory.unplannedBytes).toBe(7 * 8 * 16 * 16 * 4);
  });

  it('never gives a layer an output slot that one of its inputs occupies, and keeps outputs alive', () => {
    const net = network('dag', { seed: 2 });
    const x = net.input('x', [1, 4, 8, 8]);
    const a = x.conv2d(4, { kernel: 3, pad: 1 }).relu();
    const b = a.conv2d(4, { kernel: 1 }).sigmoid();
    const c = a.add(b).relu();
    net.output('early', b);
    net.output('late', c.conv2d(2, { kernel: 1 }));
    const e = build(net.build(), { optimizationLevel: 0 });
    const slot = e.memory.assign;
    for (const l of e.layers) {
      for (const o of l.outputs) for (const i of l.inputs) if (i in slot) expect(slot[o]).not.toBe(slot[i]);
    }
    // 'early' must not be overwritten by any later layer.
    const earlyIdx = e.layers.findIndex((l) => l.outputs.includes('early'));
    for (const l of e.layers.slice(earlyIdx + 1)) for (const o of l.outputs) expect(slot[o]).not.toBe(slot['early']);
    // Any two tensors sharing a slot have disjoint lifetimes.
    const born = new Map<string, number>();
    const dies = new Map<string, number>();
    e.graph.inputs.forEach((i) => born.set(i.name, -1));
    e.layers.forEach((l, i) => {
      l.outputs.forEach((o) => born.set(o, i));
      l.inputs.forEach((t) => dies.set(t, i));
    });
    for (const o of e.graph.outputs) dies.set(o, Infinity);
    const names = Object.keys(slot);
    for (const p of names) for (const q of names) {
      if (p >= q || slot[p] !== slot[q]) continue;
      const [bp, dp, bq, dq] = [born.get(p)!, dies.get(p) ?? born.get(p)!, born.get(q)!, dies.get(q) ?? born.get(q)!];
      expect(dp < bq || dq < bp, `${p} and ${q} share slot ${slot[p]}`).toBe(true);
    }
    expect(e.memory.peakBytes).toBeLessThanOrEqual(e.memory.unplannedBytes);
  });
});

describe('planMemory with views', () => {
  it('gives a reshape its input memory and keeps that memory alive until the view is last read', () => {
    const net = network('views', { seed: 3 });
    const x = net.input('x', [1, 4, 4, 4]);
    const a = x.relu({ name: 'a' });
    const flat = a.flatten(1, { name: 'flat' });
    const b = x.sigmoid({ name: 'b' }).flatten(1).mul(2, { name: 'late' });
    net.output('y', flat.add(b, { name: 'sum' }));
    const e = build(net.build(), { optimizationLevel: 0 });
    const m = e.memory;
    const aOut = e.layers.find((l) => l.name === 'a')!.outputs[0]!;
    const flatOut = e.layers.find((l) => l.name === 'flat')!.outputs[0]!;
    expect(e.layers.find((l) => l.name === 'flat')!.tactic).toBe('view.reshape');
    expect(m.assign[flatOut]).toBe(m.assign[aOut]);
    // No layer between 'a' and 'sum' writes into a's slot while the view is still to be read.
    const order = e.layers.map((l) => l.name);
    for (const l of e.layers.slice(order.indexOf('a') + 1, order.indexOf('sum'))) {
      for (const o of l.outputs) if (l.tactic !== 'view.reshape') expect(m.assign[o], l.name).not.toBe(m.assign[aOut]);
    }
  });
});

describe('scratch memory', () => {
  it('is 0 without a layer that asks for it; a Winograd conv asks for its transformed tiles and products', () => {
    const net = () => {
      const n = network('scratch', { seed: 1 });
      n.output('y', n.input('x', [1, 8, 10, 10]).conv2d(8, { kernel: 3, pad: 1, name: 'c' }));
      return n.build();
    };
    expect(build(net(), { force: { c: 'conv.direct' } }).scratchBytes).toBe(0);
    const wino = build(net(), { force: { c: 'conv.winograd_2x2' } });
    // F(2x2,3x3) on 10x10: 25 tiles of 4x4; at least the transformed input (16 x C x tiles) and the products (16 x M x tiles), f32.
    expect(wino.scratchBytes).toBeGreaterThanOrEqual(4 * (16 * 8 * 25 + 16 * 8 * 25));
  });
});
