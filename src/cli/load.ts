import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, Engine } from '../engine/engine.js';
import { WgrtError } from '../errors.js';
import { Graph } from '../ir/graph.js';
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

/**
 * A network given on the command line: `demo` (the embedded default), or a JS/TS module whose
 * default export is a Graph or a fluent network.
 */
export async function loadNetwork(spec: string): Promise<Graph> {
  if (spec === 'demo') return demoNetwork();
  const path = resolve(spec);
  if (!existsSync(path)) throw new CliError(`'${spec}' does not exist; give 'demo', an engine file (.wgrt), or a .js/.ts module exporting a network`);
  if (/\.(m|c)?[jt]s$/.test(path)) {
    if (/\.(m|c)?ts$/.test(path)) {
      const { register } = await import('tsx/esm/api');
      register();
    }
    const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
    return asGraph(mod.default, spec);
  }
  throw new CliError(`'${spec}': unknown kind of network file; wgrt reads .js/.mjs/.ts modules and .wgrt engines (ONNX and .wg scripts come with their own issues)`);
}

/** An engine file, or a network to build. */
export async function loadEngine(spec: string): Promise<Engine> {
  if (spec.endsWith('.wgrt')) {
    if (!existsSync(spec)) throw new CliError(`engine file '${spec}' does not exist; build one with \`wgrt build <net> -o ${spec}\``);
    return Engine.deserialize(new Uint8Array(readFileSync(spec)), spec);
  }
  return build(await loadNetwork(spec));
}
