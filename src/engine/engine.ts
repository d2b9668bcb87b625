import { EngineFormatError, PluginError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { inferTypes } from '../ir/infer.js';
import { layerInfo } from '../ir/layer.js';
import { verify } from '../ir/verify.js';
import { optimize, type TraceEntry } from '../passes/index.js';
import { isPluginKernel, kernelHash } from '../tactics/sources.js';
import { pluginsOf, requirePlugins, type PluginRecord } from '../plugins/index.js';
import type { AdapterSummary } from '../runtime/device.js';
import { createContext, type ContextOptions, type ExecutionContext } from '../runtime/context.js';
import { tacticById } from '../tactics/registry.js';
import '../tactics/index.js';
import type { KernelPlan, TacticParams } from '../tactics/types.js';
import { scratchBytes } from '../runtime/pipelines.js';
import { autotune, type AutotuneOptions, type AutotuneResult } from '../tune/autotune.js';
import type { Precision, PrecisionChoice, TacticChoiceOptions } from '../tune/choose.js';
import { FORMAT_VERSION, pack, unpack } from './format.js';
import { applyInt8, type Int8Options } from './int8.js';
import { lower, type EngineLayer } from './layers.js';
import { decodeGraph, encodeGraph, manifestCheck as m } from './manifest.js';
import { planMemory, type MemoryPlan } from './memory.js';

/** Engines needing more activation memory than this are refused when loaded (hostile files). */
export const MAX_ACTIVATION_BYTES = 2 ** 34;

/**
 * Build options. From TacticChoiceOptions: `force`, `select` and `features`; `precision` and
 * `layerPrecision` as there (fp16 tactics, src/tune/choose.ts) plus 'int8' with a `calibration`
 * table (./int8.ts).
 */
export interface BuildOptions extends Omit<TacticChoiceOptions, 'precision' | 'layerPrecision'>, Int8Options {
  /** Adapter the engine was tuned on, recorded in the file (set by the autotuner). */
  readonly adapter?: AdapterSummary;
  /** Graph optimization level: 0 (no passes) to MAX_LEVEL (default). */
  readonly optimizationLevel?: number;
  /** Passes not to run, by name (see src/passes/pipeline.ts). */
  readonly disablePasses?: readonly string[];
}

/** A layer that runs fp32 though it asked for fp16 or 'best' (Engine.precisionFallbacks). */
export interface PrecisionFallback {
  readonly layer: string;
  readonly op: string;
  readonly requested: Precision;
  readonly reason: string;
  /** The whole line: layer, request, reason, what it runs in. */
  readonly message: string;
}

/**
 * A built network: the (optimized) typed graph with its weights, one layer per kernel with the
 * chosen tactic, the activation memory plan, and the kernel sources' hashes.
 */
export class Engine {
  constructor(
    readonly graph: Graph,
    readonly layers: readonly EngineLayer[],
    readonly memory: MemoryPlan,
    readonly adapter: AdapterSummary | undefined,
    /** What each optimization pass did (empty for a deserialized engine). */
    readonly trace: readonly TraceEntry[] = [],
  ) {}

  /**
   * The layers that asked for fp16 (or 'best') and run fp32, with the reason: the build report's
   * precision part, e.g. "layer 'conv1': fp16 requested, the adapter lacks shader-f16: runs fp32".
   */
  get precisionFallbacks(): PrecisionFallback[] {
    return this.layers.flatMap((l) => {
      const { requested, fallback, runs } = l.precision;
      return fallback === undefined ? [] : [{ layer: l.name, op: l.op, requested, reason: fallback, message: `layer '${l.name}': ${requested} requested, ${fallback}: runs ${runs}` }];
    });
  }

  /** How many source (ONNX/DSL) nodes the layers stand for. */
  get sourceNodes(): number {
    return new Set(this.layers.flatMap((l) => l.origin)).size;
  }

  /** Each layer's dispatches, as its tactic plans them. */
  plans(): KernelPlan[][] {
    const nodes = new Map(this.graph.nodes.map((n) => [n.name, n]));
    return this.layers.map((l) => tacticById(l.tactic)!.plan(layerInfo(this.graph, nodes.get(l.name)!), l.params));
  }

  /** Kernel files used (every kernel a layer's plan dispatches), with the hash of their source. */
  get kernels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { kernel } of this.plans().flat()) out[kernel] = kernelHash(kernel);
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** Bytes of the one scratch buffer a context makes (the largest any layer asks for, e.g. split-K partial sums). */
  get scratchBytes(): number {
    return scratchBytes(this.plans().flat());
  }

  /** The plugins (src/plugins) whose ops the engine runs: loading it needs them registered, in these versions. */
  get plugins(): PluginRecord[] {
    return pluginsOf(this.graph);
  }

  /**
   * An execution context on WebGPU (or, without an adapter, on the reference executor with one
   * warning). Several contexts of one engine may run at once; they share the uploaded weights.
   */
  createContext(opts: ContextOptions = {}): Promise<ExecutionContext> {
    return createContext(this, opts);
  }

  serialize(): Uint8Array {
    const { json, blob } = encodeGraph(this.graph);
    const manifest = {
      format: 'wgrt-engine',
      graph: json,
      // What was asked only where it was not fp32: fp32 engine files are as before.
      layers: this.layers.map((l) => ({ name: l.name, tactic: l.tactic, params: l.params, ...(l.precision.requested === 'fp32' ? {} : { precision: precisionRecord(l.precision) }) })),
      kernels: this.kernels,
      plugins: this.plugins,
      memory: { slots: this.memory.slots, peakBytes: this.memory.peakBytes, unplannedBytes: this.memory.unplannedBytes },
      adapter: this.adapter ?? null,
    };
    return pack(manifest, blob);
  }

  /** Reads an engine file; every defect is an EngineFormatError, raised before any GPU allocation. */
  static deserialize(bytes: Uint8Array, source = 'engine file'): Engine {
    const { manifest, blob } = unpack(bytes, source);
    const root = m.obj(manifest, 'manifest');
    if (root['format'] !== 'wgrt-engine') throw m.bad('manifest.format', `is ${JSON.stringify(root['format'])}, not "wgrt-engine"`);
    // Plugins first: without them the graph's ops are unknown (files before plugins have none).
    requirePlugins(pluginRecords(root['plugins']), source);
    let graph: Graph;
    try {
      graph = verify(inferTypes(decodeGraph(root['graph'], blob)));
    } catch (e) {
      if (e instanceof EngineFormatError) throw e;
      throw new EngineFormatError(`${source}: its graph is invalid (${(e as Error).message}); rebuild the engine with \`wgrt build\``);
    }
    const chosen = new Map<string, { tactic: string; params: TacticParams }>();
    const asked = new Map<string, PrecisionChoice>();
    m.arr(root['layers'], 'manifest.layers').forEach((x, i) => {
      const o = m.obj(x, `manifest.layers[${i}]`);
      const name = m.str(o['name'], `manifest.layers[${i}].name`);
      const tactic = m.str(o['tactic'], `manifest.layers[${i}].tactic`);
      const p = m.obj(o['params'], `manifest.layers[${i}].params`);
      if (!Object.values(p).every((v) => typeof v === 'number')) throw m.bad(`manifest.layers[${i}].params`, 'must map names to numbers');
      if (!tacticById(tactic)) throw m.bad(`manifest.layers[${i}].tactic`, `names '${tactic}', which this wgrt does not have`);
      chosen.set(name, { tactic, params: p as TacticParams });
      if (o['precision'] !== undefined) asked.set(name, precisionOf(o['precision'], `manifest.layers[${i}].precision`));
    });
    let layers: EngineLayer[];
    try {
      layers = lower(graph, { chosen }).map((l) => (asked.has(l.name) ? { ...l, precision: { ...asked.get(l.name)!, runs: l.precision.runs } } : l));
    } catch (e) {
      throw new EngineFormatError(`${source}: ${(e as Error).message}; rebuild the engine with \`wgrt build\``);
    }
    if (layers.some((l) => !chosen.has(l.name))) throw m.bad('manifest.layers', 'does not list every node of the graph');
    const adapter = root['adapter'] === null ? undefined : m.obj(root['adapter'], 'manifest.adapter');
    if (adapter && !['vendor', 'architecture', 'device', 'description'].every((k) => typeof adapter[k] === 'string')) {
      throw m.bad('manifest.adapter', 'must name vendor, architecture, device and description');
    }
    const memory = planMemory(graph, layers);
    if (memory.peakBytes > MAX_ACTIVATION_BYTES) {
      throw m.bad('manifest.graph', `needs ${memory.peakBytes} bytes of activations (limit ${MAX_ACTIVATION_BYTES})`);
    }
    const engine = new Engine(graph, layers, memory, adapter as AdapterSummary | undefined);
    const kernels = m.obj(root['kernels'], 'manifest.kernels');
    let planned: Record<string, string>;
    try {
      planned = engine.kernels; // plans every layer: parameters a tactic cannot take fail here
    } catch (e) {
      throw new EngineFormatError(`${source}: ${(e as Error).message}; rebuild the engine with \`wgrt build\``);
    }
    for (const [k, h] of Object.entries(planned)) {
      if (kernels[k] !== h && isPluginKernel(k)) {
        throw new PluginError(`${source}: plugin kernel ${k} differs from the one the engine was built with, though the plugin's version is the same; bump the plugin's version when its WGSL changes, and rebuild the engine`);
      }
      if (kernels[k] !== h) {
        throw new EngineFormatError(`${source}: kernel ${k} differs from the one the engine was built with (another wgrt version); rebuild the engine with \`wgrt build\``);
      }
    }
    return engine;
  }
}

/** A layer's requested precision and fallback as the manifest records them (fixed key order: files are compared bitwise). */
function precisionRecord(p: PrecisionChoice): PrecisionChoice {
  return { requested: p.requested, ...(p.fallback === undefined ? {} : { fallback: p.fallback }) };
}

function precisionOf(v: unknown, where: string): PrecisionChoice {
  const o = m.obj(v, where);
  const requested = o['requested'];
  if (requested !== 'fp32' && requested !== 'fp16' && requested !== 'best') throw m.bad(`${where}.requested`, `is ${JSON.stringify(requested)}, not "fp32", "fp16" or "best"`);
  return precisionRecord({ requested, ...(o['fallback'] === undefined ? {} : { fallback: m.str(o['fallback'], `${where}.fallback`) }) });
}

/** The manifest's plugin records (absent in files that need none). */
function pluginRecords(v: unknown): PluginRecord[] {
  if (v === undefined) return [];
  return m.arr(v, 'manifest.plugins').map((x, i) => {
    const o = m.obj(x, `manifest.plugins[${i}]`);
    const version = m.uint(o['version'], `manifest.plugins[${i}].version`);
    return { name: m.str(o['name'], `manifest.plugins[${i}].name`), version, domain: m.str(o['domain'], `manifest.plugins[${i}].domain`), op: m.str(o['op'], `manifest.plugins[${i}].op`) };
  });
}

/**
 * Builds an engine: type inference and verification, lowering to layers (one kernel each), and
 * activation memory planning. The same graph and options give a bitwise-identical engine file.
 */
export function build(network: Graph, opts: BuildOptions = {}): Engine {
  const q = applyInt8(network, opts);
  const { graph, trace } = optimize(verify(inferTypes(q.graph)), { level: opts.optimizationLevel, disable: opts.disablePasses });
  const layers = lower(graph, tacticOptions(opts, q.choice));
  return new Engine(graph, layers, planMemory(graph, layers), opts.adapter, trace);
}

/** The tactic choice's options of a build: its own, with the float precisions applyInt8 left. */
function tacticOptions(opts: BuildOptions, choice: Pick<TacticChoiceOptions, 'precision' | 'layerPrecision'>): TacticChoiceOptions {
  const { precision: _p, layerPrecision: _l, ...rest } = opts;
  return { ...rest, ...choice };
}

export interface TunedBuildOptions extends BuildOptions {
  /** The adapter to time on, the timing cache, strict mode, runs per candidate, progress (src/tune/autotune.ts). */
  readonly tune: Omit<AutotuneOptions, 'force' | 'select'>;
}

/**
 * build() with every layer's tactic chosen by timing on `opts.tune.gpu` (TensorRT's builder
 * timing): the engine records that adapter, and `tuning` holds what was measured (also added to
 * the timing cache). The same graph, options and cache give a bitwise-identical engine file.
 */
export async function buildTuned(network: Graph, opts: TunedBuildOptions): Promise<{ engine: Engine; tuning: AutotuneResult }> {
  const q = applyInt8(network, opts);
  const { graph, trace } = optimize(verify(inferTypes(q.graph)), { level: opts.optimizationLevel, disable: opts.disablePasses });
  const tuning = await autotune(graph, { ...opts.tune, force: opts.force, select: opts.select, ...q.choice });
  const layers = lower(graph, { ...tacticOptions(opts, q.choice), features: opts.tune.gpu.features, chosen: tuning.chosen });
  return { engine: new Engine(graph, layers, planMemory(graph, layers), opts.tune.gpu.adapter, trace), tuning };
}

export { FORMAT_VERSION };
