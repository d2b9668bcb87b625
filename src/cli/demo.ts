import { build } from '../engine/engine.js';
import { describeEngine } from '../engine/describe.js';
import { toFloat64 } from '../ir/tensor.js';
import { runReference } from '../reference/index.js';
import { percentile } from '../runtime/bench.js';
import { relativeL2 } from '../runtime/compare.js';
import { demoNetwork } from './demo-network.js';
import { readInputs } from './inputs.js';
import { bytes, table } from './table.js';

/** `wgrt demo`: build the embedded CNN, run it, check it against the reference, print timings. */
export async function runDemo(opts: { iterations: number; backend: 'auto' | 'webgpu' | 'reference' }): Promise<number> {
  const t0 = performance.now();
  const graph = demoNetwork();
  const engine = build(graph);
  const buildMs = performance.now() - t0;
  const feeds = readInputs(engine.graph, [], 1);
  const ctx = await engine.createContext({ backend: opts.backend, profile: true });
  const adapter = ctx.gpu ? `${ctx.gpu.adapter.vendor || '?'} / ${ctx.gpu.adapter.description || ctx.gpu.adapter.architecture || 'unknown adapter'}` : 'none (CPU reference executor)';
  console.log(`wgrt demo — '${graph.name}', ${engine.layers.length} layers, backend ${ctx.backend}, adapter ${adapter}\n`);

  const t1 = performance.now();
  const out = await ctx.run(feeds);
  const firstMs = performance.now() - t1;
  const times: number[] = [];
  for (let i = 0; i < Math.max(1, opts.iterations); i++) {
    const s = performance.now();
    await ctx.run(feeds);
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const ref = runReference(engine.graph, feeds);
  const name = engine.graph.outputs[0]!;
  const err = relativeL2(toFloat64(out[name]!), toFloat64(ref[name]!));

  const d = describeEngine(engine);
  const prof = ctx.lastProfile();
  const gpuMs = new Map(prof?.map((p) => [p.layer, p.ms]) ?? []);
  console.log(table(
    ['#', 'layer', 'op', 'tactic', 'in', 'out', ...(prof ? ['gpu ms'] : [])],
    d.layers.map((l, i) => [i, l.name, l.op, l.tactic, l.inputs.join(' '), l.output, ...(prof ? [gpuMs.get(l.name) ?? 0] : [])]),
  ));
  const probs = Array.from(toFloat64(out[name]!));
  const top = probs.indexOf(Math.max(...probs));
  console.log('');
  console.log(table(['measure', 'value'], [
    ['build', `${buildMs.toFixed(1)} ms`],
    ['first run (pipelines warm, upload + readback)', `${firstMs.toFixed(2)} ms`],
    [`run, median of ${times.length}`, `${percentile(times, 50).toFixed(3)} ms`],
    ['run, p90', `${percentile(times, 90).toFixed(3)} ms`],
    ...(prof ? [['GPU time, sum of layers (timestamp-query)', `${prof.reduce((s, p) => s + p.ms, 0).toFixed(3)} ms`]] : []),
    ['activation memory, planned / without reuse', `${bytes(d.memory.peakBytes)} / ${bytes(d.memory.unplannedBytes)}`],
    ['weights', bytes(d.weightsBytes)],
    [`'${name}' vs CPU reference, relative L2`, err.toExponential(2)],
    ['predicted class (random input)', `${top} (p = ${probs[top]!.toFixed(4)})`],
  ]));
  ctx.release();
  if (!(err < 1e-4)) {
    console.error(`\nwgrt demo: the ${ctx.backend} output differs from the reference (relative L2 ${err}); please report this`);
    return 1;
  }
  return 0;
}
