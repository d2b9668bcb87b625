/**
 * Plugins: user-supplied ops, each with shape inference, a reference implementation and WGSL
 * tactics. Registering one adds it to the registries every stage already reads — the op
 * definitions (src/ir/ops), the reference kernels (src/reference), the tactics (src/tactics) and
 * the kernel sources (src/tactics/sources.ts) — so it is typed, verified, folded, autotuned, run,
 * saved and imported from ONNX like a built-in op. Passes other than constant folding and dead
 * code removal leave plugin nodes as they are (they match built-in ops by name).
 */
import { PluginError } from '../errors.js';
import { toposort, type Graph } from '../ir/graph.js';
import { defineOp, OPS, undefineOp, type PluginRef } from '../ir/ops/index.js';
import { shapeToString, sameShape, type Tensor } from '../ir/tensor.js';
import { registerReference, unregisterReference } from '../reference/index.js';
import '../tactics/index.js'; // built-in tactics first: a plugin's come after them
import { registerTactic, tacticById, unregisterTactic } from '../tactics/registry.js';
import { PLUGIN_KERNEL_PREFIX, registerKernelSource, unregisterKernelSource } from '../tactics/sources.js';
import type { LayerInfo, Tactic } from '../tactics/types.js';
import type { PluginRecord, PluginSpec, PluginTactic, RegisteredPlugin } from './types.js';

/** Registered plugins by name. */
export const PLUGINS = new Map<string, RegisteredPlugin>();

const NAME = /^[A-Za-z0-9_.-]+$/;
const OP = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The kernel id of one of a plugin's WGSL files. */
export function pluginKernelId(plugin: string, file: string): string {
  return `${PLUGIN_KERNEL_PREFIX}${plugin}/${file}`;
}

/**
 * Registers a plugin (see PluginSpec): from then on its op can be added with the fluent DSL
 * (`net.custom(op, inputs, attrs)`), imported from ONNX nodes of its domain and op type, built,
 * autotuned, run on WebGPU and the reference executor, and saved in engine files, which record
 * its name and version. Throws a PluginError, changing nothing, when the spec is not valid or
 * its name, op or tactic ids are taken.
 */
export function registerPlugin(spec: PluginSpec): RegisteredPlugin {
  check(spec);
  const domain = spec.domain === 'ai.onnx' ? '' : spec.domain;
  const ref: PluginRef = { name: spec.name, version: spec.version };
  defineOp({
    op: spec.op,
    family: 'plugin',
    arity: spec.arity ?? [1, 1],
    attrs: spec.attrs ?? {},
    ...(spec.constantInputs ? { constantInputs: spec.constantInputs } : {}),
    domain,
    plugin: ref,
    infer: (ctx, a) => spec.infer(ctx.inputs, a, ctx),
  });
  registerReference([spec.op], (layer, inputs) => checked(spec, layer, spec.reference(inputs, layer.attrs, layer)));
  const kernels = Object.entries(spec.kernels).map(([file, text]) => {
    const id = pluginKernelId(spec.name, file);
    registerKernelSource(id, text);
    return id;
  });
  const tactics = spec.tactics.map((t) => wrapTactic(spec, t));
  registerTactic(...tactics);
  const registered: RegisteredPlugin = { spec, tactics: tactics.map((t) => t.id), kernels };
  PLUGINS.set(spec.name, registered);
  return registered;
}

/** Removes a plugin and everything it registered; false when none of that name is registered. */
export function unregisterPlugin(name: string): boolean {
  const p = PLUGINS.get(name);
  if (!p) return false;
  undefineOp(p.spec.op);
  unregisterReference(p.spec.op);
  p.tactics.forEach(unregisterTactic);
  p.kernels.forEach(unregisterKernelSource);
  PLUGINS.delete(name);
  return true;
}

/** The plugins registered now, by name and version. */
export function listPlugins(): PluginRecord[] {
  return [...PLUGINS.values()].map(({ spec }) => record(spec)).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The plugins whose ops a graph uses, sorted by name: what an engine file records. */
export function pluginsOf(g: Graph): PluginRecord[] {
  const used = new Map<string, PluginRecord>();
  for (const n of toposort(g)) {
    const def = OPS.get(n.op);
    if (def?.plugin) used.set(def.plugin.name, { name: def.plugin.name, version: def.plugin.version, domain: def.domain ?? '', op: n.op });
  }
  return [...used.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Checks that every plugin an engine file needs is registered, in that version, for that op;
 * throws a PluginError naming the plugin and what to do otherwise.
 */
export function requirePlugins(needed: readonly PluginRecord[], source: string): void {
  for (const r of needed) {
    const what = `${source} needs plugin '${r.name}' v${r.version} (op ${r.domain ? `${r.domain}::` : ''}${r.op})`;
    const p = PLUGINS.get(r.name);
    if (!p) throw new PluginError(`${what}, which is not registered: call registerPlugin(...) with it before loading the engine`);
    if (p.spec.version !== r.version) {
      throw new PluginError(`${what}, but v${p.spec.version} is registered: register v${r.version} of the plugin, or rebuild the engine with v${p.spec.version}`);
    }
    if (p.spec.op !== r.op) {
      throw new PluginError(`${what}, but the registered plugin of that name and version defines op ${p.spec.op}: a plugin must keep its op, or bump its version`);
    }
  }
}

function record(spec: PluginSpec): PluginRecord {
  return { name: spec.name, version: spec.version, domain: spec.domain === 'ai.onnx' ? '' : spec.domain, op: spec.op };
}

/** Everything registerPlugin would trip over, checked before anything is registered. */
function check(spec: PluginSpec): void {
  const who = `plugin '${spec.name}'`;
  const fail = (why: string) => new PluginError(`${who}: ${why}`);
  if (typeof spec.name !== 'string' || !NAME.test(spec.name)) throw new PluginError(`plugin name '${spec.name}' must be letters, digits, '.', '_' or '-' (it is part of tactic and kernel ids)`);
  const taken = PLUGINS.get(spec.name);
  if (taken) throw fail(`v${taken.spec.version} is already registered; call unregisterPlugin('${spec.name}') first to replace it`);
  if (!Number.isInteger(spec.version) || spec.version < 1) throw fail(`version must be a positive integer, got ${String(spec.version)}`);
  if (typeof spec.domain !== 'string') throw fail(`domain must be a string ('' for the default ONNX domain)`);
  if (typeof spec.op !== 'string' || !OP.test(spec.op)) throw fail(`op '${spec.op}' must be an identifier (letters, digits, '_')`);
  const def = OPS.get(spec.op);
  if (def) {
    throw fail(`op '${spec.op}' is already defined${def.plugin ? ` by plugin '${def.plugin.name}'` : ' by wgrt'}; give the plugin another op name (ops are one namespace across domains)`);
  }
  const arity = spec.arity ?? [1, 1];
  if (!(Number.isInteger(arity[0]) && arity[0] >= 0 && (arity[1] === Infinity || (Number.isInteger(arity[1]) && arity[1] >= arity[0])))) {
    throw fail(`arity [${arity.join(', ')}] must be [min, max] counts with min <= max`);
  }
  for (const [file, text] of Object.entries(spec.kernels)) {
    if (!NAME.test(file)) throw fail(`kernel file name '${file}' must be letters, digits, '.', '_' or '-'`);
    if (typeof text !== 'string' || !/\bfn\s+main\s*\(/.test(text)) throw fail(`kernel '${file}' must be WGSL text with an entry point 'main'`);
  }
  if (spec.tactics.length === 0) throw fail('has no tactics; give at least one WGSL tactic (the engine runs every layer on WebGPU)');
  const ids = new Set<string>();
  for (const t of spec.tactics) {
    if (!NAME.test(t.id)) throw fail(`tactic id '${t.id}' must be letters, digits, '.', '_' or '-'`);
    if (ids.has(t.id)) throw fail(`tactic id '${t.id}' is used twice`);
    ids.add(t.id);
    const id = `${spec.name}/${t.id}`;
    if (tacticById(id)) throw fail(`tactic '${id}' is already registered`);
    if (spec.kernels[t.kernel] === undefined) {
      throw fail(`tactic '${t.id}' names kernel '${t.kernel}', which is not one of its kernels (${Object.keys(spec.kernels).join(', ') || 'none'})`);
    }
  }
}

/**
 * A plugin tactic as wgrt registers it: id '<plugin>/<id>', the plugin's op, and kernel names
 * of the plugin's files turned into their ids (other names are paths under kernels/, so a
 * plugin may also dispatch one of wgrt's own kernels).
 */
function wrapTactic(spec: PluginSpec, t: PluginTactic): Tactic {
  const kernel = (file: string) => (spec.kernels[file] !== undefined ? pluginKernelId(spec.name, file) : file);
  return {
    id: `${spec.name}/${t.id}`,
    ops: [spec.op],
    kernel: kernel(t.kernel),
    space: t.space,
    ...(t.layouts ? { layouts: true } : {}),
    supports: (layer) => t.supports(layer),
    plan: (layer, p) => t.plan(layer, p).map((plan) => ({ ...plan, kernel: kernel(plan.kernel) })),
    ...(t.heuristic ? { heuristic: (layer: LayerInfo) => t.heuristic!(layer) } : {}),
  };
}

/** The reference outputs, checked against what inference said (a plugin bug shows up here, not as wrong numbers later). */
function checked(spec: PluginSpec, layer: LayerInfo, out: Tensor[]): Tensor[] {
  const at = `plugin '${spec.name}': reference of node '${layer.node.name}'`;
  if (!Array.isArray(out) || out.length !== layer.outputs.length) {
    throw new PluginError(`${at} returned ${Array.isArray(out) ? out.length : 'no list of'} outputs; infer says ${layer.outputs.length}`);
  }
  out.forEach((t, i) => {
    const want = layer.outputs[i];
    if (want && (t.dtype !== want.dtype || !sameShape(t.shape, want.shape))) {
      throw new PluginError(`${at}: output ${i} is ${t.dtype}${shapeToString(t.shape)}; infer says ${want.dtype}${shapeToString(want.shape)}`);
    }
  });
  return out;
}
