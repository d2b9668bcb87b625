// The autotuner on the current adapter: builds a model (all passes) with heuristic tactics, then
// tuned with an empty timing cache, then again with the warm cache (strict), and times the
// heuristic and tuned engines interleaved (./interleave.ts). Prints build times, GPU and wall
// medians, and the layers whose choice changed.
//   npx tsx test/bench/tune.ts [model.onnx|demo|gemm:N] [--iterations 30] [--runs 8] [--cache out.json] [--report] [--no-robustness]
// --no-robustness: Dawn without bounds clamps on storage accesses (DeviceOptions.robustness).
// --report prints every candidate's time (the build report of `wgrt build --tune --verbose`).
import { parseArgs } from 'node:util';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { relativeL2 } from '../../src/runtime/compare.js';
import { readInputs } from '../../src/cli/inputs.js';
import { table } from '../../src/cli/table.js';
import { build, buildTuned } from '../../src/engine/engine.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { toFloat64 } from '../../src/ir/tensor.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { TimingCache } from '../../src/tune/cache.js';
import { formatTuning } from '../../src/cli/tune.js';
import { gemmGraph } from './graphs.js';
import { median, ratio, timeInterleaved } from './interleave.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { iterations: { type: 'string' }, runs: { type: 'string' }, cache: { type: 'string' }, report: { type: 'boolean' }, 'no-robustness': { type: 'boolean' } },
});
const iterations = Number(values.iterations ?? 30);
const model = positionals[0] ?? 'test/data/onnx-conformance/light/light_resnet50/model.onnx';
const graph = model === 'demo' ? demoNetwork() : model.startsWith('gemm:') ? gemmGraph(Number(model.slice(5))) : loadOnnx(model);
const gpu = await requireGpu(values['no-robustness'] ? { robustness: false } : {});
const runs = Number(values.runs ?? 8);

const since = (t0: number) => performance.now() - t0;
let t0 = performance.now();
const heuristic = build(graph);
const heuristicMs = since(t0);
t0 = performance.now();
const cold = await buildTuned(graph, { tune: { gpu, iterations: runs } });
const coldMs = since(t0);
t0 = performance.now();
const warm = await buildTuned(graph, { tune: { gpu, cache: TimingCache.parse(cold.tuning.cache.toJSON()), strict: true } });
const warmMs = since(t0);
if (values.cache) cold.tuning.cache.save(values.cache);
const same = Buffer.from(warm.engine.serialize()).equals(Buffer.from(cold.engine.serialize()));

const feeds = readInputs(graph, [], 1);
const [h, t] = await timeInterleaved([heuristic, cold.engine], feeds, iterations);
const err = Math.max(...Object.keys(h!.out).map((k) => relativeL2(toFloat64(t!.out[k]!), toFloat64(h!.out[k]!))));
const timedCandidates = [...new Set(cold.tuning.records.values())].reduce((s, r) => s + r.candidates.filter((c) => c.meanMs !== undefined).length, 0);
console.log(`model: ${model}; adapter: ${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`.trim());
console.log(`tuned: ${cold.tuning.records.size} layers with a record, ${cold.tuning.cache.size} distinct, ${timedCandidates} candidates timed (${runs} runs each); warm rebuild timed ${warm.tuning.timed}, engine identical: ${same}; outputs tuned vs heuristic: relative L2 ${err.toExponential(2)}\n`);
console.log(table(['engine', 'build ms', 'GPU median ms', 'wall median ms', 'speed-up (GPU)', 'speed-up (wall)'], [
  ['heuristic', heuristicMs.toFixed(0), median(h!.gpu).toFixed(3), median(h!.wall).toFixed(3), '1.00', '1.00'],
  ['tuned, empty cache', coldMs.toFixed(0), median(t!.gpu).toFixed(3), median(t!.wall).toFixed(3), ratio(h!.gpu, t!.gpu).toFixed(2), ratio(h!.wall, t!.wall).toFixed(2)],
  ['tuned, warm cache', warmMs.toFixed(0), '(same engine)', '', '', ''],
]));
const changed = cold.engine.layers.filter((l, i) => l.tactic !== heuristic.layers[i]!.tactic || JSON.stringify(l.params) !== JSON.stringify(heuristic.layers[i]!.params));
console.log(`\n${changed.length} of ${cold.engine.layers.length} layers chose differently from the heuristic`);
const rows = changed.slice(0, 12).map((l) => {
  const r = cold.tuning.records.get(l.name)!;
  const hl = heuristic.layers.find((x) => x.name === l.name)!;
  const time = (tac: string, p: object) => r.candidates.find((c) => c.tactic === tac && JSON.stringify(c.params) === JSON.stringify(p))?.meanMs;
  const th = time(hl.tactic, hl.params);
  return [l.name, `${hl.tactic} ${JSON.stringify(hl.params)}`, th === undefined ? '-' : th.toFixed(4), `${l.tactic} ${JSON.stringify(l.params)}`, time(l.tactic, l.params)!.toFixed(4)];
});
if (rows.length) console.log(table(['layer', 'heuristic', 'ms', 'tuned', 'ms'], rows));
if (values.report) console.log(`\n${formatTuning(cold.tuning)}`);
await releaseDevices();
