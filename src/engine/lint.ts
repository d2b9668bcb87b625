/**
 * The engine linter (`wgrt inspect --lint`): patterns of a built engine that cost speed, each
 * with the layers it concerns and what to change, as TensorRT's Engine Explorer lints a plan.
 * A pure function of the Engine; the rules:
 *
 *   int8-region-broken  QuantizeLinear between two int8 layers: the tensor left int8 for float
 *                       layers (Sigmoid, Div, Softmax, a pool, a float reader) and is quantized again
 *   channels            convolutions and GEMMs whose channels are not multiples of 4 (the vec4
 *                       kernels; packed int8 words) or, for int8, output channels of the
 *                       conv.int8_mma tile (16): the scalar kernel runs, or a tile is part padding
 *   reformat            layers that only convert a tensor's format: layout reformats, casts,
 *                       Q/DQ at the edges of an int8 region
 *   transpose           Transpose copies next to pointwise layers that fusion could not sink away
 *                       (the FaceNet case: removing them doubled throughput)
 *   unfused-pointwise   elementwise layers feeding each other, each its own kernel
 *   tiny-conv           convolutions below LOW_INTENSITY FLOP per byte (src/engine/roofline.ts
 *                       layerCosts): memory-bound on any GPU, their time is their traffic
 *                       (depthwise ones, and dense layers run as Int8Conv, are left out)
 */
import { CHAIN_BINARY_OPS, CHAIN_UNARY_OPS } from '../ir/ops/index.js';
import type { Engine } from './engine.js';
import type { EngineLayer } from './layers.js';
import { layerCosts } from './roofline.js';

export type LintRule = 'int8-region-broken' | 'channels' | 'reformat' | 'transpose' | 'unfused-pointwise' | 'tiny-conv';

export const LINT_RULES: readonly LintRule[] = ['int8-region-broken', 'channels', 'reformat', 'transpose', 'unfused-pointwise', 'tiny-conv'];

export interface LintFinding {
  readonly rule: LintRule;
  /** The engine layers concerned, in execution order. */
  readonly layers: readonly string[];
  /** What was found, naming the layers and ops. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
}

/** FLOP per byte below which a convolution is memory-bound on any GPU (ridge points are ~10 to 100). */
export const LOW_INTENSITY = 8;
/** Output channels of one conv.int8_mma subgroup tile (int8 M16 N16 K32, src/tactics/families/int8-conv.ts). */
export const INT8_MMA_TILE = 16;
/** Layers doing less than this share of the engine's FLOPs are not worth a channel finding. */
const CHANNELS_MIN_SHARE = 0.01;
/** Float layers walked back from a quantize before the two int8 sides count as separate regions. */
const MAX_BREAK = 8;

const POINTWISE: ReadonlySet<string> = new Set([...CHAIN_UNARY_OPS, ...CHAIN_BINARY_OPS, 'PointwiseChain']);
const CONVS: ReadonlySet<string> = new Set(['Conv', 'FusedConv', 'Int8Conv']);
const GEMMS: ReadonlySet<string> = new Set(['Gemm', 'FusedGemm', 'MatMul', 'FusedMatMul']);
/** Ops an int8 tensor flows through, or that an Int8Conv fuses (README, INT8): not what breaks a region by itself. */
const INT8_FRIENDLY: ReadonlySet<string> = new Set(['Relu', 'MaxPool', 'Flatten', 'Reshape', 'Identity', 'Squeeze', 'Unsqueeze', 'Concat', 'ConcatView', 'Add', 'DequantizeLinear']);
const QDQ: ReadonlySet<string> = new Set(['QuantizeLinear', 'DequantizeLinear']);

const isInt8 = (l: EngineLayer): boolean => l.precision.runs === 'int8';
const names = (ls: readonly EngineLayer[]): string[] => ls.map((l) => `'${l.name}'`);
const list = (xs: readonly string[]): string => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** The engine's layers with who produces and who reads each tensor. */
class LayerGraph {
  readonly producer = new Map<string, EngineLayer>();
  readonly readers = new Map<string, EngineLayer[]>();
  readonly order = new Map<string, number>();
  constructor(readonly engine: Engine) {
    engine.layers.forEach((l, i) => {
      this.order.set(l.name, i);
      for (const o of l.outputs) if (o) this.producer.set(o, l);
      for (const t of l.inputs) if (t) this.readers.set(t, [...(this.readers.get(t) ?? []), l]);
    });
  }
  /** The layers producing `l`'s non-constant inputs. */
  producers(l: EngineLayer): EngineLayer[] {
    return l.inputs.flatMap((t) => (t && this.producer.has(t) ? [this.producer.get(t)!] : []));
  }
  consumers(l: EngineLayer): EngineLayer[] {
    return [...new Set(l.outputs.flatMap((o) => this.readers.get(o) ?? []))];
  }
  isOutput(l: EngineLayer): boolean {
    return l.outputs.some((o) => this.engine.graph.outputs.includes(o));
  }
  sorted(ls: Iterable<EngineLayer>): EngineLayer[] {
    return [...new Set(ls)].sort((a, b) => this.order.get(a.name)! - this.order.get(b.name)!);
  }
  dtype(t: string): string {
    return this.engine.graph.type(t).dtype;
  }
  /** Whether `t` is a network input, or comes from one through layers that are no conv or GEMM. */
  fromNetworkInput(t: string): boolean {
    for (;;) {
      const p = this.producer.get(t);
      if (!p) return this.engine.graph.inputs.some((i) => i.name === t);
      if (CONVS.has(p.op) || GEMMS.has(p.op) || !p.inputs[0]) return false;
      t = p.inputs[0];
    }
  }
}

/**
 * A QuantizeLinear whose input came from int8 layers through float ones: the walk up from it
 * (at most MAX_BREAK float layers, through int8 tensors freely) and down to the int8 layers it feeds.
 */
function int8Breaks(lg: LayerGraph, handled: Set<string>): LintFinding[] {
  const out: LintFinding[] = [];
  for (const q of lg.engine.layers.filter((l) => l.op === 'QuantizeLinear')) {
    const [before, between] = [new Set<EngineLayer>(), new Set<EngineLayer>()];
    const todo = lg.producers(q);
    while (todo.length && between.size <= MAX_BREAK) {
      const p = todo.pop()!;
      if (isInt8(p)) before.add(p);
      else if (!between.has(p)) {
        between.add(p);
        todo.push(...lg.producers(p));
      }
    }
    const after = new Set<EngineLayer>();
    const down = lg.consumers(q);
    while (down.length) {
      const c = down.pop()!;
      if (isInt8(c)) after.add(c);
      else if (c.outputs.every((o) => !o || /^u?i8$/.test(lg.dtype(o)))) down.push(...lg.consumers(c));
    }
    if (!before.size || !after.size || between.size > MAX_BREAK) continue;
    handled.add(q.name);
    const floats = lg.sorted(between);
    // An int8 layer writing float for other readers (a residual read in float, a network output).
    const floatReaders = lg.sorted([...before].flatMap((b) => lg.consumers(b)).filter((c) => c !== q && !between.has(c)));
    const keptFloat = floats.filter((l) => CONVS.has(l.op) || GEMMS.has(l.op));
    const hostile = floats.filter((l) => !INT8_FRIENDLY.has(l.op) && !keptFloat.includes(l));
    const [from, to] = [lg.sorted(before), lg.sorted(after)];
    const path = floats.length
      ? `leaves int8 for ${list(floats.map((l) => `'${l.name}' (${l.op})`))}`
      : `is written in float by ${list(names(from))}${floatReaders.length ? `, because ${list(floatReaders.map((l) => `'${l.name}' (${l.op})`))} read${floatReaders.length === 1 ? 's' : ''} it in float` : ''}`;
    out.push({
      rule: 'int8-region-broken',
      layers: lg.sorted([...from, ...floats, q, ...to]).map((l) => l.name),
      message: `INT8 region broken from ${list(names(from))} to ${list(names(to))}: the tensor ${path}, and '${q.name}' quantizes it again (one more pass over it, in float)`,
      fix: [
        ...(hostile.length ? [`${list(hostile.map((l) => `'${l.name}' (${l.op})`))} cannot run in int8 nor fuse into an Int8Conv: ${hostile.some((l) => POINTWISE.has(l.op)) ? 'use an activation the Int8Conv epilogue takes (Relu; Clip for ReLU6), or ' : ''}move it after the last int8 layer`] : []),
        ...(keptFloat.length ? [`let ${list(names(keptFloat))} run int8 too (it is kept fp32 by layerPrecision, or the calibration table lacks its input)`] : []),
        ...(!hostile.length && !keptFloat.length ? [`wgrt keeps a tensor int8 through Relu, MaxPool, Flatten and Reshape only; here ${list(floats.length ? names(floats) : names(floatReaders))} need${floats.length + floatReaders.length === 1 ? 's' : ''} it in float`] : []),
        `else keep ${list(names(to))} in fp32 (layerPrecision, --layer-precision NAME=fp32) if profiling shows the conversions cost more than int8 saves there`,
      ].join('; '),
    });
  }
  return out;
}

/** The channel counts a matrix layer's kernels want, checked. */
function channelFindings(lg: LayerGraph): LintFinding[] {
  const g = lg.engine.graph;
  const costs = layerCosts(lg.engine);
  const total = costs.reduce((s, c) => s + c.flops, 0);
  const out: LintFinding[] = [];
  lg.engine.layers.forEach((l, i) => {
    if ((!CONVS.has(l.op) && !GEMMS.has(l.op)) || costs[i]!.flops < CHANNELS_MIN_SHARE * total) return;
    const [x, w] = [l.inputs[0]!, l.inputs[1]!];
    const [xs, ys] = [g.type(x).shape, g.type(l.outputs[0]!).shape];
    const int8 = isInt8(l);
    // [what, count, multiple, why]
    const checks: [string, number, number, string][] = [];
    if (CONVS.has(l.op)) {
      const group = Number(g.nodes.find((n) => n.name === l.name)?.attrs['group'] ?? 1);
      const [cin, cout] = [xs[1]!, g.type(w).shape[0]!];
      const depthwise = group > 1 && group === cin;
      if (!lg.fromNetworkInput(x) && !depthwise) checks.push(['input channels', cin / group, 4, int8 ? 'int8 channels are packed 4 to a word, the rest padded with zeros' : 'the vec4 channel-last kernel (conv.implicit_gemm_nhwc) needs it']);
      checks.push(depthwise
        ? ['channels', cin, 4, 'the vec4 depthwise kernel needs it']
        : int8 ? ['output channels', cout / group, INT8_MMA_TILE, `a conv.int8_mma tile holds ${INT8_MMA_TILE} output channels (int8 M16 N16 K32)`] : ['output channels', cout, 4, 'the vec4 channel-last kernel needs it']);
    } else {
      checks.push(['reduction length (K)', xs[xs.length - 1]!, 4, 'gemm.vec4 needs it'], ['output columns (N)', ys[ys.length - 1]!, 4, 'gemm.vec4 needs it']);
    }
    for (const [what, n, multiple, why] of checks) {
      if (n % multiple === 0) continue;
      const padded = Math.ceil(n / multiple) * multiple;
      out.push({
        rule: 'channels',
        layers: [l.name],
        message: `'${l.name}' (${l.op}${int8 ? ', int8' : ''}): ${n} ${what}, not a multiple of ${multiple}: ${why}`,
        fix: `make it ${padded} (zero weights in the extra channels, or a width that is a multiple of ${multiple}${int8 ? '' : `; ${INT8_MMA_TILE} suits int8 too`})`,
      });
    }
  });
  return out;
}

/** Layers that only convert a tensor's layout, dtype or precision (Q/DQ not reported as a broken region). */
function reformats(lg: LayerGraph, handled: ReadonlySet<string>): LintFinding[] {
  return lg.engine.layers.filter((l) => (l.op === 'Reformat' || l.op === 'Cast' || QDQ.has(l.op)) && !handled.has(l.name)).map((l) => {
    const [from, to] = [lg.dtype(l.inputs[0]!), lg.dtype(l.outputs[0]!)];
    const edge = QDQ.has(l.op);
    const near = edge ? (l.op === 'QuantizeLinear' ? lg.consumers(l) : lg.producers(l)) : [];
    return {
      rule: 'reformat' as const,
      layers: [l.name],
      message: `'${l.name}' (${l.op}) only converts its tensor (${from} -> ${to}${l.op === 'Reformat' ? ', a layout change' : ''}): one pass over it that computes nothing`,
      fix: edge
        ? `it is the edge of an int8 region (${list(names(near))}): ${l.op === 'QuantizeLinear' && lg.fromNetworkInput(l.inputs[0]!) ? 'feed the network int8 data to drop it, or ' : ''}keep ${list(names(near))} in fp32 (layerPrecision) if its int8 speed-up is smaller than this pass`
        : `make producer and reader agree on the ${l.op === 'Cast' ? 'dtype (cast the weights or data once, outside the engine)' : 'layout (choose-layout picks channel-last only where every reader takes it)'}`,
    };
  });
}

/** Transpose copies next to pointwise layers. */
function transposes(lg: LayerGraph): LintFinding[] {
  return lg.engine.layers.filter((l) => l.op === 'Transpose').flatMap((t) => {
    const near = lg.sorted([...lg.producers(t), ...lg.consumers(t)].filter((l) => POINTWISE.has(l.op)));
    if (!near.length) return [];
    return [{
      rule: 'transpose' as const,
      layers: lg.sorted([t, ...near]).map((l) => l.name),
      message: `'${t.name}' copies its tensor into another axis order next to pointwise ${list(near.map((l) => `'${l.name}' (${l.op})`))}: fusion could not sink it below them to meet its inverse`,
      fix: `write the pointwise ops in one layout: a transpose sinks below an elementwise op (and cancels its inverse) only when the other operand is a constant or a transpose of the same perm and the transpose has no other reader; permute that operand at its source, or drop the transposes (in the FaceNet case removing them doubled throughput)`,
    }];
  });
}

/** Why fuse-pointwise left the edge a -> b as two kernels. */
function whyUnfused(lg: LayerGraph, a: EngineLayer, b: EngineLayer): string {
  const t = a.outputs[0]!;
  const others = (lg.readers.get(t) ?? []).filter((r) => r !== b);
  if (lg.isOutput(a)) return `'${a.name}' is a network output`;
  if (others.length) return `'${a.name}' is also read by ${list(names(others))}`;
  if (lg.dtype(t) !== 'f32') return `'${a.name}' is ${lg.dtype(t)} (chains are f32)`;
  return `fuse-pointwise did not run (optimization level below 2, or --disable-pass fuse-pointwise) or the shapes differ`;
}

/** Pointwise layers that feed each other, grouped into connected runs. */
function unfusedPointwise(lg: LayerGraph): LintFinding[] {
  const parent = new Map<string, string>();
  const root = (n: string): string => (parent.get(n) === undefined || parent.get(n) === n ? n : root(parent.get(n)!));
  const edges: [EngineLayer, EngineLayer][] = [];
  for (const b of lg.engine.layers.filter((l) => POINTWISE.has(l.op))) {
    for (const a of lg.producers(b).filter((p) => POINTWISE.has(p.op))) {
      edges.push([a, b]);
      parent.set(root(b.name), root(a.name));
    }
  }
  const groups = new Map<string, [EngineLayer, EngineLayer][]>();
  for (const e of edges) groups.set(root(e[0].name), [...(groups.get(root(e[0].name)) ?? []), e]);
  return [...groups.values()].map((es) => {
    const run = lg.sorted(es.flat());
    const reasons = [...new Set(es.map(([a, b]) => whyUnfused(lg, a, b)))];
    return {
      rule: 'unfused-pointwise' as const,
      layers: run.map((l) => l.name),
      message: `${run.length} pointwise layers feed each other but run as ${run.length} kernels: ${run.map((l) => `'${l.name}' (${l.op})`).join(', ')}; ${reasons.join('; ')}`,
      fix: `fuse-pointwise merges elementwise ops into one PointwiseChain kernel only where each intermediate is f32, has the chain's shape, is read by the next op alone and is no network output: read the value from the chain's end instead, or compute the shared part once more in each branch`,
    };
  });
}

/** Convolutions with fewer than LOW_INTENSITY FLOPs per byte moved (depthwise ones are so by nature). */
function tinyConvs(lg: LayerGraph): LintFinding[] {
  const g = lg.engine.graph;
  const costs = layerCosts(lg.engine);
  const total = costs.reduce((s, c) => s + c.flops, 0);
  return lg.engine.layers.flatMap((l, i) => {
    const { flops, bytes } = costs[i]!;
    const group = Number(g.nodes.find((n) => n.name === l.name)?.attrs['group'] ?? 1);
    if (!CONVS.has(l.op) || group > 1 || flops === 0 || flops / bytes >= LOW_INTENSITY) return [];
    const [w, y] = [g.type(l.inputs[1]!).shape, g.type(l.outputs[0]!).shape];
    if (y.slice(2).every((d) => d === 1) && w.slice(2).every((d) => d === 1)) return []; // a dense layer as an Int8Conv: a GEMM
    return [{
      rule: 'tiny-conv' as const,
      layers: [l.name],
      message: `'${l.name}' (${l.op}, ${w.slice(2).join('x')} kernel, ${w[1]} -> ${w[0]} channels) does ${(flops / 1e6).toFixed(2)} MFLOP on ${(bytes / 1024).toFixed(1)} KiB: ${(flops / bytes).toFixed(1)} FLOP/byte, memory-bound on any GPU (${((100 * flops) / total).toFixed(1)}% of the engine's FLOPs)`,
      fix: `its time is its memory traffic: merge it with a sibling reading the same input (fuse-horizontal merges convolutions of one kernel size), widen it, fuse it with its neighbour, or move fewer bytes (int8 or fp16)`,
    }];
  });
}

/** Every finding of every rule, rule by rule in LINT_RULES order. */
export function lintEngine(engine: Engine): LintFinding[] {
  const lg = new LayerGraph(engine);
  const handled = new Set<string>();
  return [...int8Breaks(lg, handled), ...channelFindings(lg), ...reformats(lg, handled), ...transposes(lg), ...unfusedPointwise(lg), ...tinyConvs(lg)];
}
