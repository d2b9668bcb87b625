// The ONNX conformance runner: every case of test/data/onnx-conformance imported, run on
// WebGPU and on the reference executor, compared with ONNX's expected outputs, then exported
// and run in onnxruntime-node. Writes test/data/onnx-conformance/RESULTS.md.
//   npm run conformance [-- --filter resize]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { CORPUS, corpus, loadCase, runCase, type CaseResult } from './cases.js';
import { KNOWN_FAILURES, ORT_GAPS } from './known.js';
import { roundTrip } from './roundtrip.js';

const { values } = parseArgs({ options: { filter: { type: 'string' } } });
const gpu = await requireGpu();
const cases = corpus().filter((c) => !values.filter || c.name.includes(values.filter));
const rows: (CaseResult & { exported?: string })[] = [];
for (const c of cases) {
  const r = await runCase(c);
  let exported: string | undefined;
  if (!r.skipped && !r.webgpu && !r.reference) {
    try {
      exported = await roundTrip(loadCase(c));
    } catch (e) {
      exported = (e as Error).message.split('\n')[0];
    }
  }
  rows.push({ ...r, exported });
  process.stdout.write(r.skipped ? 's' : r.webgpu || r.reference ? 'F' : '.');
}
console.log();

const run = rows.filter((r) => !r.skipped);
const pass = (r: CaseResult) => !r.webgpu && !r.reference;
const count = (f: (r: (typeof rows)[number]) => boolean) => run.filter(f).length;
const pct = (k: number) => `${((100 * k) / run.length).toFixed(1)}%`;
const byOp = new Map<string, (typeof rows)[number][]>();
for (const r of rows) byOp.set(r.op, [...(byOp.get(r.op) ?? []), r]);

const adapter = `${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`.trim();
const lines = [
  '# ONNX conformance results',
  '',
  `Written by \`npm run conformance\` (test/conformance/run.ts) on adapter: ${adapter}.`,
  'Each case is imported, run on WebGPU and on the reference executor, and compared with ONNX\'s',
  'expected outputs (rtol 1e-3, atol 1e-7 unless index.json gives a tolerance). Passing cases are then',
  'exported back to ONNX and run in onnxruntime-node (CPU), whose outputs must match wgrt\'s.',
  '',
  `- cases: ${rows.length}, run: ${run.length}, skipped: ${rows.length - run.length} (random training-mode Dropout)`,
  `- pass on WebGPU: ${count((r) => !r.webgpu)} (${pct(count((r) => !r.webgpu))})`,
  `- pass on the reference: ${count((r) => !r.reference)} (${pct(count((r) => !r.reference))})`,
  `- pass on both: ${count(pass)} (${pct(count(pass))}); of these, ${count((r) => pass(r) && !!r.folded)} were folded to constants at build time (listed below)`,
  `- export round trip through onnxruntime matches: ${count((r) => pass(r) && !r.exported)} of ${count(pass)}`,
  '',
  '## Per op',
  '',
  '| op | cases | WebGPU | reference | round trip |',
  '| --- | --- | --- | --- | --- |',
  ...[...byOp]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, rs]) => {
      const ran = rs.filter((r) => !r.skipped);
      const p = ran.filter(pass);
      return `| ${op} | ${rs.length}${rs.length > ran.length ? ` (${rs.length - ran.length} skipped)` : ''} | ${ran.filter((r) => !r.webgpu).length}/${ran.length} | ${ran.filter((r) => !r.reference).length}/${ran.length} | ${p.filter((r) => !r.exported).length}/${p.length} |`;
    }),
  '',
  '## Failures',
  '',
  ...(run.some((r) => !pass(r))
    ? run.filter((r) => !pass(r)).map((r) => `- \`${r.name}\`: ${KNOWN_FAILURES[r.name] ?? 'not explained yet'} (WebGPU: ${r.webgpu ?? 'pass'}; reference: ${r.reference ?? 'pass'})`)
    : ['None.']),
  '',
  '## Skipped',
  '',
  ...rows.filter((r) => r.skipped).map((r) => `- \`${r.name}\`: ${r.skipped}`),
  '',
  '## Round-trip differences (onnxruntime)',
  '',
  ...(rows.some((r) => r.exported)
    ? rows.filter((r) => r.exported).map((r) => `- \`${r.name}\`: ${ORT_GAPS[r.name] ?? r.exported}`)
    : ['None.']),
  '',
  'Cases run with some inputs given as constants (static shapes: shape tensors, scales, K, bounds):',
  rows.filter((r) => r.frozen.length && !r.folded).map((r) => `\`${r.name}\` (${r.frozen.join(', ')})`).join(', ') + '.',
  '',
  'Cases whose every input had to be a constant, so the whole graph was evaluated at build time',
  '(no WebGPU kernel ran; these pass through constant folding on the reference):',
  (rows.filter((r) => r.folded).map((r) => `\`${r.name}\``).join(', ') || 'none') + '.',
  '',
];
if (!values.filter) writeFileSync(join(CORPUS, 'RESULTS.md'), lines.join('\n'));
console.log(lines.slice(7, 13).join('\n'));
await releaseDevices();
