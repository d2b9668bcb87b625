// Pinning tactics: by layer name, op or name pattern (`force`), or by a selector callback
// (TensorRT's algorithm selector), in plain and tuned builds; bad keys and tactics are typed errors.
import { describe, expect, it } from 'vitest';
import { build, buildTuned } from '../../src/engine/engine.js';
import { UnsupportedError } from '../../src/errors.js';
import { network } from '../../src/frontend/fluent/index.js';
import type { Graph } from '../../src/ir/graph.js';
import type { TacticSelector } from '../../src/tune/choose.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();
const FAST = { iterations: 1, warmup: 1, repeat: 1 };
const LEVEL0 = { optimizationLevel: 0 }; // one layer per node, row-major: both NCHW conv tactics apply

function convs(): Graph {
  const net = network('convs', { seed: 2 });
  let x = net.input('x', [1, 4, 6, 6]).conv2d(8, { kernel: 3, pad: 1, name: 'stem' });
  for (const b of ['b1', 'b2']) x = x.conv2d(8, { kernel: 3, pad: 1, name: `${b}_conv` });
  net.output('y', x);
  return net.build();
}

const tactics = (g: Graph, opts: Parameters<typeof build>[1]) => Object.fromEntries(build(g, { ...LEVEL0, ...opts }).layers.map((l) => [l.name, l.tactic]));

describe('forcing tactics', () => {
  it('the default is the first supported tactic; a pattern pins the layers whose names match', () => {
    expect(tactics(convs(), {})).toEqual({ stem: 'conv.implicit_gemm', b1_conv: 'conv.implicit_gemm', b2_conv: 'conv.implicit_gemm' });
    expect(tactics(convs(), { force: { 'b?_conv': 'conv.direct' } })).toEqual({ stem: 'conv.implicit_gemm', b1_conv: 'conv.direct', b2_conv: 'conv.direct' });
    expect(tactics(convs(), { force: { '*': 'conv.direct' } })).toEqual({ stem: 'conv.direct', b1_conv: 'conv.direct', b2_conv: 'conv.direct' });
  });

  it('a layer name beats its op, which beats a pattern', () => {
    const force = { 'b*': 'conv.implicit_gemm', Conv: 'conv.direct', b2_conv: 'conv.implicit_gemm' };
    expect(tactics(convs(), { force })).toEqual({ stem: 'conv.direct', b1_conv: 'conv.direct', b2_conv: 'conv.implicit_gemm' });
  });

  it('a key that matches nothing, an unknown tactic and an unsupporting one are UnsupportedErrors naming them', () => {
    expect(() => tactics(convs(), { force: { b3_conv: 'conv.direct' } })).toThrow(UnsupportedError);
    expect(() => tactics(convs(), { force: { b3_conv: 'conv.direct' } })).toThrow(/key 'b3_conv' matches no layer name, op or pattern of graph 'convs' \(layers: stem, b1_conv, b2_conv\)/);
    expect(() => tactics(convs(), { force: { 'c*': 'conv.direct' } })).toThrow(/key 'c\*' matches no layer/);
    expect(() => tactics(convs(), { force: { stem: 'conv.nope' } })).toThrow(/forced \(by 'stem'\) tactic 'conv.nope' for layer 'stem' \(Conv\) does not exist/);
    expect(() => tactics(convs(), { force: { 'b*': 'gemm.tiled' } })).toThrow(/forced \(by 'b\*'\) tactic 'gemm.tiled' does not support layer 'b1_conv' \(Conv\); candidates: .*conv.direct/);
  });

  it('a selector sees each layer and its candidates and may pin one, allow several or say nothing', () => {
    const seen: string[] = [];
    const select: TacticSelector = (layer, cands) => {
      seen.push(`${layer.node.name}: ${cands.map((t) => t.id).join(' ')}`);
      return layer.node.name === 'b1_conv' ? 'conv.direct' : undefined;
    };
    expect(tactics(convs(), { select })).toEqual({ stem: 'conv.implicit_gemm', b1_conv: 'conv.direct', b2_conv: 'conv.implicit_gemm' });
    expect(seen.map((s) => s.split(':')[0])).toEqual(['stem', 'b1_conv', 'b2_conv']);
    for (const s of seen) expect(s).toMatch(/^\w+: conv.implicit_gemm .*conv.direct/); // candidates in preference order
    // A list: the first is taken without timing; `force` still wins over the selector.
    expect(tactics(convs(), { select: () => ['conv.direct', 'conv.implicit_gemm'], force: { stem: 'conv.implicit_gemm' } })).toEqual({ stem: 'conv.implicit_gemm', b1_conv: 'conv.direct', b2_conv: 'conv.direct' });
    expect(() => tactics(convs(), { select: () => [] })).toThrow(/selector allowed no tactic for layer 'stem'/);
  });

  it('tuned: pinned layers are not timed, a selector list is what gets timed, under its own cache key', async () => {
    const g = convs();
    const only = (id: string): TacticSelector => (l) => (l.node.op === 'Conv' ? [id] : undefined);
    const direct = await buildTuned(g, { ...LEVEL0, select: only('conv.direct'), tune: { gpu: await gpu(), ...FAST } });
    const rec = direct.tuning.records.get('b1_conv')!;
    expect(new Set(rec.candidates.map((c) => c.tactic))).toEqual(new Set(['conv.direct']));
    expect(rec.candidates.length).toBeGreaterThan(1); // its parameter points
    expect(direct.engine.layers.every((l) => l.tactic === 'conv.direct')).toBe(true);
    // The same cache, another selection: timed again rather than answered by the direct-only record.
    const ig = await buildTuned(g, { ...LEVEL0, select: only('conv.implicit_gemm'), tune: { gpu: await gpu(), ...FAST, cache: direct.tuning.cache } });
    expect(ig.tuning.timed).toBeGreaterThan(0);
    expect(ig.engine.layers.every((l) => l.tactic === 'conv.implicit_gemm')).toBe(true);
    const pinned = await buildTuned(g, { ...LEVEL0, force: { Conv: 'conv.direct' }, tune: { gpu: await gpu(), ...FAST } });
    expect(pinned.tuning.timed).toBe(0);
    expect(pinned.engine.layers.map((l) => l.tactic)).toEqual(['conv.direct', 'conv.direct', 'conv.direct']);
  });
});
