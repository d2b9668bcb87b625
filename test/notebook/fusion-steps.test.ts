// src/notebook/fusion-steps.ts and graph-view's highlight: the optimizer's trace of a small
// residual network, step by step, checked against the trace itself.
import { describe, expect, it } from 'vitest';
import { network } from '../../src/frontend/fluent/index.js';
import { optimize } from '../../src/passes/index.js';
import { fusionSteps, fusionStepsHtml } from '../../src/notebook/fusion-steps.js';
import { graphSvg, HIGHLIGHT } from '../../src/notebook/graph-view.js';

const net = network('steps', { seed: 3 });
const x = net.input('x', [1, 4, 8, 8]);
const a = x.conv2d(8, { kernel: 3, pad: 1 }).batchNorm().relu();
net.output('y', a.conv2d(8, { kernel: 3, pad: 1 }).batchNorm().add(a).relu().globalAvgPool().flatten().dense(3));
const g = net.build();
const { trace } = optimize(g);

/** The names of the boxes an SVG outlines. */
const outlined = (svg: string) => [...svg.matchAll(/<g class="[^"]*\bhighlight\b[^"]*"[^>]*data-name="([^"]+)"/g)].map((m) => m[1]);

describe('graph view highlight', () => {
  it('outlines exactly the named nodes, in the highlight colour', () => {
    const names = [g.nodes[1]!.name, g.nodes[3]!.name];
    const svg = graphSvg(g, { highlight: names, collapse: false });
    expect(outlined(svg).sort()).toEqual([...names].sort());
    expect(svg.match(new RegExp(`stroke="${HIGHLIGHT.stroke}"`, 'g'))).toHaveLength(2);
    expect(outlined(graphSvg(g, { collapse: false }))).toEqual([]);
  });
});

describe('fusion steps', () => {
  const steps = fusionSteps(g, trace);

  it('are the passes that rewrote something, in order, each starting from the graph the one before left', () => {
    expect(steps.map((s) => s.entry.pass)).toEqual(trace.filter((e) => e.rewrites.length > 0).map((e) => e.pass));
    expect(steps.map((s) => s.entry.pass)).toEqual(expect.arrayContaining(['fuse-conv-bn', 'fuse-epilogue']));
    for (const s of steps) expect(s.before).toBe(s.index === 0 ? g : trace[s.index - 1]!.graph);
    // Every pass is accounted for: a step, or quiet after one, or quiet before the first.
    const quiet = steps.flatMap((s) => s.quiet);
    expect(steps.length + quiet.length + steps[0]!.index).toBe(trace.length);
  });

  it('draw each step before and after, outlining what was replaced and what was produced', () => {
    const html = fusionStepsHtml(g, trace);
    const sections = html.split('<section').slice(1);
    expect(sections).toHaveLength(steps.length);
    sections.forEach((sec, k) => {
      const e = steps[k]!.entry;
      expect(sec).toContain(`data-pass="${e.pass}"`);
      const [before, after] = sec.split('<svg').slice(1);
      const replaced = new Set(e.rewrites.flatMap((r) => r.replaced));
      const produced = new Set(e.rewrites.flatMap((r) => r.produced));
      // Outlined boxes are among the rewritten names, and every rewritten name still drawn is outlined.
      expect(outlined(before!).every((n) => replaced.has(n!))).toBe(true);
      expect(outlined(after!).every((n) => produced.has(n!))).toBe(true);
      const afterNames = new Set(e.graph.nodes.map((n) => n.name));
      expect(outlined(after!).sort()).toEqual([...produced].filter((n) => afterNames.has(n)).sort());
    });
  });
});
