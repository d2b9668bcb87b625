// Scripts in the text DSL: `runScript` runs a pipeline script's steps; `wg` turns a template into a network, `wg.run` runs one.
import type { Graph } from '../ir/graph.js';
import { spliceTemplate as splice, wg as network } from '../frontend/text/index.js';
import { runScript, type RunOptions, type ScriptResult, type ScriptValue } from './run.js';

export { runScript, formatBench, formatCompare, type RunOptions, type ScriptResult, type ScriptValue } from './run.js';

type Template = (strings: TemplateStringsArray, ...values: readonly unknown[]) => Graph;

/**
 * wg`network n { ... }` is the network the script defines (its last). wg.run`...` runs a
 * pipeline script (load, build, bench, compare, ...) and resolves to the values its steps bound,
 * by name, showing what each step shows on the console; `wg.with(options).run` sets the folder
 * paths are relative to, or where the output goes.
 */
export const wg: Template & {
  run(strings: TemplateStringsArray, ...values: readonly unknown[]): Promise<Readonly<Record<string, ScriptValue>>>;
  with(opts: RunOptions): { run(strings: TemplateStringsArray, ...values: readonly unknown[]): Promise<ScriptResult> };
} = Object.assign((strings: TemplateStringsArray, ...values: readonly unknown[]) => network(strings, ...values), {
  run: async (strings: TemplateStringsArray, ...values: readonly unknown[]) => (await runScript(splice(strings, values), { source: 'wg.run`...`' })).values,
  with: (opts: RunOptions) => ({ run: (strings: TemplateStringsArray, ...values: readonly unknown[]) => runScript(splice(strings, values), { source: 'wg.run`...`', ...opts }) }),
});
