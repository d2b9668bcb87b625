/** Helpers for pass tests: run one pass with a recording context, compare structure and outputs. */
import { expect } from 'vitest';
import { Graph, type Node } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { verify } from '../../src/ir/verify.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { Pass, Rewrite } from '../../src/passes/index.js';
import { build } from '../../src/engine/engine.js';
import { runReference } from '../../src/reference/index.js';
import { randomF32, relL2 } from '../helpers/data.js';

/** Runs `pass` on `g` (typed first); returns the verified result and the rewrites recorded. */
export function runPass(pass: Pass, g: Graph, level = 2): { graph: Graph; rewrites: Rewrite[] } {
  const rewrites: Rewrite[] = [];
  const graph = verify(pass.run(verify(inferTypes(g)), { level, disabled: new Set(), record: (r) => void rewrites.push(r) }));
  return { graph, rewrites };
}

/** The structure of a graph as plain data: op, inputs, outputs, attrs and origin of each node. */
export function structure(g: Graph): { op: string; inputs: readonly string[]; outputs: readonly string[]; origin: readonly string[] }[] {
  return g.nodes.map((n: Node) => ({ op: n.op, inputs: n.inputs, outputs: n.outputs, origin: n.origin }));
}

/** Random feeds for every graph input (float inputs only). */
export function feedsFor(g: Graph, seed = 1): Record<string, Tensor> {
  return Object.fromEntries(g.inputs.map((i, k) => [i.name, randomF32(i.type.shape, seed + k)]));
}

/** Both graphs give the same outputs on the reference executor (rel L2 below `tol`). */
export function expectSameOutputs(before: Graph, after: Graph, tol = 1e-6): void {
  const feeds = feedsFor(before);
  const a = runReference(verify(inferTypes(before)), feeds);
  const b = runReference(after, feeds);
  for (const o of before.outputs) expect(relL2(b[o]!, a[o]!), o).toBeLessThan(tol);
}

/** structure() with each node's attributes: the Expected side of a rewrite test. */
export function nodesOf(g: Graph): { op: string; inputs: readonly string[]; outputs: readonly string[]; attrs: Node['attrs']; origin: readonly string[] }[] {
  return g.nodes.map((n: Node) => ({ op: n.op, inputs: n.inputs, outputs: n.outputs, attrs: n.attrs, origin: n.origin }));
}

/** A small Before graph: f32 inputs by shape, nodes, constants and outputs (default ['y']). */
export function graphOf(g: { inputs: Record<string, number[]>; nodes: Node[]; constants?: Record<string, Tensor>; outputs?: string[] }): Graph {
  return new Graph({
    name: 'before',
    inputs: Object.entries(g.inputs).map(([name, shape]) => ({ name, type: { dtype: 'f32' as const, shape } })),
    outputs: g.outputs ?? ['y'],
    nodes: g.nodes,
    initializers: new Map(Object.entries(g.constants ?? {})),
  });
}

/** `g` built with every pass and run on WebGPU gives the reference's outputs (`gpu` from useGpu()). */
export async function expectGpuMatches(g: Graph, gpu: () => Promise<unknown>, tol = 1e-5): Promise<void> {
  await gpu();
  const engine = build(g);
  const feeds = feedsFor(g);
  const ctx = await engine.createContext({ backend: 'webgpu' });
  const got = await ctx.run(feeds);
  ctx.release();
  const want = runReference(verify(inferTypes(g)), feeds);
  for (const o of g.outputs) expect(relL2(got[o]!, want[o]!), o).toBeLessThan(tol);
}
