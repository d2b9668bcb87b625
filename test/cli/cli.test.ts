import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineFormatError, PluginError, TimingCacheError } from '../../src/errors.js';
import { unregisterPlugin } from '../../src/plugins/index.js';
import { cli } from '../helpers/cli.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();
const dir = mkdtempSync(join(tmpdir(), 'wgrt-cli-'));

afterEach(() => vi.restoreAllMocks());

describe('wgrt CLI', () => {
  it('prints help for the tool and for each command', async () => {
    expect((await cli('--help')).out).toMatch(/build <net> -o <engine.wgrt>[\s\S]*demo[\s\S]*bench[\s\S]*compare[\s\S]*bisect[\s\S]*report/);
    for (const c of ['build', 'run', 'inspect', 'script', 'demo', 'bench', 'compare', 'bisect', 'report']) {
      const r = await cli(c, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`wgrt ${c}`);
    }
  });

  it('builds an engine file, inspects it (text and JSON) and runs it', async () => {
    const file = join(dir, 'demo.wgrt');
    expect((await cli('build', 'demo', '-o', file)).code).toBe(0);
    const json = JSON.parse((await cli('inspect', file, '--format', 'json')).out) as { layers: { name: string; op: string; origin: string[]; tactic: string; layout: string; output: string }[] };
    expect(json.layers.length).toBeGreaterThan(10);
    // Layouts are for 4-D tensors: the 2-D head is row-major, not 'nchw'.
    for (const l of json.layers) expect(l.layout, l.name).toEqual(l.output.split(/[x ]/).length === 4 ? expect.stringMatching(/^(nchw|nhwc)$/) : 'row-major');
    expect(json.layers.some((l) => l.layout === 'row-major')).toBe(true);
    expect(json.layers.every((l) => l.origin.length > 0 && l.tactic.length > 0)).toBe(true);
    const text = (await cli('inspect', file)).out;
    expect(text).toMatch(/memory: \d+ activation buffers/);
    for (const l of json.layers) expect(text).toContain(l.name);
    const run = await cli('run', file, '--backend', 'webgpu');
    expect(run.out).toMatch(/probabilities: f32\[1, 10\][\s\S]*argmax per row: \d/);
  });

  it('prints the optimizer trace with --verbose, and builds at --level 0 with one layer per node', async () => {
    const file = join(dir, 'verbose.wgrt');
    const verbose = await cli('build', 'demo', '-o', file, '--verbose');
    expect(verbose.out).toMatch(/\[fuse-epilogue\] .*: \d+ rewrites?, nodes \d+ -> \d+/);
    expect(verbose.out).toMatch(/fuse-activation: .*conv2d_1/);
    const flat = await cli('inspect', 'demo', '--level', '0');
    expect(flat.out).toMatch(/23 layers, standing for 23 source nodes/);
    await expect(cli('build', 'demo', '-o', file, '--level', 'x')).rejects.toThrow(/--level takes a non-negative integer/);
    await expect(cli('build', 'demo', '-o', file, '--disable-pass', 'nope')).rejects.toThrow(/there is no pass 'nope'/);
  });

  it('reads inputs from JSON files and rejects ones of the wrong size', async () => {
    const good = join(dir, 'in.json');
    writeFileSync(good, JSON.stringify(Array.from({ length: 3 * 32 * 32 }, (_, i) => (i % 7) / 7)));
    expect((await cli('run', 'demo', '--input', `image=${good}`, '--backend', 'reference')).code).toBe(0);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1, 2, 3]');
    await expect(cli('run', 'demo', '--input', `image=${bad}`)).rejects.toThrow(/must hold 3072 numbers/);
  });

  it('gives a typed error for a corrupt engine file', async () => {
    const file = join(dir, 'demo.wgrt');
    await cli('build', 'demo', '-o', file);
    const bytes = readFileSync(file);
    bytes[100] = bytes[100]! ^ 0xff;
    const broken = join(dir, 'broken.wgrt');
    writeFileSync(broken, bytes);
    await expect(cli('inspect', broken)).rejects.toThrow(EngineFormatError);
    await expect(cli('inspect', broken)).rejects.toThrow(/broken.wgrt: checksum mismatch/);
  });

  it('runs the demo: the Fashion-MNIST fp32 engine matches the reference and PyTorch, the INT8 one is built of Int8Convs', async () => {
    const r = await cli('demo', '--images', '200', '--calibration', '64', '--iterations', '2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Fashion-MNIST 'small_cnn'.*backend webgpu/);
    expect(r.out).toMatch(/vs CPU reference, relative L2\s+\d/);
    expect(r.out).toMatch(/same prediction as\s+PyTorch: 100\.00 %/); // PyTorch's own predictions, shipped with the model
    expect(r.out).toMatch(/INT8 engine: 4 of \d+ layers are Int8Conv/);
    expect(r.out).toMatch(/top-1 on 200 test images\s+\d+\.\d+ %\s+\d+\.\d+ %/);
    await expect(cli('demo', '--model', 'resnet50')).rejects.toThrow(/--model must be one of small_cnn, small_resnet, got 'resnet50'/);
    await expect(cli('demo', '--method', 'kl')).rejects.toThrow(/--method must be one of minmax, entropy, percentile, mse/);
    await expect(cli('demo', '--images', '150')).rejects.toThrow(/--images must be a multiple of 100/);
  });

  it('falls back to the reference executor with one clear warning when no adapter exists', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' };
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--iterations', '1'], { env, timeout: 120_000 });
    expect(stdout).toMatch(/backend reference/);
    const warnings = stderr.split('\n').filter((l) => l.includes('WgrtNoAdapter'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/mesa-vulkan-drivers/);
  });

  it('build --timing-cache: tunes and writes the cache; the same cache in strict mode gives the same file untimed', async () => {
    const [cache, a, b] = ['tc.json', 'tuned-a.wgrt', 'tuned-b.wgrt'].map((f) => join(dir, f)) as [string, string, string];
    await expect(cli('build', 'demo', '-o', a, '--timing-cache', join(dir, 'none.json'), '--timing-cache-strict')).rejects.toThrow(TimingCacheError);
    const first = await cli('build', 'demo', '-o', a, '--timing-cache', cache, '--iterations', '2', '--verbose');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/\* \S+ +conv\.\S+/); // the report marks each layer's chosen candidate
    expect(first.out).toMatch(/[1-9]\d* candidates timed now/);
    const again = await cli('build', 'demo', '-o', b, '--timing-cache', cache, '--timing-cache-strict');
    expect(again.out).toContain(' 0 candidates timed now');
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    await expect(cli('build', 'demo', '-o', b, '--timing-cache-strict')).rejects.toThrow(/needs --timing-cache FILE/);
    await expect(cli('build', 'demo', '-o', b, '--tune', '--iterations', '0')).rejects.toThrow(/positive integer/);
  });

  it('build --force-tactic pins layers by name pattern or op; a key matching nothing is an error', async () => {
    const file = join(dir, 'forced.wgrt');
    expect((await cli('build', 'demo', '-o', file, '--level', '0', '--force-tactic', 'conv2d_?=conv.direct')).code).toBe(0);
    const layers = (JSON.parse((await cli('inspect', file, '--format', 'json')).out) as { layers: { name: string; op: string; tactic: string }[] }).layers;
    const convs = layers.filter((l) => l.op === 'Conv');
    expect(convs.length).toBeGreaterThan(1);
    for (const l of convs) expect(l.tactic, l.name).toBe(/^conv2d_.$/.test(l.name) ? 'conv.direct' : 'conv.implicit_gemm');
    await expect(cli('build', 'demo', '-o', file, '--force-tactic', 'nosuchlayer=conv.direct')).rejects.toThrow(/key 'nosuchlayer' matches no layer/);
    await expect(cli('build', 'demo', '-o', file, '--force-tactic', 'conv.direct')).rejects.toThrow(/--force-tactic takes LAYER\|OP\|PATTERN=TACTIC/);
  });

  it('--plugin FILE registers a plugin module before building, running or loading an engine that needs it', async () => {
    const [plugin, net, file] = ['test/plugins/cli-plugin.ts', 'test/plugins/cli-net.ts', join(dir, 'plugin.wgrt')];
    expect((await cli('build', net, '-o', file, '--plugin', plugin)).code).toBe(0);
    unregisterPlugin('example.ScaledSwish');
    await expect(cli('run', file, '--backend', 'webgpu')).rejects.toThrow(PluginError);
    await expect(cli('run', file, '--backend', 'webgpu')).rejects.toThrow(/needs plugin 'example.ScaledSwish' v1/);
    try {
      const run = await cli('run', file, '--backend', 'webgpu', '--plugin', plugin);
      expect(run.out).toMatch(/y: f32\[1, 8, 6, 6\]/);
      const inspect = JSON.parse((await cli('inspect', file, '--format', 'json', '--plugin', plugin)).out) as { layers: { op: string; tactic: string }[] };
      expect(inspect.layers.find((l) => l.op === 'ScaledSwish')!.tactic).toMatch(/^example.ScaledSwish\//);
      await expect(cli('run', file, '--plugin', 'no/such/plugin.ts')).rejects.toThrow(/plugin module 'no\/such\/plugin.ts' does not exist/);
    } finally {
      unregisterPlugin('example.ScaledSwish');
    }
  });

  it('script runs a pipeline script (paths relative to its folder); build, run and export take a .wg network', async () => {
    const sub = mkdtempSync(join(dir, 'script-'));
    writeFileSync(join(sub, 'nets.wg'), `network a(seed: 1) {\n  input x: f32[1x3x8x8]\n  output y = relu(conv2d(x, 4, kernel: 3, pad: 1))\n}\nnetwork b {\n  input x: f32[2x3]\n  output y = relu(x)\n}\n`);
    writeFileSync(join(sub, 'steps.wg'), `net = load "nets.wg" (network: "a")\ne = build net\ncompare e with net\nsave e to "a.wgrt"\n`);
    const r = await cli('script', join(sub, 'steps.wg'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/compare e \(engine on webgpu\) with net \(reference executor\): PASS/);
    expect(existsSync(join(sub, 'a.wgrt'))).toBe(true);
    expect((await cli('script', join(sub, 'nets.wg'))).out).toMatch(/defines networks but has no steps/);
    expect((await cli('build', join(sub, 'nets.wg'), '--network', 'a', '-o', join(sub, 'cli.wgrt'))).out).toMatch(/built 'a': 1 layers/);
    expect((await cli('run', join(sub, 'nets.wg'))).out).toMatch(/y: f32\[2, 3\]/);
    expect((await cli('export', join(sub, 'nets.wg'), '-o', join(sub, 'b.onnx'))).out).toMatch(/exported 'b'/);
    writeFileSync(join(sub, 'typo.wg'), 'network n { input x: f32[2]\n  output y = rleu(x) }\n');
    await expect(cli('build', join(sub, 'typo.wg'), '-o', join(sub, 't.wgrt'))).rejects.toThrow(/typo.wg:2:14: unknown layer, op or block 'rleu'; did you mean 'relu'\?/);
    await expect(cli('script', join(sub, 'missing.wg'))).rejects.toThrow(/script '.*missing.wg' does not exist/);
  });

  it('exits with a usage error for unknown commands', async () => {
    await expect(cli('frobnicate')).rejects.toThrow(/unknown command 'frobnicate'/);
  });
});
