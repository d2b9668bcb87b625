// Runs the conformance cases whose name contains the argument, on WebGPU and on the reference:
//   npx tsx test/conformance/try.mts test_resize
import { releaseDevices } from '../../src/runtime/device.js';
import { corpus, runCase } from './cases.js';

const filter = process.argv[2] ?? '';
const cases = corpus().filter((c) => c.name.includes(filter));
let pass = 0;
for (const c of cases) {
  const r = await runCase(c);
  if (r.skipped) continue;
  if (!r.webgpu && !r.reference) pass++;
  else console.log(`${c.name}\n  webgpu: ${r.webgpu ?? 'ok'}\n  reference: ${r.reference ?? 'ok'}`);
}
console.log(`${pass}/${cases.length} pass`);
releaseDevices();
