/**
 * The optimizer: passes in the order they run, each with the optimization level from which it
 * runs. Level 0 runs nothing (one layer per source node); the default is the highest level.
 */
import { UnsupportedError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { verify } from '../ir/verify.js';
import { chooseLayout } from './choose-layout.js';
import { deadCode } from './dead-code.js';
import { eliminateConcat } from './eliminate-concat.js';
import { foldConstants } from './fold-constants.js';
import { foldTransposes } from './fold-transposes.js';
import { fuseConvBn } from './fuse-conv-bn.js';
import { fuseEpilogue } from './fuse-epilogue.js';
import { fuseHorizontal } from './fuse-horizontal.js';
import { fuseInt8Conv } from './fuse-int8-conv.js';
import { fusePointwise } from './fuse-pointwise.js';
import { matmulAddToGemm } from './matmul-add-to-gemm.js';
import { removeNoOps } from './remove-no-ops.js';
import { simplify } from './simplify.js';
import type { Pass, Rewrite, TraceEntry } from './types.js';

export interface PipelineStep {
  readonly pass: Pass;
  readonly level: number;
}

export const PIPELINE: readonly PipelineStep[] = [
  // Level 1: clean-ups that every later pass can rely on.
  { pass: foldConstants, level: 1 }, // constants computed once
  { pass: removeNoOps, level: 1 }, // Identity, x*1, same-shape Reshape...
  { pass: deadCode, level: 1 }, // whatever the above left unread
  // Level 2: fusion. Simplifications and folds first, then epilogue and pointwise fusion,
  // then memory views, once every producer is final.
  { pass: simplify, level: 2 }, // LogSoftmax, global pools, pads into windows, merged transposes/reshapes
  { pass: fuseConvBn, level: 2 }, // BatchNormalization into the Conv/Gemm weights before it
  { pass: matmulAddToGemm, level: 2 }, // 2-D MatMul + constant bias: one Gemm with C
  { pass: fuseInt8Conv, level: 2 }, // Q/DQ around a Conv or Gemm: one Int8Conv (after fuse-conv-bn and matmul-add-to-gemm, before fuse-epilogue)
  { pass: fuseEpilogue, level: 2 }, // Conv/Gemm/MatMul + bias + residual + activation: one kernel
  { pass: foldTransposes, level: 2 }, // MatMul reading a transposed operand through its strides (after fuse-epilogue)
  { pass: fusePointwise, level: 2 }, // elementwise chains: one generated kernel (after fuse-epilogue, which gets first pick)
  { pass: fuseHorizontal, level: 2 }, // sibling convs of one input: one wider conv, sliced by views
  { pass: deadCode, level: 2 }, // what the fusions left unread
  { pass: eliminateConcat, level: 2 }, // producers write into their concat slice (after every fusion)
  { pass: chooseLayout, level: 2 }, // channel-last convolutions where every reader agrees (views final: keep last)
];

export const MAX_LEVEL = Math.max(...PIPELINE.map((s) => s.level));

export interface OptimizeOptions {
  /** 0 (no passes) to MAX_LEVEL (the default). */
  readonly level?: number;
  /** Pass names not to run. */
  readonly disable?: readonly string[];
}

export interface Optimized {
  readonly graph: Graph;
  /** What each pass that ran did, in order. */
  readonly trace: readonly TraceEntry[];
}

/** Runs the pipeline on a typed graph; every pass's result is verified. */
export function optimize(g: Graph, opts: OptimizeOptions = {}): Optimized {
  const level = opts.level ?? MAX_LEVEL;
  if (!Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
    throw new UnsupportedError(`optimization level ${level} does not exist; levels go from 0 (no passes) to ${MAX_LEVEL}`);
  }
  const names = PIPELINE.map((s) => s.pass.name);
  for (const d of opts.disable ?? []) {
    if (!names.includes(d)) throw new UnsupportedError(`there is no pass '${d}' to disable; passes: ${names.join(', ')}`);
  }
  const disabled = new Set(opts.disable ?? []);
  const trace: TraceEntry[] = [];
  for (const { pass, level: from } of PIPELINE) {
    if (from > level || disabled.has(pass.name)) continue;
    const rewrites: Rewrite[] = [];
    const before = g.nodes.length;
    g = verify(pass.run(g, { level, disabled, record: (r) => void rewrites.push(r) }));
    trace.push({ pass: pass.name, description: pass.description, rewrites, nodesBefore: before, nodesAfter: g.nodes.length, graph: g });
  }
  return { graph: g, trace };
}

/** The trace as a builder log, one block per pass. */
export function formatTrace(trace: readonly TraceEntry[]): string {
  return trace
    .map((t) => {
      const head = `[${t.pass}] ${t.description}: ${t.rewrites.length} rewrite${t.rewrites.length === 1 ? '' : 's'}, nodes ${t.nodesBefore} -> ${t.nodesAfter}`;
      const lines = t.rewrites.map((r) => `    ${r.rule}: ${r.replaced.join(', ')}${r.produced.length ? ` -> ${r.produced.join(', ')}` : ''}`);
      return [head, ...lines].join('\n');
    })
    .join('\n');
}
