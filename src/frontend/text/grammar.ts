/**
 * The text DSL's grammar: dsl-grammar/wgrt.ohm, read and compiled by Ohm on first use. The
 * grammar stays a separate, readable file (the spec) instead of generated code to keep in sync.
 */
import { readFileSync } from 'node:fs';
import * as ohm from 'ohm-js';
import { WgrtError } from '../../errors.js';

// dsl-grammar/ sits three folders above this file both in src/frontend/text and in
// dist/frontend/text (package.json "files" ships it beside dist/), as kernels/ does for src/tactics.
const GRAMMAR_URL = new URL('../../../dsl-grammar/wgrt.ohm', import.meta.url);

let compiled: ohm.Grammar | undefined;

/** The compiled grammar (cached). */
export function grammar(): ohm.Grammar {
  if (!compiled) {
    let source: string;
    try {
      source = readFileSync(GRAMMAR_URL, 'utf8');
    } catch (e) {
      throw new WgrtError(`the DSL grammar 'dsl-grammar/wgrt.ohm' cannot be read (${(e as Error).message}); is the package installed whole?`);
    }
    compiled = ohm.grammar(source);
  }
  return compiled;
}
