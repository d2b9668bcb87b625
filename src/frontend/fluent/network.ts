/**
 * The fluent builder: `network('name')` collects inputs, layers, weights and outputs, and
 * `build()` returns a typed, verified Graph.
 *
 *   const net = network('tiny', { seed: 1 });
 *   const x = net.input('x', [1, 3, 32, 32]);
 *   net.output('out', x.conv2d(16, { kernel: 3, pad: 1 }).relu().globalAvgPool().flatten().dense(10));
 *   const g = net.build();
 *
 * Every layer call creates its IR nodes at once and infers their types with the op definitions
 * of src/ir/ops (the same code inferTypes runs), so a shape mismatch throws a ShapeError at the
 * call that caused it, naming the layer. A call that throws leaves the network unchanged.
 */
import { GraphError, ShapeError, UnsupportedError, WgrtError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';
import { Graph, node, type Attrs, type Node, type ValueInfo } from '../../ir/graph.js';
import { nodeContext } from '../../ir/infer.js';
import { AttrReader, opDef, OPS } from '../../ir/ops/index.js';
import { fromFloat64, shapeToString, type Shape, type Tensor, type TensorType } from '../../ir/tensor.js';
import { verify } from '../../ir/verify.js';
import { initValues, isTensor, tensorSeed, weightTensor, type Init, type WeightsLike } from './init.js';
import { TensorHandle } from './tensor-handle.js';

export interface NetworkOptions {
  /** Seed of the default weight initializers (default 0): same script + same seed = same weights. */
  readonly seed?: number;
}

export interface LayerOptions {
  /** The layer's name (node and output tensor); default: the method name and a counter, e.g. 'relu_3'. */
  readonly name?: string;
}

/** A handle used with a network other than the one that made it. */
export class ForeignHandleError extends GraphError {}

export function network(name: string, opts: NetworkOptions = {}): Network {
  return new Network(name, opts);
}

/** A constant given by value: a number (scalar), a flat list (1-D), or a Tensor. */
export type ConstantLike = number | readonly number[] | Tensor;

export class Network {
  readonly name: string;
  readonly seed: number;
  private readonly graphInputs: ValueInfo[] = [];
  private readonly nodes: Node[] = [];
  private readonly initializers = new Map<string, Tensor>();
  private readonly types = new Map<string, TensorType>();
  /** Graph output name -> the tensor it names (renamed to the output name by build()). */
  private readonly outputs = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();
  /** A Graph view over `initializers`, for nodeContext. */
  private readonly scratch: Graph;
  /** The layer being built and the names it reserved (undone if it throws). */
  private active: { name: string; reserved: string[] } | undefined;

  constructor(name: string, opts: NetworkOptions = {}) {
    this.name = name;
    this.seed = opts.seed ?? 0;
    this.scratch = new Graph({ name, inputs: [], outputs: [], nodes: [], initializers: this.initializers });
  }

  /** A graph input; dtype f32 unless given. */
  input(name: string, shape: Shape, opts: { dtype?: DType } = {}): TensorHandle {
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ShapeError(`input '${name}': shape ${shapeToString(shape)} must be non-negative integers (wgrt builds static shapes)`);
    }
    this.reserve(name);
    const type: TensorType = { dtype: opts.dtype ?? 'f32', shape: [...shape] };
    this.graphInputs.push({ name, type });
    this.types.set(name, type);
    return new TensorHandle(this, name, type);
  }

  /**
   * A constant tensor (an initializer): a number is a scalar, a list is 1-D unless `shape`
   * says otherwise. dtype f32 unless given (a Tensor keeps its own).
   */
  constant(value: ConstantLike, opts: LayerOptions & { dtype?: DType; shape?: Shape } = {}): TensorHandle {
    return this.layer('const', opts.name, (name) => {
      const t = isTensor(value)
        ? value
        : weightTensor(typeof value === 'number' ? [value] : value, {
            shape: opts.shape ?? (typeof value === 'number' ? [] : [value.length]),
            dtype: opts.dtype ?? 'f32',
            what: `${name}: value`,
          });
      return this.addConstant(name, t);
    });
  }

  /** Marks `h` as the graph output `name`. Each output name may be given once. */
  output(name: string, h: TensorHandle): this {
    this.own(h, `output '${name}'`);
    if (this.outputs.has(name)) throw new GraphError(`network '${this.name}': output '${name}' is defined twice; give each output its own name`);
    const alreadyOutput = [...this.outputs.values()].includes(h.name);
    const fixed = this.initializers.has(h.name) || this.graphInputs.some((i) => i.name === h.name);
    if (name === h.name && !alreadyOutput) {
      this.outputs.set(name, name);
    } else if (alreadyOutput || fixed) {
      // The tensor cannot take this name: copy it into a tensor that can.
      const copy = this.layer('identity', name, (n) => this.addNode({ name: n, op: 'Identity', inputs: [h] })[0]!);
      this.outputs.set(name, copy.name);
    } else {
      this.reserve(name);
      this.outputs.set(name, h.name);
    }
    return this;
  }

  /** Concatenation of several handles along `axis`. */
  concat(hs: readonly TensorHandle[], axis: number, opts: LayerOptions = {}): TensorHandle {
    if (hs.length === 0) throw new GraphError(`network '${this.name}': concat needs at least one tensor`);
    return this.layer('concat', opts.name, (name) => this.addNode({ name, op: 'Concat', inputs: hs, attrs: { axis } })[0]!);
  }

  /** Elementwise select: cond ? x : y (cond is bool; numbers become constants). */
  where(cond: TensorHandle, x: TensorHandle | ConstantLike, y: TensorHandle | ConstantLike, opts: LayerOptions = {}): TensorHandle {
    return cond.where(x, y, opts);
  }

  /**
   * A node of any registered op, by name: chiefly a plugin's (src/plugins), e.g.
   * `net.custom('ScaledSwish', [x], { beta: 2 })`. One output; the layer is named after the op
   * (`scaled_swish_1`) unless `opts.name` says otherwise.
   */
  custom(op: string, inputs: readonly TensorHandle[], attrs: Attrs = {}, opts: LayerOptions = {}): TensorHandle {
    if (!OPS.has(op)) {
      throw new UnsupportedError(`network '${this.name}': op '${op}' is not registered; a custom op needs its plugin registered first (registerPlugin(...))`);
    }
    const base = op.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
    return this.layer(base, opts.name, (name) => this.addNode({ name, op, inputs, attrs })[0]!);
  }

  /** The typed (inferTypes) and verified Graph of everything built so far. */
  build(): Graph {
    if (this.outputs.size === 0) throw new GraphError(`network '${this.name}' has no outputs; mark one with net.output(name, handle)`);
    const rename = new Map<string, string>();
    for (const [out, t] of this.outputs) if (out !== t) rename.set(t, out);
    const r = (t: string) => rename.get(t) ?? t;
    const nodes = this.nodes.map((n) => node({ ...n, inputs: n.inputs.map(r), outputs: n.outputs.map(r) }));
    const types = new Map([...this.types].map(([k, v]) => [r(k), v] as const));
    return verify(
      new Graph({
        name: this.name,
        inputs: this.graphInputs,
        outputs: [...this.outputs.keys()],
        nodes,
        initializers: new Map(this.initializers),
        types,
      }),
    );
  }

  // ---- used by TensorHandle's layer methods --------------------------------------------------

  /**
   * Runs one layer: reserves its name (the given one, or `base_N`), runs `build`, and undoes
   * every node, constant and name it added if it throws.
   */
  layer<T>(base: string, given: string | undefined, build: (name: string) => T): T {
    if (this.active) return build(this.claim(given ?? this.fresh(`${this.active.name}.${base}`)));
    const counter = this.counters.get(base);
    const name = given ?? this.fresh(base);
    const nodeCount = this.nodes.length;
    this.active = { name, reserved: [] };
    try {
      this.reserve(name);
      return build(name);
    } catch (e) {
      for (const k of this.active.reserved) {
        this.used.delete(k);
        this.initializers.delete(k);
        this.types.delete(k);
      }
      this.nodes.length = nodeCount;
      if (counter === undefined) this.counters.delete(base);
      else this.counters.set(base, counter);
      throw e;
    } finally {
      this.active = undefined;
    }
  }

  /**
   * Adds a node and infers its output types at once; returns handles to its outputs. One output
   * takes the node's name; several are `name.0`, `name.1`, ... or, given suffixes, `name.suffix`.
   */
  addNode(spec: {
    name: string;
    op: string;
    inputs: readonly (TensorHandle | undefined)[];
    attrs?: Attrs;
    outputs?: number | readonly string[];
    /**
     * The output tensors' full names, '' for an absent output: a node written out by hand (the
     * text DSL's generic form), whose inputs are then kept as given, trailing absent ones too.
     */
    outputNames?: readonly string[];
  }): TensorHandle[] {
    const layer = this.active?.name ?? spec.name;
    for (const h of spec.inputs) if (h) this.own(h, layer);
    this.claim(spec.name);
    const suffixes = typeof spec.outputs === 'object' ? spec.outputs : Array.from({ length: spec.outputs ?? 1 }, (_, i) => String(i));
    const outputs = spec.outputNames
      ? spec.outputNames.map((o) => (o ? this.claim(o) : ''))
      : suffixes.length === 1 ? [spec.name] : suffixes.map((s) => this.reserve(`${spec.name}.${s}`));
    const inputs = spec.inputs.map((h) => h?.name ?? '');
    if (!spec.outputNames) while (inputs.length > 0 && inputs[inputs.length - 1] === '') inputs.pop();
    const n = node({ name: spec.name, op: spec.op, inputs, outputs, attrs: spec.attrs ?? {}, origin: [layer] });
    const def = opDef(n.op, n.name);
    let types: TensorType[];
    try {
      types = def.infer(nodeContext(this.scratch, n, this.types), new AttrReader(n, def));
    } catch (e) {
      throw layerError(layer, e, spec.inputs);
    }
    if (types.length !== outputs.length) {
      throw new GraphError(`${layer}: ${spec.op} produces ${types.length} output${types.length === 1 ? '' : 's'}, ${outputs.length} named; name one tensor (or '_') per output`);
    }
    this.nodes.push(n);
    return outputs.map((o, i) => {
      const t = types[i]!;
      if (o) this.types.set(o, t);
      return new TensorHandle(this, o, t);
    });
  }

  addConstant(name: string, t: Tensor): TensorHandle {
    this.claim(name);
    this.initializers.set(name, t);
    const type: TensorType = { dtype: t.dtype, shape: [...t.shape] };
    this.types.set(name, type);
    return new TensorHandle(this, name, type);
  }

  /**
   * A weight of the current layer, named `layer.suffix`: the user's values (shape-checked) or
   * fresh values from `init`, seeded by the network seed and the weight's name.
   */
  param(suffix: string, opts: { shape: Shape; dtype: DType; init: Init; given?: WeightsLike | undefined }): TensorHandle {
    const layer = this.active?.name ?? this.name;
    const name = `${layer}.${suffix}`;
    const t = opts.given !== undefined
      ? weightTensor(opts.given, { shape: opts.shape, dtype: opts.dtype, what: `${layer}: ${suffix}` })
      : fromFloat64(opts.dtype, opts.shape, initValues(opts.init, opts.shape, tensorSeed(this.seed, name)));
    return this.addConstant(name, t);
  }

  /** A constant input of the current layer, named `layer.suffix`. */
  constantInput(suffix: string, value: ConstantLike, dtype: DType): TensorHandle {
    const layer = this.active?.name ?? this.name;
    const name = `${layer}.${suffix}`;
    const t = isTensor(value)
      ? value
      : weightTensor(typeof value === 'number' ? [value] : value, { shape: typeof value === 'number' ? [] : [value.length], dtype, what: name });
    return this.addConstant(name, t);
  }

  private own(h: TensorHandle, where: string): void {
    if (h.network !== this) {
      throw new ForeignHandleError(
        `${where}: tensor '${h.name}' belongs to network '${h.network.name}', not '${this.name}'; a handle can only be used in the network that made it`,
      );
    }
  }

  private reserve(name: string): string {
    if (!name) throw new GraphError(`network '${this.name}': names cannot be empty`);
    if (this.used.has(name)) throw new GraphError(`network '${this.name}': the name '${name}' is already used; give another name`);
    this.used.add(name);
    this.active?.reserved.push(name);
    return name;
  }

  /** Reserves `name` unless the current layer already did. */
  private claim(name: string): string {
    return this.active?.reserved.includes(name) ? name : this.reserve(name);
  }

  private fresh(base: string): string {
    let k = this.counters.get(base) ?? 0;
    do k++;
    while (this.used.has(`${base}_${k}`));
    this.counters.set(base, k);
    return `${base}_${k}`;
  }
}

/** Rewrites an inference error as "layer: what went wrong", adding the input shapes if it lacks them. */
function layerError(layer: string, e: unknown, inputs: readonly (TensorHandle | undefined)[]): Error {
  if (!(e instanceof Error)) return new ShapeError(`${layer}: ${String(e)}`);
  const detail = e.message.replace(/^node '[^']*' \([^)]*\): /, '');
  const shapes = inputs.filter((h): h is TensorHandle => !!h).map((h) => shapeToString(h.shape));
  const extra = shapes.every((s) => detail.includes(s)) ? '' : ` (input shapes ${shapes.join(', ')})`;
  const message = `${layer}: ${detail}${extra}`;
  if (e instanceof WgrtError) {
    const Cls = e.constructor as new (m: string) => WgrtError;
    return new Cls(message);
  }
  return new ShapeError(message);
}
