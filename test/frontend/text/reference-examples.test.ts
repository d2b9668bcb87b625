// Every ```wg example of the language reference (dsl-grammar/README.md) parses, builds, and runs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNetwork, parseScript } from '../../../src/frontend/text/index.js';
import { randomInput } from '../../../src/ir/random.js';
import { runReference } from '../../../src/reference/index.js';

const README = readFileSync(new URL('../../../dsl-grammar/README.md', import.meta.url), 'utf8');
export const EXAMPLES = [...README.matchAll(/```wg\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('dsl-grammar/README.md examples', () => {
  it('has an example for every construct', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(8);
    const all = EXAMPLES.join('\n');
    for (const construct of ['network', 'input', 'weight', 'seed', 'values', 'data', 'output', 'block', 'return', 'repeat', ' in ', ' as ', '_', '#', '"', '*', '(seed:']) {
      expect(all, construct).toContain(construct);
    }
  });

  it.each(EXAMPLES.map((text, i) => [i + 1, text] as const))('example %i parses, builds and runs on the reference executor', (_, text) => {
    expect(parseScript(text).statements.length).toBeGreaterThan(0);
    const g = parseNetwork(text, { source: 'README.md' });
    if (g.inputs.length === 0) return;
    const feeds = Object.fromEntries(g.inputs.map((i, k) => [i.name, randomInput(i.type, k + 1)]));
    const out = runReference(g, feeds);
    expect(Object.keys(out)).toEqual([...g.outputs]);
    for (const t of Object.values(out)) expect(t.data.length).toBeGreaterThan(0);
  });
});
