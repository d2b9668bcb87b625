/**
 * `wgrt bisect` (Polygraphy's `debug precision`): the smallest set of layers an INT8 engine must
 * keep in fp32 for its outputs to pass against the reference executor, printed as the
 * --layer-precision flags of `wgrt build`. Layers are ranked by sensitivity (src/quant/
 * sensitivity.ts), added in that order until the outputs pass, then dropped again where they are
 * not needed (src/quant/bisect.ts). Every candidate is a real build (BuildOptions.layerPrecision).
 */
import { build } from '../engine/engine.js';
import type { Graph } from '../ir/graph.js';
import { inferTypes } from '../ir/infer.js';
import type { Tensor } from '../ir/tensor.js';
import { bisectPrecision, type BisectStep } from '../quant/bisect.js';
import { quantizableNodes } from '../quant/qdq.js';
import { referenceRunner, sensitivity } from '../quant/sensitivity.js';
import type { QuantTable } from '../quant/table.js';
import { runReference } from '../reference/index.js';
import { webgpuRunner } from '../runtime/activations.js';
import { compareOutputs, type CompareReport, type Tolerance } from '../runtime/compare.js';
import { createContext } from '../runtime/context.js';
import { acquireGpu } from '../runtime/device.js';
import { BUILD_ARGS, BUILD_ARGS_HELP, buildOptions, calibrationFromArgs, type BuildArgValues } from './build-args.js';
import type { CliCommand, FlagValues } from './command.js';
import { criterion, criterionText, feedsFromArgs, INPUT_ARGS, INPUT_ARGS_HELP, runBatches } from './compare.js';
import { CliError, loadNetwork, parseShapes } from './load.js';
import { fmt } from './table.js';

type Values = FlagValues & BuildArgValues;

/** The default criterion: INT8 never meets 1e-5 element-wise; a cosine of 0.999 on every output is close to fp32 top-1. */
const DEFAULT: Tolerance = { minCosine: 0.999 };

/** The quantizable layers the build would run in INT8 (an input the table has a threshold for), most sensitive first. */
async function ranked(g: Graph, table: QuantTable, feeds: Readonly<Record<string, Tensor>>): Promise<{ layer: string; sqnrDb: number }[]> {
  const int8 = new Set(quantizableNodes(g).filter((n) => g.initializers.has(n.inputs[0]!) || table.amax(n.inputs[0]!) !== undefined).map((n) => n.name));
  const gpu = await acquireGpu();
  const report = await sensitivity(g, table, feeds, { run: gpu ? webgpuRunner() : referenceRunner });
  return report.layers.filter((l) => int8.has(l.layer));
}

/** The worst output of a report, in words. */
function worst(r: CompareReport): string {
  const o = [...r.outputs].sort((a, b) => (r.minCosine !== undefined ? a.cosine - b.cosine : b.maxAbs - a.maxAbs))[0];
  return o ? `worst output ${o.name}: cosine ${o.cosine.toFixed(6)}, max abs ${fmt(o.maxAbs)}` : 'no outputs';
}

function stepLine(s: BisectStep<CompareReport>, i: number): string {
  const what = s.phase === 'start' ? 'everything INT8' : s.phase === 'add' ? `+ ${s.layer}` : `- ${s.layer}`;
  return `step ${i + 1}: ${what.padEnd(28)} fp32 set of ${s.fp32.length}: ${s.pass ? 'PASS' : 'FAIL'}, ${worst(s.report)}`;
}

async function run(positionals: readonly string[], v: Values): Promise<number> {
  const target = positionals[0];
  if (!target) throw new CliError(`usage: ${HELP.split('\n')[0]}`);
  if (target.endsWith('.wgrt')) throw new CliError(`bisect builds the model many times; give the model, not the engine file '${target}'`);
  if (!v.int8 || v.calib === undefined) throw new CliError('bisect searches the layers an INT8 build must keep in fp32: give --int8 and --calib FILE (a calibration table, or data to calibrate on)');
  if (v.tune || v['timing-cache'] !== undefined) throw new CliError('bisect builds with heuristic tactics; leave out --tune/--timing-cache (tune the final build with wgrt build)');
  const tol = criterion(v, DEFAULT);
  const network = await loadNetwork(target, { shapes: parseShapes(v.shapes ?? []), ...(v.network !== undefined ? { network: v.network } : {}) });
  const g = inferTypes(network);
  const opts = buildOptions(v);
  const table = (await calibrationFromArgs(network, v))!;
  const { batches, what } = feedsFromArgs(g, v);
  const expected = await runBatches((f) => runReference(network, f), batches);
  const order = await ranked(g, table, batches[0]!);
  console.log(`bisect '${network.name}' on ${what}; criterion: ${criterionText(tol)} against the reference executor`);
  console.log(`sensitivity (only that layer INT8, its output's SQNR), the order layers are tried in:\n${order.map((l) => `  ${l.layer}  ${l.sqnrDb.toFixed(1)} dB`).join('\n')}\n`);
  const check = async (fp32: readonly string[]): Promise<CompareReport> => {
    const engine = build(network, { ...opts, calibration: table, layerPrecision: { ...opts.layerPrecision, ...Object.fromEntries(fp32.map((l) => [l, 'fp32' as const])) } });
    const ctx = await createContext(engine);
    try {
      return compareOutputs(await runBatches((f) => ctx.run(f), batches), expected, tol);
    } finally {
      ctx.release();
    }
  };
  let i = 0;
  const result = await bisectPrecision(order.map((l) => l.layer), check, (s) => console.log(stepLine(s, i++)));
  if (!result.pass) {
    console.log(`\nno set passes: with every INT8 layer in fp32 the outputs still fail (${criterionText(result.steps[result.steps.length - 1]!.report)}); loosen the criterion`);
    return 1;
  }
  console.log(result.fp32.length ? `\nkeep ${result.fp32.length} layer${result.fp32.length > 1 ? 's' : ''} in fp32 (no smaller set passes):\n${result.fp32.map((l) => `--layer-precision ${l}=fp32`).join(' ')}` : '\nevery layer can run INT8: the INT8 build already passes');
  return 0;
}

const HELP = `wgrt bisect <model> --int8 --calib FILE [build options] [--data FILE [--images N]] [--min-cosine C | --atol A --rtol R]

Finds the smallest set of layers an INT8 build must keep in fp32 for its outputs to pass against
the reference executor (Polygraphy's precision bisect), and prints it as --layer-precision flags
for 'wgrt build'. The INT8 layers are ranked by sensitivity (the SQNR of each one's output with
only it in INT8), added to the fp32 set in that order until the outputs pass, then each one whose
removal still passes is dropped, so no layer of the set can go. Every step prints the set's size,
pass/fail and the worst output. The default criterion is --min-cosine 0.999 on every output
(INT8 never meets compare's element-wise 1e-5); give --min-cosine C, or --atol/--rtol. Use real
inputs (--data): random ones are far from what the network was calibrated on.

${INPUT_ARGS_HELP}

${BUILD_ARGS_HELP}`;

export const bisect: CliCommand = {
  summary: 'the fewest layers an INT8 build must keep in fp32',
  help: HELP,
  options: { ...BUILD_ARGS, ...INPUT_ARGS },
  run: (positionals, values) => run(positionals, values as Values),
};
