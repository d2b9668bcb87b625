// Times every conv tactic a layer has (each at every point of its space) on ResNet-50's 3x3 and
// 1x1 shapes and MobileNet-style depthwise shapes, row-major and channel-last, checks each
// output against the first candidate's, and prints the best point per tactic: how the Winograd,
// depthwise and im2col tactics compare with conv.implicit_gemm(_nhwc) and conv.direct.
//   npx tsx test/bench/conv-tactics.ts [--only l3.3x3,dw14] [--points] [--json out.json]
// --points prints every point's time, not only each tactic's best.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { table } from '../../src/cli/table.js';
import type { Attrs } from '../../src/ir/graph.js';
import type { Layout } from '../../src/ir/layout.js';
import type { LayerInfo } from '../../src/ir/layer.js';
import { releaseDevices, requireGpu } from '../../src/runtime/device.js';
import { prepareLayer, runLayer } from '../../src/runtime/layer.js';
import { candidates } from '../../src/tactics/index.js';
import { timeCandidates } from '../../src/tune/timing.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { nodeLayer } from '../helpers/node-layer.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, points: { type: 'boolean' }, json: { type: 'string' } } });

interface Case {
  readonly name: string;
  readonly x: number[];
  readonly w: number[];
  readonly attrs: Attrs;
  readonly layout: Layout;
}
const pad1 = { pads: [1, 1, 1, 1] };
const CASES: Case[] = [];
for (const layout of ['nchw', 'nhwc'] as Layout[]) {
  CASES.push(
    { name: 'l1.3x3', x: [1, 64, 56, 56], w: [64, 64, 3, 3], attrs: pad1, layout },
    { name: 'l2.3x3', x: [1, 128, 28, 28], w: [128, 128, 3, 3], attrs: pad1, layout },
    { name: 'l3.3x3', x: [1, 256, 14, 14], w: [256, 256, 3, 3], attrs: pad1, layout },
    { name: 'l4.3x3', x: [1, 512, 7, 7], w: [512, 512, 3, 3], attrs: pad1, layout },
    { name: 'l2.3x3.b8', x: [8, 128, 28, 28], w: [128, 128, 3, 3], attrs: pad1, layout },
    { name: 'l1.1x1b', x: [1, 64, 56, 56], w: [256, 64, 1, 1], attrs: {}, layout },
    { name: 'dw112', x: [1, 32, 112, 112], w: [32, 1, 3, 3], attrs: { ...pad1, group: 32 }, layout },
    { name: 'dw56s2', x: [1, 144, 56, 56], w: [144, 1, 3, 3], attrs: { ...pad1, group: 144, strides: [2, 2] }, layout },
    { name: 'dw14', x: [1, 576, 14, 14], w: [576, 1, 3, 3], attrs: { ...pad1, group: 576 }, layout },
    { name: 'dw14.5x5', x: [1, 480, 14, 14], w: [480, 1, 5, 5], attrs: { pads: [2, 2, 2, 2], group: 480 }, layout },
  );
}

const only = values.only?.split(',');
const gpu = await requireGpu();
const rows: string[][] = [];
const results: unknown[] = [];
for (const c of CASES.filter((k) => !only || only.includes(k.name))) {
  const inputs = [randomF32(c.x, 1), randomF32(c.w, 2), randomF32([c.w[0]!], 3)];
  const base = nodeLayer('Conv', inputs, { attrs: c.attrs, constants: [1, 2] });
  const layer: LayerInfo = { ...base, layouts: { inputs: ['nchw', 'nchw', 'nchw'].map((l, i) => (i === 0 ? c.layout : l)) as Layout[], outputs: [c.layout] } };
  const cands = candidates(layer);
  const want = (await runLayer(gpu, layer, cands[0]!, inputs))[0]!;
  const flops = 2 * c.w.reduce((a, b) => a * b, 1) * layer.outputs[0]!.shape.reduce((a, b) => a * b, 1) / c.w[0]!;
  for (const t of cands) {
    const prepared = [];
    for (const p of t.space) prepared.push(await prepareLayer(gpu, layer, t, inputs, p));
    const times = await timeCandidates(gpu, prepared, { iterations: 5, repeat: 10, dropFactor: 1e9 });
    prepared.forEach((p) => p.release());
    if (values.points) t.space.forEach((p, i) => console.log(`  ${c.name} ${c.layout} ${t.id} ${JSON.stringify(p)} ${times[i]!.meanMs.toFixed(4)} ms`));
    const best = times.reduce((b, x, i) => (x.meanMs < times[b]!.meanMs ? i : b), 0);
    const err = relL2((await runLayer(gpu, layer, t, inputs, t.space[best]))[0]!, want);
    const ms = times[best]!.meanMs;
    rows.push([`${c.name} ${c.layout}`, t.id, JSON.stringify(t.space[best]), ms.toFixed(4), (flops / ms / 1e9).toFixed(2), err.toExponential(1)]);
    results.push({ case: c.name, layout: c.layout, tactic: t.id, params: t.space[best], ms, err });
    console.log(rows[rows.length - 1]!.join('  '));
  }
}
console.log(table(['layer', 'tactic', 'best point', 'ms', 'TFLOP/s', 'relL2 vs first'], rows));
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 1));
await releaseDevices();
