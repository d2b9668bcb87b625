/**
 * The build options every command that builds takes (build, bench, compare, bisect): trtexec's
 * flags where they have one (--int8, --fp16, --best, --calib, --timing-cache, --shapes), and
 * wgrt's own (--level, --layer-precision, --force-tactic). One parser, one builder.
 */
import { existsSync } from 'node:fs';
import { build, Engine, type BuildOptions } from '../engine/engine.js';
import type { BuildLayerPrecision, BuildPrecision } from '../engine/int8.js';
import type { Graph } from '../ir/graph.js';
import { inferTypes } from '../ir/infer.js';
import { calibrate } from '../quant/calibrate.js';
import { CALIBRATION_METHODS, isCalibrationMethod } from '../quant/calibrators.js';
import { fileBatches } from '../quant/file-batches.js';
import { QuantTable } from '../quant/table.js';
import { webgpuActivations } from '../runtime/activations.js';
import { acquireGpu } from '../runtime/device.js';
import { CliError, loadEngine, loadNetwork, parseShapes } from './load.js';
import { cliProgress } from './progress.js';
import { buildWithTuning } from './tune.js';

/** parseArgs options of the build flags. */
export const BUILD_ARGS = {
  shapes: { type: 'string', multiple: true },
  network: { type: 'string' },
  level: { type: 'string' },
  'opt-level': { type: 'string' },
  'disable-pass': { type: 'string', multiple: true },
  'force-tactic': { type: 'string', multiple: true },
  int8: { type: 'boolean' },
  fp16: { type: 'boolean' },
  best: { type: 'boolean' },
  'layer-precision': { type: 'string', multiple: true },
  calib: { type: 'string' },
  'calib-method': { type: 'string' },
  'calib-images': { type: 'string' },
  'calib-scale': { type: 'string' },
  'calib-shift': { type: 'string' },
  tune: { type: 'boolean' },
  'timing-cache': { type: 'string' },
  'timing-cache-strict': { type: 'boolean' },
  'tune-iterations': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

export interface BuildArgValues {
  shapes?: string[];
  network?: string;
  level?: string;
  'opt-level'?: string;
  'disable-pass'?: string[];
  'force-tactic'?: string[];
  int8?: boolean;
  fp16?: boolean;
  best?: boolean;
  'layer-precision'?: string[];
  calib?: string;
  'calib-method'?: string;
  'calib-images'?: string;
  'calib-scale'?: string;
  'calib-shift'?: string;
  tune?: boolean;
  'timing-cache'?: string;
  'timing-cache-strict'?: boolean;
  'tune-iterations'?: string;
  verbose?: boolean;
}

/** The flags' text for a command's --help. */
export const BUILD_ARGS_HELP = `Build options (for a network; an engine file is used as built):
  --shapes NAME:DIMS        concrete shapes for symbolic ONNX inputs (e.g. image:32x1x28x28)
  --level N | --opt-level N optimization level, 0 (no passes) to the default (all)
  --disable-pass NAME       skip one optimization pass (repeatable)
  --force-tactic K=TACTIC   pin a tactic on a layer name, an op or a pattern (repeatable)
  --fp16 | --int8 | --best  precision: fp16 where the adapter has shader-f16; INT8 for Conv/Gemm/
                            MatMul (needs --calib); best: INT8 where calibrated, else fp16 or fp32
  --layer-precision K=P     per-layer precision, P fp32|fp16|int8, K a name, op or pattern (repeatable)
  --calib FILE              calibration: a table (.json from wgrt, .cache from TensorRT), or data
                            to calibrate on (IDX images, or an Arrow IPC file with a column per input)
  --calib-method M          minmax | entropy | percentile | mse (default entropy)
  --calib-images N          calibrate on the first N examples (default all, whole batches)
  --calib-scale S, --calib-shift B   IDX bytes become raw * S + B (default 1/255, 0)
  --tune                    time every candidate tactic on this adapter (--tune-iterations N)
  --timing-cache FILE       read and write the tuning times (implies --tune); --timing-cache-strict`;

const PRECISIONS = ['fp32', 'fp16', 'int8'] as const;

function int(v: string | undefined, flag: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} takes ${min > 0 ? 'a positive' : 'a non-negative'} integer, not '${v}'`);
  return n;
}

function num(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`${flag} takes a number, not '${v}'`);
  return n;
}

/** `K=V` pairs of a repeatable flag. */
export function pairs(items: readonly string[] | undefined, flag: string, what: string): [string, string][] {
  return (items ?? []).map((f) => {
    const eq = f.lastIndexOf('=');
    const [k, v] = [f.slice(0, eq), f.slice(eq + 1)];
    if (eq < 0 || !k || !v) throw new CliError(`${flag} takes ${what}, got '${f}'`);
    return [k, v];
  });
}

/** Whether any flag that only applies when building a network was given. */
function buildFlagsGiven(v: BuildArgValues): string[] {
  const flags: (keyof BuildArgValues)[] = ['level', 'opt-level', 'disable-pass', 'force-tactic', 'int8', 'fp16', 'best', 'layer-precision', 'calib', 'tune', 'timing-cache'];
  return flags.filter((f) => v[f] !== undefined).map((f) => `--${f}`);
}

/** The BuildOptions the flags ask for, without the calibration table. */
export function buildOptions(v: BuildArgValues): BuildOptions {
  const chosen = (['int8', 'fp16', 'best'] as const).filter((p) => v[p]);
  if (chosen.length > 1) throw new CliError(`--${chosen.join(' and --')} exclude each other: give one precision (--best is INT8 where calibrated, else the faster of fp16 and fp32)`);
  if (v.level !== undefined && v['opt-level'] !== undefined) throw new CliError('--level and --opt-level are the same option; give one');
  const level = int(v.level ?? v['opt-level'], v.level !== undefined ? '--level' : '--opt-level');
  const layerPrecision = Object.fromEntries(pairs(v['layer-precision'], '--layer-precision', 'LAYER|OP|PATTERN=fp32|fp16|int8').map(([k, p]) => {
    if (!(PRECISIONS as readonly string[]).includes(p)) throw new CliError(`--layer-precision ${k}=${p}: the precision must be fp32, fp16 or int8`);
    return [k, p as BuildLayerPrecision];
  }));
  const precision: BuildPrecision | undefined = chosen[0];
  return {
    ...(level !== undefined ? { optimizationLevel: level } : {}),
    ...(v['disable-pass'] ? { disablePasses: v['disable-pass'] } : {}),
    ...(v['force-tactic'] ? { force: Object.fromEntries(pairs(v['force-tactic'], '--force-tactic', 'LAYER|OP|PATTERN=TACTIC')) } : {}),
    ...(precision ? { precision } : {}),
    ...(Object.keys(layerPrecision).length ? { layerPrecision } : {}),
  };
}

/** --calib as a table: read from a file, or calibrated now on the data it names. */
export async function calibrationFromArgs(network: Graph, v: BuildArgValues, log: (s: string) => void = console.error): Promise<QuantTable | undefined> {
  const file = v.calib;
  if (file === undefined) {
    for (const f of ['calib-method', 'calib-images', 'calib-scale', 'calib-shift'] as const) if (v[f] !== undefined) throw new CliError(`--${f} needs --calib FILE`);
    return undefined;
  }
  if (!existsSync(file)) throw new CliError(`--calib: '${file}' does not exist; give a calibration table (.json, TensorRT .cache) or data (IDX images, .arrow)`);
  if (file.endsWith('.json')) return QuantTable.load(file);
  if (file.endsWith('.cache')) return QuantTable.loadTensorRTCache(file);
  const method = v['calib-method'] ?? 'entropy';
  if (!isCalibrationMethod(method)) throw new CliError(`--calib-method must be one of ${CALIBRATION_METHODS.join(', ')}, not '${method}'`);
  const g = inferTypes(network);
  const limit = int(v['calib-images'], '--calib-images', 1);
  const scale = num(v['calib-scale'], '--calib-scale');
  const shift = num(v['calib-shift'], '--calib-shift');
  const { source, batch, maxBatches } = fileBatches(g, file, { ...(limit !== undefined ? { limit } : {}), ...(scale !== undefined ? { scale } : {}), ...(shift !== undefined ? { shift } : {}) });
  const gpu = await acquireGpu();
  const t0 = performance.now();
  const table = await calibrate(g, source, { method, maxBatches, ...(gpu ? { runner: webgpuActivations() } : {}), onProgress: cliProgress('calibrating') });
  log(`calibrated '${g.name}' (${method}) on ${maxBatches * batch} examples from ${file} in ${((performance.now() - t0) / 1000).toFixed(1)} s${gpu ? '' : ' (no WebGPU adapter: reference executor)'}`);
  return table;
}

export interface EngineFromArgsOptions {
  /** Changes the network once loaded, before it is calibrated and built (bench --batch). */
  readonly network?: (network: Graph) => Graph | Promise<Graph>;
}

/** The engine the arguments ask for: an engine file as it is, or the network built with the flags. */
export async function engineFromArgs(target: string, v: BuildArgValues, log: (s: string) => void = console.error, opts: EngineFromArgsOptions = {}): Promise<{ engine: Engine; network?: Graph; calibration?: QuantTable }> {
  const net = { shapes: parseShapes(v.shapes ?? []), ...(v.network !== undefined ? { network: v.network } : {}) };
  if (target.endsWith('.wgrt')) {
    const given = buildFlagsGiven(v);
    if (given.length) throw new CliError(`${given.join(', ')} apply when building a network; '${target}' is an engine file, already built (give the model instead)`);
    return { engine: await loadEngine(target, net) };
  }
  const loaded = await loadNetwork(target, net);
  const network = opts.network ? await opts.network(loaded) : loaded;
  const built = buildOptions(v);
  const calibration = await calibrationFromArgs(network, v, log);
  const withTable: BuildOptions = { ...built, ...(calibration ? { calibration } : {}) };
  const tune = v.tune || v['timing-cache'] !== undefined;
  if (v['timing-cache-strict'] && !v['timing-cache']) throw new CliError('--timing-cache-strict needs --timing-cache FILE');
  const iterations = int(v['tune-iterations'], '--tune-iterations', 1);
  const engine = tune
    ? await buildWithTuning(network, withTable, {
      ...(v['timing-cache'] ? { cachePath: v['timing-cache'] } : {}),
      strict: !!v['timing-cache-strict'], verbose: !!v.verbose, log,
      ...(iterations ? { iterations } : {}),
    })
    : build(network, withTable);
  return { engine, network, ...(calibration ? { calibration } : {}) };
}
