// The ONNX backend node cases (single ops): see test/data/onnx-conformance/README.md.
import { expect, it } from 'vitest';
import { corpus, RANDOM_CASES } from './cases.js';
import { KNOWN_FAILURES } from './known.js';
import { conformanceSuite } from './suite.js';

const cases = corpus().filter((c) => c.group === 'node');

it('passes at least 98% of the node cases that are not random', () => {
  const run = cases.filter((c) => !RANDOM_CASES[c.name]);
  const failing = run.filter((c) => KNOWN_FAILURES[c.name]);
  expect(cases.length).toBe(424);
  expect((run.length - failing.length) / run.length).toBeGreaterThanOrEqual(0.98);
});

conformanceSuite('ONNX node conformance', cases);
