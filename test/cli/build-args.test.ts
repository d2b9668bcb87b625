// The build flags shared by build, run, inspect, bench, compare and report (src/cli/build-args.ts),
// and the command line's progress lines (src/cli/progress.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOptions, engineFromArgs } from '../../src/cli/build-args.js';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { CliError } from '../../src/cli/load.js';
import { cliProgress } from '../../src/cli/progress.js';
import { build } from '../../src/engine/engine.js';

const dir = mkdtempSync(join(tmpdir(), 'wgrt-build-args-'));

describe('build flags', () => {
  it('become BuildOptions: precision, per-layer precision, level, passes, forced tactics', () => {
    expect(buildOptions({ fp16: true, 'opt-level': '1', 'layer-precision': ['conv2d_*=fp32', 'Gemm=int8'], 'disable-pass': ['fuse-pointwise'], 'force-tactic': ['conv2d_1=conv.direct'] })).toEqual({
      optimizationLevel: 1, disablePasses: ['fuse-pointwise'], force: { conv2d_1: 'conv.direct' }, precision: 'fp16', layerPrecision: { 'conv2d_*': 'fp32', Gemm: 'int8' },
    });
    expect(buildOptions({})).toEqual({});
  });

  it('reject contradictions and malformed values with a CliError naming the flag', () => {
    expect(() => buildOptions({ int8: true, fp16: true })).toThrow(/--int8 and --fp16 exclude each other/);
    expect(() => buildOptions({ level: '1', 'opt-level': '2' })).toThrow(/same option/);
    expect(() => buildOptions({ level: 'x' })).toThrow(CliError);
    expect(() => buildOptions({ 'layer-precision': ['conv=fp8'] })).toThrow(/must be fp32, fp16 or int8/);
    expect(() => buildOptions({ 'layer-precision': ['conv'] })).toThrow(/LAYER\|OP\|PATTERN=fp32/);
  });

  it('build flags on an engine file, calibration flags without --calib, and --int8 without a table are errors', async () => {
    const file = join(dir, 'demo.wgrt');
    writeFileSync(file, build(demoNetwork()).serialize());
    await expect(engineFromArgs(file, { int8: true })).rejects.toThrow(/--int8 apply when building a network; '.*demo.wgrt' is an engine file/);
    await expect(engineFromArgs('demo', { 'calib-method': 'mse' })).rejects.toThrow(/--calib-method needs --calib FILE/);
    await expect(engineFromArgs('demo', { int8: true })).rejects.toThrow(/precision int8 needs a calibration table/);
    await expect(engineFromArgs('demo', { int8: true, calib: join(dir, 'missing.idx') })).rejects.toThrow(/--calib: '.*missing.idx' does not exist/);
    expect((await engineFromArgs(file, {})).engine.layers.length).toBe(build(demoNetwork()).layers.length);
  });
});

describe('command-line progress', () => {
  const sink = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, stream: { isTTY, write: (s: string) => void out.push(s) } };
  };

  it('rewrites one bar in place on a terminal, ending the line when done', () => {
    const { out, stream } = sink(true);
    const p = cliProgress('tuning', stream);
    for (let done = 1; done <= 4; done++) p({ done, total: 4, layer: `l${done}` });
    expect(out).toHaveLength(4);
    expect(out.every((s) => s.startsWith('\rtuning ['))).toBe(true);
    expect(out[1]).toContain('[############............] 2/4 l2');
    expect(out[3]!.endsWith('\n')).toBe(true);
    expect(out.slice(0, 3).some((s) => s.endsWith('\n'))).toBe(false);
  });

  it('prints at most one plain line per tenth of the work elsewhere, and the last one', () => {
    const { out, stream } = sink(false);
    const p = cliProgress('calibrating', stream);
    for (let batch = 1; batch <= 100; batch++) p({ batch, batches: 100 });
    expect(out.length).toBe(11); // 1 (tenth 0), 10..90 (9 more), 100
    expect(out[0]).toBe('calibrating: 1/100\n');
    expect(out[out.length - 1]).toBe('calibrating: 100/100\n');
  });
});
