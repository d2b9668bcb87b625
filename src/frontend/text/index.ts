// The text DSL: scripts (dsl-grammar/wgrt.ohm, reference in dsl-grammar/README.md) to Graphs and back.
import { WgrtError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { parseScript, type ParseOptions } from './parse.js';
import { buildNetwork, type BuildOptions } from './semantics.js';

export { parseScript, type ParseOptions } from './parse.js';
export { buildNetwork, type BuildOptions } from './semantics.js';
export { ScriptError, didYouMean, editDistance } from './errors.js';
export { FLUENT_LAYERS, type LayerSignature } from './layers.js';
export type * from './ast.js';
export { printGraph } from './print.js';

/** Parses a script and builds one of its networks (the last, or `opts.network`) into a typed, verified Graph. */
export function parseNetwork(text: string, opts: ParseOptions & BuildOptions = {}): Graph {
  return buildNetwork(parseScript(text, opts), opts);
}

/**
 * A network from a template literal: wg`network n { input x: f32[1x${c}] ... }`. Numbers are
 * spliced as their literal text, strings as quoted string literals; nothing else is accepted.
 */
export function wg(strings: TemplateStringsArray, ...values: readonly unknown[]): Graph {
  return parseNetwork(spliceTemplate(strings, values), { source: 'wg`...`' });
}

/** A template literal's text with the interpolations spliced in as literals (numbers and strings only). */
export function spliceTemplate(strings: TemplateStringsArray, values: readonly unknown[]): string {
  let text = strings[0] ?? '';
  values.forEach((v, i) => {
    text += literal(v, i) + (strings[i + 1] ?? '');
  });
  return text;
}

function literal(v: unknown, i: number): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  throw new WgrtError(`wg\`...\`: interpolation ${i + 1} is ${v === null ? 'null' : typeof v}; only numbers and strings can be spliced into a script`);
}
