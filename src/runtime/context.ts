import { DeviceError } from '../errors.js';
import type { Engine } from '../engine/engine.js';
import type { Graph } from '../ir/graph.js';
import { layoutOf } from '../ir/layout.js';
import { checkFeeds, runReference } from '../reference/index.js';
import { packConstant, packKey, type PackSpec } from '../tactics/pack.js';
import { sizeOf, tensor, type Tensor } from '../ir/tensor.js';
import { tacticById } from '../tactics/registry.js';
import { fromGpuWords, fromLayoutWords, gpuBytes, toGpuWords } from './buffers.js';
import { tensorBytes } from '../engine/memory.js';
import { acquireGpu, ADAPTER_HELP, type DeviceOptions, type Gpu } from './device.js';
import { bindDispatch, encodeDispatch, metaBuffer, pipelineFor, scratchBytes, type PreparedDispatch } from './pipelines.js';

export type Backend = 'webgpu' | 'reference';

export interface ContextOptions extends DeviceOptions {
  /** 'auto' (default): WebGPU when an adapter exists, else the reference executor with a warning. */
  readonly backend?: Backend | 'auto';
  /**
   * GPU time with timestamp queries (when the adapter has them): 'layers' (or true) stamps each
   * layer in a pass of its own (see lastProfile); 'total' stamps the one pass of the whole run, as
   * it runs unprofiled (see lastGpuMs).
   */
  readonly profile?: boolean | 'layers' | 'total';
  /**
   * Intermediate tensors to read back with the outputs (run() returns them beside the outputs):
   * each is copied out right after the layer that writes it, before the memory plan reuses its
   * buffer. The pass is split there, so this excludes `profile`.
   */
  readonly observe?: readonly string[];
  /**
   * Each run() executes the engine this many times back to back in one submission (default 1):
   * the same feeds, the last repetition's outputs, and with profile 'total' lastGpuMs per
   * repetition (the input copied in again before each, as the memory plan may reuse its buffer).
   * For benchmarks: a GPU whose clocks follow its load lowers them while runs made
   * one at a time leave it idle between writing feeds and reading outputs (the H100 did, to 40 %
   * of its clock: test/bench/RESULTS.md, "Timing drifts with the GPU's clocks"). WebGPU only; not
   * with observe or a per-layer profile.
   */
  readonly repeat?: number;
}

/** Per-layer time of the last profiled run. */
export interface LayerTime {
  readonly layer: string;
  readonly op: string;
  readonly tactic: string;
  readonly ms: number;
}

/**
 * Host-side times of the phases of one run, ms (performance.now() around each). The device-side
 * copies of the inputs and outputs run inside the submitted work, so they fall in waitMs.
 */
export interface RunPhases {
  /** Writing the feeds to the queue (queue.writeBuffer copies them into staging memory). */
  readonly writeMs: number;
  /** Encoding the command buffer and submitting it. */
  readonly enqueueMs: number;
  /** From the submit until the submitted work is done (the first output buffer is mapped). */
  readonly waitMs: number;
  /** Mapping the output buffers and copying the outputs (and timestamps) into host memory. */
  readonly readMs: number;
}

export interface ExecutionContext {
  readonly backend: Backend;
  readonly gpu: Gpu | undefined;
  /** Runs one inference: feeds by input name, outputs by output name. */
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  /** Per-layer GPU times of the last run (profile: true and timestamp-query only), else undefined. */
  lastProfile(): LayerTime[] | undefined;
  /** GPU time of the whole last run, first dispatch to last, gaps included (profile set and timestamp-query only). */
  lastGpuMs(): number | undefined;
  /** Host-side phase times of the last run (WebGPU only), else undefined. */
  lastPhases(): RunPhases | undefined;
  release(): void;
}

let warned = false;

export async function createContext(engine: Engine, opts: ContextOptions = {}): Promise<ExecutionContext> {
  const backend = opts.backend ?? 'auto';
  if (backend === 'reference') return referenceContext(engine.graph, opts.observe);
  const gpu = await acquireGpu(opts);
  if (!gpu) {
    if (backend === 'webgpu') throw new DeviceError(ADAPTER_HELP);
    if (!warned) {
      warned = true;
      process.emitWarning(`wgrt: ${ADAPTER_HELP}. Running on the CPU reference executor instead (slow).`, 'WgrtNoAdapter');
    }
    return referenceContext(engine.graph, opts.observe);
  }
  for (const l of engine.layers) {
    const missing = (tacticById(l.tactic)?.features ?? []).filter((f) => !gpu.features.has(f));
    if (missing.length) {
      throw new DeviceError(`layer '${l.name}' runs tactic '${l.tactic}', which needs the device feature ${missing.join(', ')} that this adapter (${gpu.adapter.vendor} ${gpu.adapter.description || gpu.adapter.architecture}) lacks; rebuild the engine on this adapter (\`wgrt build --tune\`) or without that tactic`);
    }
  }
  return GpuContext.create(engine, gpu, opts);
}

function referenceContext(graph: Graph, observe: readonly string[] = []): ExecutionContext {
  const keep = new Set([...graph.outputs, ...observe]);
  return {
    backend: 'reference',
    gpu: undefined,
    run: async (feeds) => (observe.length ? Object.fromEntries(Object.entries({ ...feeds, ...runReference(graph, feeds, { keep: 'all' }) }).filter(([k]) => keep.has(k))) : runReference(graph, feeds)),
    lastProfile: () => undefined,
    lastGpuMs: () => undefined,
    lastPhases: () => undefined,
    release: () => {},
  };
}

interface Weights {
  buffers: Map<string, GPUBuffer>;
  /** Constants a tactic binds packed (Binding.perm or .pack, see src/tactics/pack.ts), by name and packing. */
  packed: Map<string, GPUBuffer>;
}
const weightCache = new WeakMap<Engine, WeakMap<GPUDevice, Weights>>();

/** Weights are uploaded once per engine and device, and shared by its contexts. */
function uploadWeights(engine: Engine, gpu: Gpu): Weights {
  let perDevice = weightCache.get(engine);
  if (!perDevice) weightCache.set(engine, (perDevice = new WeakMap()));
  let w = perDevice.get(gpu.device);
  if (w) return w;
  w = { buffers: new Map(), packed: new Map() };
  for (const [name, t] of engine.graph.initializers) w.buffers.set(name, upload(gpu, name, t));
  perDevice.set(gpu.device, w);
  return w;
}

function upload(gpu: Gpu, label: string, t: Tensor): GPUBuffer {
  const b = gpu.device.createBuffer({ size: gpuBytes(t), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label });
  gpu.device.queue.writeBuffer(b, 0, toGpuWords(t));
  return b;
}

/** Constant `name` packed as the binding says (see src/tactics/pack.ts), uploaded once per engine and device. */
function packedWeight(engine: Engine, gpu: Gpu, w: Weights, name: string, spec: PackSpec): GPUBuffer {
  const key = `${name} ${packKey(spec)}`;
  let b = w.packed.get(key);
  if (b) return b;
  const t = engine.graph.initializers.get(name);
  if (!t) throw new DeviceError(`a kernel binds '${name}' as packed weights, but it is not a constant (engine is inconsistent); rebuild it`);
  b = upload(gpu, key, packConstant(t, spec));
  w.packed.set(key, b);
  return b;
}

class GpuContext implements ExecutionContext {
  readonly backend = 'webgpu' as const;
  private busy: Promise<unknown> = Promise.resolve();
  private profile: LayerTime[] | undefined;
  private gpuMs: number | undefined;
  private phases: RunPhases | undefined;

  private constructor(
    private readonly engine: Engine,
    readonly gpu: Gpu,
    private readonly slots: GPUBuffer[],
    private readonly dispatches: { layer: number; d: PreparedDispatch }[],
    private readonly staging: Map<string, [GPUBufferBinding & { buffer: GPUBuffer }, GPUBuffer]>,
    private readonly owned: GPUBuffer[],
    private readonly timing: { perLayer: boolean; set: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer } | undefined,
    /** Observed tensors (ContextOptions.observe): copied to `read` before dispatch `at`, sorted by `at`. */
    private readonly observed: readonly { name: string; at: number; src: GPUBufferBinding & { buffer: GPUBuffer }; read: GPUBuffer }[] = [],
    /** Back-to-back repetitions per run (ContextOptions.repeat). */
    private readonly repeat = 1,
  ) {
    this.stamped = new Set(dispatches.map((x) => x.layer));
    this.copyBefore = new Set(observed.map((o) => o.at));
  }

  /**
   * With repeat > 1, each input's feed, copied into its slot before every repetition: the memory
   * plan may give the slot to a later tensor once the input is read.
   */
  private readonly feedCopies = new Map<string, GPUBuffer>();

  private feedCopy(name: string, bytes: number): GPUBuffer {
    let b = this.feedCopies.get(name);
    if (!b) {
      b = this.gpu.device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: `feed ${name}` });
      this.owned.push(b);
      this.feedCopies.set(name, b);
    }
    return b;
  }

  /** Layers with dispatches: a view (Reshape, Flatten) has no pass, and its stamps are never written. */
  private readonly stamped: ReadonlySet<number>;
  /** Dispatch indices before which observed tensors are copied out. */
  private readonly copyBefore: ReadonlySet<number>;

  static async create(engine: Engine, gpu: Gpu, opts: ContextOptions): Promise<GpuContext> {
    if (gpu.lost) throw new DeviceError(`the WebGPU device was lost (${gpu.lost}); create a new context after the device recovers`);
    if (opts.observe?.length && opts.profile) throw new DeviceError('observe and profile exclude each other: copying observed tensors out splits the compute pass, which changes the times');
    const repeat = opts.repeat ?? 1;
    if (!Number.isInteger(repeat) || repeat < 1) throw new DeviceError(`repeat must be a whole number of runs, at least 1, got ${opts.repeat}`);
    if (repeat > 1 && (opts.observe?.length || (opts.profile && opts.profile !== 'total'))) {
      throw new DeviceError(`repeat ${repeat} runs the whole engine back to back in one pass each: it takes profile 'total', not observe or a per-layer profile`);
    }
    const { device } = gpu;
    const g = engine.graph;
    const weights = uploadWeights(engine, gpu);
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const slots = engine.memory.slots.map((bytes, i) => device.createBuffer({ size: bytes, usage, label: `slot ${i}` }));
    const owned = [...slots];
    // A tensor's binding: its weight buffer, or its slot (at an offset when it is a view).
    const bufferOf = (t: string): GPUBufferBinding & { buffer: GPUBuffer } => {
      const w = weights.buffers.get(t);
      if (w) return { buffer: w };
      const s = engine.memory.assign[t];
      if (s === undefined) throw new DeviceError(`tensor '${t}' has no buffer in the memory plan (engine is inconsistent); rebuild it`);
      const offset = engine.memory.offsets[t];
      return offset === undefined ? { buffer: slots[s]! } : { buffer: slots[s]!, offset, size: gpuBytes(g.type(t)) };
    };
    const dispatches: { layer: number; d: PreparedDispatch }[] = [];
    const plans = engine.plans();
    // One scratch buffer for the context, as large as the largest layer's: layers run one after
    // another, and each one's scratch contents are dead once it is done (types.ts, Binding).
    const scratchSize = scratchBytes(plans.flat());
    const scratch = scratchSize > 0 ? device.createBuffer({ size: scratchSize, usage: GPUBufferUsage.STORAGE, label: 'scratch' }) : undefined;
    if (scratch) owned.push(scratch);
    for (const [li, l] of engine.layers.entries()) {
      for (const plan of plans[li]!) {
        const pipeline = await pipelineFor(gpu, plan);
        const meta = metaBuffer(gpu, plan);
        owned.push(meta);
        const storage = plan.bindings.map((b) => {
          if ('scratch' in b) return { buffer: scratch! };
          if ('input' in b && packKey(b)) return { buffer: packedWeight(engine, gpu, weights, l.inputs[b.input]!, b) };
          return bufferOf('input' in b ? l.inputs[b.input]! : l.outputs[b.output]!);
        });
        dispatches.push({ layer: li, d: bindDispatch(gpu, plan, pipeline, meta, storage) });
      }
    }
    // Outputs read back from the GPU: [source buffer, staging buffer]. Constant and empty
    // outputs need no GPU work (see runOnce).
    const staging = new Map<string, [GPUBufferBinding & { buffer: GPUBuffer }, GPUBuffer]>();
    for (const o of g.outputs) {
      if (g.initializers.has(o) || sizeOf(g.type(o).shape) === 0) continue;
      const b = device.createBuffer({ size: gpuBytes(g.type(o)), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: `read ${o}` });
      staging.set(o, [bufferOf(o), b]);
      owned.push(b);
    }
    const observed: GpuContext['observed'][number][] = [];
    for (const t of new Set(opts.observe)) {
      if (g.initializers.has(t) || g.outputs.includes(t)) continue;
      const li = engine.layers.findIndex((l) => l.outputs.includes(t));
      if (li < 0 && !g.inputs.some((i) => i.name === t)) throw new DeviceError(`observe: '${t}' is no layer's output nor an input of the engine; observe tensors that 'wgrt inspect' lists as layer outputs`);
      const read = device.createBuffer({ size: tensorBytes(g, t), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: `observe ${t}` });
      owned.push(read);
      observed.push({ name: t, at: dispatches.filter((x) => x.layer <= li).length, src: bufferOf(t), read });
    }
    observed.sort((a, b) => a.at - b.at);
    let timing: GpuContext['timing'];
    if (opts.profile && gpu.features.has('timestamp-query')) {
      const perLayer = opts.profile !== 'total';
      const count = perLayer ? 2 * engine.layers.length : 2;
      const set = device.createQuerySet({ type: 'timestamp', count });
      const resolve = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      const read = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      owned.push(resolve, read);
      timing = { perLayer, set, resolve, read };
    }
    return new GpuContext(engine, gpu, slots, dispatches, staging, owned, timing, observed, repeat);
  }

  lastProfile(): LayerTime[] | undefined {
    return this.profile;
  }

  lastGpuMs(): number | undefined {
    return this.gpuMs;
  }

  lastPhases(): RunPhases | undefined {
    return this.phases;
  }

  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    // One inference at a time per context (its buffers are reused); other contexts run alongside.
    const next = this.busy.then(() => this.runOnce(feeds));
    this.busy = next.catch(() => undefined);
    return next;
  }

  private async runOnce(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    const g = this.engine.graph;
    checkFeeds(g, feeds);
    if (this.gpu.lost) throw new DeviceError(`the WebGPU device was lost (${this.gpu.lost}); create a new context`);
    const { device } = this.gpu;
    const t0 = performance.now();
    for (const [name, t] of Object.entries(feeds)) {
      if (t.data.length === 0) continue;
      const words = toGpuWords(t);
      device.queue.writeBuffer(this.repeat === 1 ? this.slots[this.engine.memory.assign[name]!]! : this.feedCopy(name, words.byteLength), 0, words);
    }
    const t1 = performance.now();
    const encoder = device.createCommandEncoder();
    if (this.timing?.perLayer) {
      // One pass per layer so each layer's start and end can be stamped.
      let li = -1;
      let pass: GPUComputePassEncoder | undefined;
      for (const { layer, d } of this.dispatches) {
        if (layer !== li) {
          pass?.end();
          li = layer;
          pass = encoder.beginComputePass({ timestampWrites: { querySet: this.timing.set, beginningOfPassWriteIndex: 2 * layer, endOfPassWriteIndex: 2 * layer + 1 } });
        }
        encodeDispatch(pass!, d);
      }
      pass?.end();
    } else {
      const t = this.timing;
      for (let r = 0; r < this.repeat; r++) {
        // The first repetition's pass stamps the start, the last one's the end.
        const [first, last] = [r === 0, r === this.repeat - 1];
        const stamps = t && (first || last) ? { querySet: t.set, ...(first ? { beginningOfPassWriteIndex: 0 } : {}), ...(last ? { endOfPassWriteIndex: 1 } : {}) } : undefined;
        for (const [name, b] of this.feedCopies) encoder.copyBufferToBuffer(b, 0, this.slots[this.engine.memory.assign[name]!]!, 0, b.size);
        let pass = encoder.beginComputePass(stamps ? { timestampWrites: stamps } : {});
        for (const [i, { d }] of this.dispatches.entries()) {
          if (this.copyBefore.has(i)) {
            pass.end();
            this.copyObserved(encoder, i);
            pass = encoder.beginComputePass();
          }
          encodeDispatch(pass, d);
        }
        pass.end();
      }
      this.copyObserved(encoder, this.dispatches.length);
    }
    if (this.timing) {
      encoder.resolveQuerySet(this.timing.set, 0, this.timing.set.count, this.timing.resolve, 0);
      encoder.copyBufferToBuffer(this.timing.resolve, 0, this.timing.read, 0, this.timing.read.size);
    }
    for (const [src, b] of this.staging.values()) encoder.copyBufferToBuffer(src.buffer, src.offset ?? 0, b, 0, b.size);
    device.queue.submit([encoder.finish()]);
    const t2 = performance.now();
    let done: number | undefined;
    const out: Record<string, Tensor> = {};
    for (const o of g.outputs) {
      const c = g.initializers.get(o);
      if (c) out[o] = c;
      else if (!this.staging.has(o)) out[o] = tensor(g.type(o).dtype, g.type(o).shape);
    }
    try {
      for (const [o, [, b]] of this.staging) {
        await b.mapAsync(GPUMapMode.READ);
        done ??= performance.now(); // one submit: the first map resolves when all its work is done
        out[o] = fromGpuWords(g.type(o), b.getMappedRange().slice(0));
        b.unmap();
      }
      for (const { name, read } of this.observed) {
        await read.mapAsync(GPUMapMode.READ);
        out[name] = fromLayoutWords(g.type(name), layoutOf(g, name), read.getMappedRange().slice(0));
        read.unmap();
      }
      if (this.timing) {
        await this.timing.read.mapAsync(GPUMapMode.READ);
        const t = new BigUint64Array(this.timing.read.getMappedRange().slice(0));
        this.timing.read.unmap();
        const ms = (from: number, to: number) => Number(t[to]! - t[from]!) / 1e6;
        if (this.timing.perLayer) {
          const first = this.dispatches[0]?.layer;
          const last = this.dispatches[this.dispatches.length - 1]?.layer;
          this.gpuMs = first !== undefined && last !== undefined ? ms(2 * first, 2 * last + 1) : 0;
          this.profile = this.engine.layers.map((l, i) => ({ layer: l.name, op: l.op, tactic: l.tactic, ms: this.stamped.has(i) ? ms(2 * i, 2 * i + 1) : 0 }));
        } else {
          this.gpuMs = ms(0, 1) / this.repeat;
        }
      }
    } catch (e) {
      throw new DeviceError(`reading results back failed${this.gpu.lost ? ` (device lost: ${this.gpu.lost})` : ''}: ${(e as Error).message}`);
    }
    this.phases = { writeMs: t1 - t0, enqueueMs: t2 - t1, waitMs: (done ?? t2) - t2, readMs: performance.now() - (done ?? t2) };
    return out;
  }

  /** Copies the observed tensors due before dispatch `at` (between passes). */
  private copyObserved(encoder: GPUCommandEncoder, at: number): void {
    for (const o of this.observed) if (o.at === at) encoder.copyBufferToBuffer(o.src.buffer, o.src.offset ?? 0, o.read, 0, o.read.size);
  }

  release(): void {
    for (const b of this.owned) b.destroy();
    this.timing?.set.destroy();
  }
}
