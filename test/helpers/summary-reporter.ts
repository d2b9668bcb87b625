// Prints one plain closing line, `Tests: N passed, N failed, N skipped`, after vitest's own
// summary, for CI logs that read a runner-independent line.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const n = { passed: 0, failed: 0, skipped: 0 };
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') n.passed++;
        else if (s === 'failed') n.failed++;
        else n.skipped++;
      }
      if (m.state() === 'failed' && ![...m.children.allTests()].length) n.failed++;
    }
    // After the default reporter's summary, which it prints once this hook has returned.
    setImmediate(() => console.log(`\nTests: ${n.passed} passed, ${n.failed} failed, ${n.skipped} skipped`));
  }
}
