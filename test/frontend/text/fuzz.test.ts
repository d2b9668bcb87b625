// Mutated scripts (from the README examples) either parse and then build or throw a typed
// WgrtError, or throw a ScriptError with a position; never anything else, never slowly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WgrtError } from '../../../src/errors.js';
import { mulberry32 } from '../../../src/frontend/fluent/index.js';
import { buildNetwork, parseScript, ScriptError, type Script } from '../../../src/frontend/text/index.js';

const README = readFileSync(new URL('../../../dsl-grammar/README.md', import.meta.url), 'utf8');
const EXAMPLES = [...README.matchAll(/```wg\n([\s\S]*?)```/g)].map((m) => m[1]!);
const CASES = 5000;
const PUNCTUATION = '{}()[],:=_."#+-*/x\\\n ';
const TOKEN = /[A-Za-z_][A-Za-z0-9_.]*|\d+(?:\.\d+)?|"(?:[^"\\\n]|\\.)*"|\S/g;

type Rng = () => number;
const pick = (r: Rng, n: number) => Math.floor(r() * n);

/** One random edit: characters or tokens deleted, duplicated or swapped, punctuation inserted, or a cut. */
function mutate(text: string, r: Rng): string {
  const i = pick(r, text.length + 1);
  const tokens = [...text.matchAll(TOKEN)].map((m) => ({ at: m.index, s: m[0] }));
  const t = tokens[pick(r, tokens.length)] ?? { at: 0, s: '' };
  const u = tokens[pick(r, tokens.length)] ?? { at: 0, s: '' };
  switch (pick(r, 8)) {
    case 0: return text.slice(0, i) + text.slice(i + 1);
    case 1: return text.slice(0, i) + text.slice(i, i + 1) + text.slice(i);
    case 2: return text.slice(0, i) + text.slice(i + 1, i + 2) + text.slice(i, i + 1) + text.slice(i + 2);
    case 3: return text.slice(0, t.at) + text.slice(t.at + t.s.length);
    case 4: return text.slice(0, t.at) + t.s + ' ' + text.slice(t.at);
    case 5: {
      if (t.at === u.at) return text;
      const [a, b] = t.at < u.at ? [t, u] : [u, t];
      return text.slice(0, a.at) + b.s + text.slice(a.at + a.s.length, b.at) + a.s + text.slice(b.at + b.s.length);
    }
    case 6: return text.slice(0, i) + PUNCTUATION[pick(r, PUNCTUATION.length)] + text.slice(i);
    default: return text.slice(0, i);
  }
}

describe('fuzzing the text DSL', () => {
  it(`${CASES} mutated scripts fail only with typed errors, each parse under 1 s`, () => {
    const r = mulberry32(20261107);
    const problems: string[] = [];
    const counts = { built: 0, buildError: 0, scriptError: 0 };
    let slowest = 0;
    for (let k = 0; k < CASES; k++) {
      let text = EXAMPLES[k % EXAMPLES.length]!;
      for (let m = 1 + pick(r, 3); m > 0; m--) text = mutate(text, r);
      const t0 = performance.now();
      let script: Script | undefined;
      try {
        script = parseScript(text);
      } catch (e) {
        if (!(e instanceof ScriptError) || e.line < 1 || e.column < 1) problems.push(`parse threw ${String(e)}\n--- script:\n${text}`);
        else counts.scriptError++;
      }
      const took = performance.now() - t0;
      slowest = Math.max(slowest, took);
      if (took > 1000) problems.push(`parse took ${took.toFixed(0)} ms\n--- script:\n${text}`);
      if (!script) continue;
      try {
        buildNetwork(script);
        counts.built++;
      } catch (e) {
        if (!(e instanceof WgrtError) || (e instanceof ScriptError && (e.line < 1 || e.column < 1))) problems.push(`build threw ${String(e)}\n${(e as Error).stack}\n--- script:\n${text}`);
        else counts.buildError++;
      }
      if (problems.length >= 5) break;
    }
    expect(problems.slice(0, 3).join('\n\n')).toBe('');
    // The mutations reach every outcome.
    expect(counts.built).toBeGreaterThan(100);
    expect(counts.scriptError).toBeGreaterThan(100);
    expect(counts.buildError).toBeGreaterThan(10);
    expect(slowest).toBeLessThan(1000);
  }, 60_000);
});
