import type { AttrReader, AttrSpec, InferContext } from '../ir/ops/index.js';
import type { LayerInfo } from '../ir/layer.js';
import type { Tensor, TensorType } from '../ir/tensor.js';
import type { Tactic } from '../tactics/types.js';

/**
 * A kernel variant of a plugin: a Tactic (src/tactics/types.ts) without `ops` (a plugin tactic
 * runs the plugin's op) whose `kernel`, and the `kernel` of each plan it makes, is a file name
 * of the plugin's `kernels`. Its id is registered as '<plugin name>/<id>'.
 */
export type PluginTactic = Omit<Tactic, 'ops' | 'alias'>;

/**
 * A custom op and everything wgrt needs to build, tune, run, save and import it (TensorRT's
 * plugin creator, in one value). See README "Plugins" and test/plugins/example-plugin.ts.
 */
export interface PluginSpec {
  /** What engine files record and loading asks for, e.g. 'example.ScaledSwish' (letters, digits, '.', '_', '-'). */
  readonly name: string;
  /** A positive integer; bump it whenever the op's meaning or its WGSL changes (engines of another version refuse to load). */
  readonly version: number;
  /** The ONNX domain of the op, e.g. 'com.example' ('' for the default domain, for an ONNX op wgrt lacks). */
  readonly domain: string;
  /** The op type: the IR op name, the fluent DSL's `net.custom(op, ...)` and the ONNX op_type. It must not be a built-in op. */
  readonly op: string;
  /** [min, max] count of inputs (default [1, 1]); absent optional inputs are '' as in ONNX. */
  readonly arity?: readonly [number, number];
  /** The attribute schema: kinds and defaults (needed to check nodes and to write them to ONNX). */
  readonly attrs?: Readonly<Record<string, AttrSpec>>;
  /** Inputs that must be constants (initializers) for the op to have static shapes. */
  readonly constantInputs?: readonly number[];
  /**
   * The output types from the input types (undefined where an optional input is absent) and the
   * attributes; throw (any Error) when they do not fit: the message gets the node's name.
   */
  infer(inputs: readonly (TensorType | undefined)[], attrs: AttrReader, ctx: InferContext): TensorType[];
  /** The outputs computed on the CPU: the oracle every tactic is checked against, and the CPU fallback. */
  reference(inputs: readonly (Tensor | undefined)[], attrs: AttrReader, layer: LayerInfo): Tensor[];
  /**
   * WGSL sources by file name. Each is compiled after wgrt's prelude (kernels/common/prelude.wgsl):
   * binding 0 is the metadata uniform (read with meta_u32/meta_i32/meta_f32), storage bindings
   * start at 1 in the plan's order, every tensor is one 32-bit word per element (for a tactic
   * that takes layouts, an 8-bit channel-last one is packed 4 to a word: src/ir/layout.ts), the entry
   * point is `main`; `// #include common/<file>.wgsl` lines pull in wgrt's WGSL libraries.
   */
  readonly kernels: Readonly<Record<string, string>>;
  /** At least one; in preference order (the first that supports a layer is the untuned default). */
  readonly tactics: readonly PluginTactic[];
}

/** A registered plugin: its spec and what registration added to wgrt's registries. */
export interface RegisteredPlugin {
  readonly spec: PluginSpec;
  /** Registered tactic ids ('<name>/<id>'), in preference order. */
  readonly tactics: readonly string[];
  /** Kernel ids ('plugin:<name>/<file>') of its WGSL. */
  readonly kernels: readonly string[];
}

/** What an engine file records of each plugin it needs. */
export interface PluginRecord {
  readonly name: string;
  readonly version: number;
  readonly domain: string;
  readonly op: string;
}
