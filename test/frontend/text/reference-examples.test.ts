// Every ```wg example of the language reference (dsl-grammar/README.md) parses and runs: a
// network on the reference executor, a pipeline's steps (builds on WebGPU) through runScript.
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNetwork, parseScript } from '../../../src/frontend/text/index.js';
import { randomInput } from '../../../src/ir/random.js';
import { runReference } from '../../../src/reference/index.js';
import { runScript } from '../../../src/script/index.js';
import { useGpu } from '../../helpers/gpu.js';

useGpu();
const README = readFileSync(new URL('../../../dsl-grammar/README.md', import.meta.url), 'utf8');
export const EXAMPLES = [...README.matchAll(/```wg\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('dsl-grammar/README.md examples', () => {
  it('has an example for every construct', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(11);
    const all = EXAMPLES.join('\n');
    for (const construct of [
      'network', 'input', 'weight', 'seed', 'values', 'data', 'output', 'block', 'return', 'repeat', ' in ', ' as ', '_', '#', '"', '*', '(seed:',
      '= load', '= build', 'bench ', 'compare ', 'inspect ', 'print ', 'save ', ' with ', ' to ', "{ Gemm", '(level:',
      '= calibrate', 'evaluate ', 'precision: int8', 'calibration: t', 'keep:',
    ]) {
      expect(all, construct).toContain(construct);
    }
  });

  it.each(EXAMPLES.map((text, i) => [i + 1, text] as const))('example %i parses and runs', async (_, text) => {
    const script = parseScript(text, { source: 'README.md' });
    const steps = script.statements.filter((s) => s.kind === 'step').length;
    if (steps === 0) {
      const g = parseNetwork(text, { source: 'README.md' });
      if (g.inputs.length === 0) return;
      const feeds = Object.fromEntries(g.inputs.map((i, k) => [i.name, randomInput(i.type, k + 1)]));
      const out = runReference(g, feeds);
      expect(Object.keys(out)).toEqual([...g.outputs]);
      for (const t of Object.values(out)) expect(t.data.length).toBeGreaterThan(0);
      return;
    }
    const shown: string[] = [];
    // Paths in the examples are from the repository root; what they save goes to a fresh folder.
    const baseDir = mkdtempSync(join(tmpdir(), 'wgrt-readme-'));
    symlinkSync(new URL('../../../test', import.meta.url).pathname, join(baseDir, 'test'));
    const result = await runScript(text, { source: 'README.md', baseDir, log: (t) => shown.push(t) });
    expect(result.steps).toBe(steps);
    // Every comparison in the reference passes; every evaluation is a real accuracy.
    for (const v of Object.values(result.values)) if ('kind' in v && v.kind === 'compare') expect(v.pass).toBe(true);
    for (const line of shown.filter((t) => t.startsWith('compare '))) expect(line).toContain(': PASS');
    for (const v of Object.values(result.values)) if ('kind' in v && v.kind === 'accuracy') expect(v.top1).toBeGreaterThan(0.85);
    for (const line of shown.filter((t) => t.startsWith('evaluate '))) expect(Number(/top-1 ([\d.]+) %/.exec(line)![1])).toBeGreaterThan(85);
  }, 120_000);
});
