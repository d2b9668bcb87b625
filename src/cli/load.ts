import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, Engine, type BuildOptions } from '../engine/engine.js';
import { WgrtError } from '../errors.js';
import { loadOnnx } from '../frontend/onnx/index.js';
import { parseNetwork } from '../frontend/text/index.js';
import { Graph } from '../ir/graph.js';
import { listPlugins, registerPlugin, type PluginSpec } from '../plugins/index.js';
import { demoNetwork } from './demo-network.js';

export class CliError extends WgrtError {
  override readonly name = 'CliError';
}

function asGraph(v: unknown, file: string): Graph {
  if (v instanceof Graph) return v;
  if (typeof v === 'function') return asGraph((v as () => unknown)(), file);
  if (typeof v === 'object' && v !== null && 'build' in v && typeof (v as { build: unknown }).build === 'function') {
    return asGraph((v as { build: () => unknown }).build(), file);
  }
  throw new CliError(`${file}: its default export must be a Graph, a fluent network, or a function returning one`);
}

export interface NetworkOptions {
  /** Concrete shapes for ONNX inputs with symbolic dims. */
  readonly shapes?: Readonly<Record<string, readonly number[]>>;
  /** Which network of a .wg script (default its last). */
  readonly network?: string;
}

/** `--shapes input:8x3x224x224,mask:8x128` (repeatable) as a shape map. */
export function parseShapes(specs: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const item of specs.flatMap((s) => s.split(','))) {
    const m = /^(.+):(\d+(?:x\d+)*)$/.exec(item.trim());
    if (!m) throw new CliError(`--shapes takes NAME:DIMxDIM..., e.g. input:1x3x224x224; got '${item}'`);
    out[m[1]!] = m[2]!.split('x').map(Number);
  }
  return out;
}

/** Imports a .js/.mjs/.ts module from the command line (TypeScript through tsx). */
async function importModule(path: string): Promise<{ default?: unknown }> {
  if (/\.(m|c)?ts$/.test(path)) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  return (await import(pathToFileURL(path).href)) as { default?: unknown };
}

/**
 * `--plugin FILE`: a module whose default export is a plugin spec (or a list of them) is
 * registered (src/plugins), unless a plugin of that name and version already is; a module that
 * registers its plugins when imported may export nothing.
 */
export async function loadPlugins(files: readonly string[]): Promise<void> {
  for (const file of files) {
    const path = resolve(file);
    if (!existsSync(path)) throw new CliError(`plugin module '${file}' does not exist`);
    const spec = (await importModule(path)).default;
    for (const s of spec === undefined ? [] : Array.isArray(spec) ? spec : [spec]) {
      const p = s as PluginSpec;
      if (typeof p !== 'object' || p === null || typeof p.name !== 'string') throw new CliError(`${file}: its default export must be a plugin spec (see registerPlugin) or a list of them`);
      if (!listPlugins().some((r) => r.name === p.name && r.version === p.version)) registerPlugin(p);
    }
  }
}

/**
 * A network given on the command line: `demo` (the embedded default), an .onnx model, or a
 * JS/TS module whose default export is a Graph or a fluent network.
 */
export async function loadNetwork(spec: string, opts: NetworkOptions = {}): Promise<Graph> {
  if (spec === 'demo') return demoNetwork();
  const path = resolve(spec);
  if (!existsSync(path)) throw new CliError(`'${spec}' does not exist; give 'demo', an engine file (.wgrt), an .onnx model, a .wg script, or a .js/.ts module exporting a network`);
  if (path.endsWith('.onnx')) return loadOnnx(path, { shapes: opts.shapes, source: spec });
  if (path.endsWith('.wg')) {
    if (opts.shapes && Object.keys(opts.shapes).length > 0) throw new CliError(`'${spec}': a script's inputs have their shapes written in it; --shapes is for ONNX models`);
    return parseNetwork(readFileSync(path, 'utf8'), { source: spec, baseDir: dirname(path), ...(opts.network !== undefined ? { network: opts.network } : {}) });
  }
  if (/\.(m|c)?[jt]s$/.test(path)) return asGraph((await importModule(path)).default, spec);
  throw new CliError(`'${spec}': unknown kind of network file; wgrt reads .onnx models, .wg scripts, .js/.mjs/.ts modules and .wgrt engines`);
}

/** An engine file, or a network to build. */
export async function loadEngine(spec: string, opts: NetworkOptions = {}, buildOpts: BuildOptions = {}): Promise<Engine> {
  if (spec.endsWith('.wgrt')) {
    if (!existsSync(spec)) throw new CliError(`engine file '${spec}' does not exist; build one with \`wgrt build <net> -o ${spec}\``);
    return Engine.deserialize(new Uint8Array(readFileSync(spec)), spec);
  }
  return build(await loadNetwork(spec, opts), buildOpts);
}
