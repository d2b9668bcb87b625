import { afterAll, describe, expect, it } from 'vitest';
import { releaseDevices } from '../../src/runtime/device.js';
import { loadCase, runCase, type CaseInfo } from './cases.js';
import { KNOWN_FAILURES, ORT_GAPS } from './known.js';
import { roundTrip } from './roundtrip.js';

/**
 * One test per conformance case: it passes on WebGPU and on the reference (or, for a known
 * failure, still fails as explained), and its export runs in onnxruntime with our outputs.
 */
export function conformanceSuite(title: string, cases: readonly CaseInfo[], timeoutMs = 120_000): void {
  afterAll(async () => {
    await releaseDevices();
  });
  describe(title, () => {
    for (const c of cases) {
      const known = KNOWN_FAILURES[c.name];
      it(c.name, async () => {
        const r = await runCase(c);
        if (r.skipped) return;
        if (known) {
          expect(r.webgpu ?? r.reference, `${c.name} passes now: remove it from KNOWN_FAILURES`).toBeDefined();
          return;
        }
        expect({ webgpu: r.webgpu, reference: r.reference }).toEqual({ webgpu: undefined, reference: undefined });
        const gap = ORT_GAPS[c.name];
        const rt = await roundTrip(loadCase(c)).catch((e: Error) => e.message.split('\n')[0]);
        if (gap) expect(rt, `${c.name} round-trips now: remove it from ORT_GAPS`).toBeDefined();
        else expect(rt).toBeUndefined();
      }, timeoutMs);
    }
  });
}
