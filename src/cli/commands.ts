import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeEngine } from '../engine/describe.js';
import type { Tensor } from '../ir/tensor.js';
import { coverage, exportOnnx, EXPORT_OPSET } from '../frontend/onnx/index.js';
import { formatTrace } from '../passes/index.js';
import { inferTypes, verify } from '../ir/index.js';
import { CliError, loadNetwork, loadPlugins, parseShapes } from './load.js';
import { DEMO_MODELS, runDemo, type DemoModel } from './demo.js';
import { CALIBRATION_METHODS, isCalibrationMethod } from '../quant/calibrators.js';
import { readInputs } from './inputs.js';
import { runScript } from '../script/index.js';
import { formatEngine, formatLint } from './inspect.js';
import { lintEngine } from '../engine/lint.js';
import { bytes, table } from './table.js';
import { BUILD_ARGS, BUILD_ARGS_HELP, engineFromArgs, type BuildArgValues } from './build-args.js';
import type { CliCommand, FlagValues } from './command.js';
import { bench } from './bench.js';
import { compare } from './compare.js';
import { bisect } from './bisect.js';
import { report } from './report.js';

/** Commands in their own modules (src/cli/<name>.ts); the rest are below. */
const COMMANDS: Record<string, CliCommand> = {
  bench,
  compare,
  bisect,
  report,
};

const HELP: Record<string, string> = {
  '': `wgrt — a TensorRT-style inference optimizer for WebGPU

Usage: wgrt <command> [options]

Commands:
  build <net> -o <engine.wgrt>   build an engine from a network
  run <engine|net>               run one inference and print the outputs
  inspect <engine|net>           layers, shapes, kernels and the memory plan
  export <net> -o <model.onnx>   write a network as an ONNX model
  script <file.wg>               run a pipeline script (load, build, bench, compare, inspect, save)
  demo                           a quick INT8 experiment on the embedded Fashion-MNIST model
__COMMANDS__
<net> is 'demo', an .onnx model, a .wg script (its last network, or --network NAME), or a
.js/.ts module whose default export is a network. ONNX inputs with symbolic dims need
--shapes NAME:DIMxDIM... (e.g. --shapes input:8x3x224x224).
Every command takes --plugin FILE (repeatable): a .js/.ts module whose default export is a
plugin spec (custom ops with their kernels, see the README's Plugins section), registered first.
Run 'wgrt <command> --help' for a command's options.`,
  build: `wgrt build <net> -o <engine.wgrt> [build options] [--iterations N] [--verbose]

Builds an engine (graph optimization, lowering, tactic choice, memory planning) and writes the
engine file. --level sets the optimization level (0: no passes); --verbose prints what each
pass matched and replaced. --tune times every candidate tactic of every layer on this adapter
and keeps the fastest (--iterations runs each, default 8; --verbose prints every candidate's
time). --timing-cache FILE (implies --tune) reads the times measured before and writes the new
ones back; with --timing-cache-strict a layer missing from it is an error. --force-tactic pins
a tactic (not timed) on the layer of that name, on every layer of that op, or on the layers whose
names match a pattern with * and ? (e.g. 'layer1.*.conv2=conv.winograd_4x4'); 'wgrt inspect'
shows layer names and tactics.

${BUILD_ARGS_HELP}`,
  run: `wgrt run <engine|net> [--input NAME=FILE]... [--shapes NAME:DIMS] [--backend auto|webgpu|reference] [--seed N]

Runs one inference. Inputs are seeded random data unless given: FILE is raw little-endian
data of the input's dtype (.bin) or a JSON array of numbers (.json). Prints each output's
shape, a few values, and for 2-D outputs the argmax of each row.`,
  inspect: `wgrt inspect <engine|net> [--format text|json] [--shapes NAME:DIMS] [--level N]
wgrt inspect <engine|net> --lint [--format text|json]
wgrt inspect <model.onnx> --coverage

Prints each layer (op, the source nodes it stands for, tactic, precision, shapes, memory slot),
the memory plan (peak vs. unplanned), and the kernels used. With --lint, lists the patterns that
cost speed instead, each with its layers and what to change: int8 regions broken by float ops,
channel counts off the kernels' multiples, reformat layers, transposes around pointwise ops,
pointwise layers left unfused, tiny low-intensity convolutions (exits 0 either way). With
--coverage, lists every node of an ONNX model that wgrt cannot import (node, op, domain, opset,
why); exits 1 if any.`,
  export: `wgrt export <net> -o <model.onnx> [--shapes NAME:DIMS]

Writes the network as an ONNX model with standard ops (opset 21), to open in Netron or run
elsewhere.`,
  script: `wgrt script <file.wg>

Runs the steps of a script in the text DSL (dsl-grammar/README.md) in order: load, build,
bench, compare, inspect, save, print. Paths in the script are relative to the script's folder.
Each step prints what it shows; the first error stops the script with its line and column.`,
  demo: `wgrt demo [--model small_cnn|small_resnet] [--images N] [--calibration N]
          [--method minmax|entropy|percentile|mse] [--iterations N] [--backend auto|webgpu|reference]

A quick INT8 experiment on the embedded Fashion-MNIST model (a small CNN, or a small ResNet with
BatchNorm and residual adds, trained in PyTorch): imports the ONNX model, builds an fp32 engine,
checks it against the CPU reference executor and PyTorch's predictions, calibrates on N training
images (default 256, percentile), builds the INT8 engine, and prints the INT8 engine's layers,
top-1 of both engines on the first N test images (default 1000; 100 on the reference executor),
their agreement and their GPU time per batch of 100. Exits 1 when the fp32 engine disagrees with
the reference or with PyTorch (on more than 0.1% of the images).`,
};

function usage(cmd: string): string {
  const listed = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(31)}${c.summary}\n`).join('');
  return COMMANDS[cmd]?.help ?? (cmd ? HELP[cmd] : undefined) ?? HELP['']!.replace('__COMMANDS__', listed);
}

function summarize(name: string, t: Tensor): string {
  const n = t.data.length;
  const vals = Array.from({ length: Math.min(n, 6) }, (_, i) => Number(t.data[i]).toPrecision(5));
  let line = `${name}: ${t.dtype}[${t.shape.join(', ')}] ${vals.join(' ')}${n > 6 ? ' …' : ''}`;
  if (t.shape.length === 2) {
    const [rows, cols] = t.shape as [number, number];
    const arg = Array.from({ length: rows }, (_, r) => {
      let best = 0;
      for (let c = 1; c < cols; c++) if (Number(t.data[r * cols + c]) > Number(t.data[r * cols + best])) best = c;
      return best;
    });
    line += `\n  argmax per row: ${arg.join(' ')}`;
  }
  return line;
}

function backendOf(v: string | undefined): 'auto' | 'webgpu' | 'reference' {
  const b = v ?? 'auto';
  if (b !== 'auto' && b !== 'webgpu' && b !== 'reference') throw new CliError(`--backend must be auto, webgpu or reference, not '${b}'`);
  return b;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [cmd = '', ...rest] = argv;
  if (cmd === '' || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(usage(''));
    return cmd === '' ? 1 : 0;
  }
  const own = COMMANDS[cmd];
  if (own) {
    const parsed = parseArgs({ args: [...rest], allowPositionals: true, options: { help: { type: 'boolean', short: 'h' }, plugin: { type: 'string', multiple: true }, ...own.options } });
    const [values, positionals] = [parsed.values as FlagValues, parsed.positionals];
    if (values.help) {
      console.log(own.help);
      return 0;
    }
    await loadPlugins((values.plugin as string[] | undefined) ?? []);
    return own.run(positionals, values);
  }
  if (!(cmd in HELP)) throw new CliError(`unknown command '${cmd}'; commands: ${[...Object.keys(HELP).filter(Boolean), ...Object.keys(COMMANDS)].join(', ')}`);
  const { values: o, positionals } = parseArgs({
    args: [...rest],
    allowPositionals: true,
    options: {
      ...BUILD_ARGS,
      help: { type: 'boolean', short: 'h' },
      output: { type: 'string', short: 'o' },
      input: { type: 'string', multiple: true },
      backend: { type: 'string' },
      seed: { type: 'string' },
      format: { type: 'string' },
      iterations: { type: 'string' },
      coverage: { type: 'boolean' },
      lint: { type: 'boolean' },
      plugin: { type: 'string', multiple: true },
      model: { type: 'string' },
      images: { type: 'string' },
      calibration: { type: 'string' },
      method: { type: 'string' },
    },
  });
  if (o.help) {
    console.log(usage(cmd));
    return 0;
  }
  await loadPlugins(o.plugin ?? []);
  const target = positionals[0];
  const net = { shapes: parseShapes(o.shapes ?? []), ...(o.network !== undefined ? { network: o.network } : {}) };
  switch (cmd) {
    case 'build': {
      if (!target || !o.output) throw new CliError(`usage: ${usage('build').split('\n')[0]}`);
      if (o.iterations !== undefined && o['tune-iterations'] !== undefined) throw new CliError('--iterations and --tune-iterations are the same option for build; give one');
      const { engine } = await engineFromArgs(target, { ...(o as BuildArgValues), 'tune-iterations': o['tune-iterations'] ?? o.iterations }, (line) => console.log(line));
      if (o.verbose) console.log(formatTrace(engine.trace));
      const file = engine.serialize();
      writeFileSync(o.output, file);
      console.log(`built '${engine.graph.name}': ${engine.layers.length} layers, activations ${bytes(engine.memory.peakBytes)} planned (${bytes(engine.memory.unplannedBytes)} unplanned) -> ${o.output} (${bytes(file.length)})`);
      return 0;
    }
    case 'run': {
      if (!target) throw new CliError(`usage: ${usage('run').split('\n')[0]}`);
      const engine = (await engineFromArgs(target, o as BuildArgValues)).engine;
      const feeds = readInputs(engine.graph, o.input ?? [], Number(o.seed ?? 1));
      const ctx = await engine.createContext({ backend: backendOf(o.backend) });
      const t0 = performance.now();
      const out = await ctx.run(feeds);
      const ms = performance.now() - t0;
      for (const [k, v] of Object.entries(out)) console.log(summarize(k, v));
      console.log(`ran on ${ctx.backend} in ${ms.toFixed(2)} ms (first run, includes upload and readback)`);
      ctx.release();
      return 0;
    }
    case 'inspect': {
      if (!target) throw new CliError(`usage: ${usage('inspect').split('\n')[0]}`);
      if (o.coverage) return printCoverage(target);
      const engine = (await engineFromArgs(target, o as BuildArgValues)).engine;
      if (o.format && o.format !== 'text' && o.format !== 'json') throw new CliError(`--format must be text or json, not '${o.format}'`);
      if (o.lint) {
        const findings = lintEngine(engine);
        console.log(o.format === 'json' ? JSON.stringify(findings, null, 2) : formatLint(engine.graph.name, findings));
        return 0;
      }
      const d = describeEngine(engine);
      if (o.format === 'json') {
        console.log(JSON.stringify(d, null, 2));
        return 0;
      }
      if (o.format && o.format !== 'text') throw new CliError(`--format must be text or json, not '${o.format}'`);
      console.log(formatEngine(d));
      return 0;
    }
    case 'export': {
      if (!target || !o.output) throw new CliError(`usage: ${usage('export').split('\n')[0]}`);
      const g = verify(inferTypes(await loadNetwork(target, net)));
      const bytesOut = exportOnnx(g);
      writeFileSync(o.output, bytesOut);
      console.log(`exported '${g.name}': ${g.nodes.length} nodes, opset ${EXPORT_OPSET} -> ${o.output} (${bytes(bytesOut.length)})`);
      return 0;
    }
    case 'script': {
      if (!target) throw new CliError(`usage: ${usage('script').split('\n')[0]}`);
      if (!existsSync(target)) throw new CliError(`script '${target}' does not exist`);
      const { steps } = await runScript(readFileSync(target, 'utf8'), { source: target, baseDir: dirname(resolve(target)) });
      if (steps === 0) console.log(`${target} defines networks but has no steps; 'wgrt build ${target} -o net.wgrt' builds its last network`);
      return 0;
    }
    case 'demo': {
      const model = o.model ?? 'small_cnn';
      const method = o.method ?? 'percentile';
      if (!(DEMO_MODELS as readonly string[]).includes(model)) throw new CliError(`--model must be one of ${DEMO_MODELS.join(', ')}, got '${model}'`);
      if (!isCalibrationMethod(method)) throw new CliError(`--method must be one of ${CALIBRATION_METHODS.join(', ')}, got '${method}'`);
      const calibration = Number(o.calibration ?? 256);
      if (!Number.isInteger(calibration) || calibration < 8 || calibration > 1000) throw new CliError(`--calibration must be a whole number of images from 8 to 1000, got '${o.calibration}'`);
      return runDemo({
        model: model as DemoModel, method, calibration, iterations: Number(o.iterations ?? 20), backend: backendOf(o.backend),
        ...(o.images !== undefined ? { images: Number(o.images) } : {}),
      });
    }
  }
  return 1;
}

/** `inspect --coverage`: every node wgrt cannot import, in a table. */
function printCoverage(file: string): number {
  if (!file.endsWith('.onnx') || !existsSync(file)) throw new CliError(`--coverage reads an .onnx model; '${file}' is not one`);
  const bytesIn = new Uint8Array(readFileSync(file));
  const gaps = coverage(bytesIn, file);
  if (gaps.length === 0) {
    console.log(`${file}: every node can be imported`);
    return 0;
  }
  console.log(`${file}: ${gaps.length} node${gaps.length === 1 ? '' : 's'} cannot be imported\n`);
  console.log(table(['node', 'op', 'domain', 'opset', 'why'], gaps.map((g) => [g.node, g.op, g.domain || 'ai.onnx', g.opset, g.reason])));
  return 1;
}
