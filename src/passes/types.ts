import type { Graph } from '../ir/graph.js';

/** One rewrite a pass made: the rule (or step) that fired, the nodes it took, the nodes it made. */
export interface Rewrite {
  readonly rule: string;
  readonly replaced: readonly string[];
  readonly produced: readonly string[];
}

/** What a pass did: its rewrites and the graph it returned. */
export interface TraceEntry {
  readonly pass: string;
  readonly description: string;
  readonly rewrites: readonly Rewrite[];
  readonly nodesBefore: number;
  readonly nodesAfter: number;
  readonly graph: Graph;
}

/** Read by passes: how hard to optimize, what not to run, where to record rewrites. */
export interface PassContext {
  /** 0 runs no pass; each pass has the level from which it runs (see pipeline.ts). */
  readonly level: number;
  readonly disabled: ReadonlySet<string>;
  /** Passes call this for every rewrite they make (the trace instrument listens). */
  record(rewrite: Rewrite): void;
}

/** A graph-to-graph function: pure, one file each, listed in pipeline.ts. */
export interface Pass {
  readonly name: string;
  /** One line for logs and notebooks: what the pass does. */
  readonly description: string;
  run(g: Graph, ctx: PassContext): Graph;
}
