/** Helpers for pass tests: run one pass with a recording context, compare structure and outputs. */
import { expect } from 'vitest';
import type { Graph, Node } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import { verify } from '../../src/ir/verify.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { Pass, Rewrite } from '../../src/passes/index.js';
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
