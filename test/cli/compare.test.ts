// wgrt compare and wgrt bisect, run in-process: the printed numbers against compareOutputs on engines run here, the
// reference executor and onnxruntime-node as oracles, and a calibration table broken on purpose in one known layer.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { readInputs } from '../../src/cli/inputs.js';
import { CliError, loadNetwork, parseShapes } from '../../src/cli/load.js';
import { fmt } from '../../src/cli/table.js';
import { build } from '../../src/engine/engine.js';
import type { Graph } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/infer.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { fileBatches } from '../../src/quant/file-batches.js';
import { quantizableNodes } from '../../src/quant/qdq.js';
import { QuantTable } from '../../src/quant/table.js';
import { runReference } from '../../src/reference/index.js';
import { webgpuActivations } from '../../src/runtime/activations.js';
import { compareOutputs, type OutputComparison } from '../../src/runtime/compare.js';
import { cli } from '../helpers/cli.js';
import { useGpu } from '../helpers/gpu.js';
import { runOrt } from '../conformance/ort.js';

useGpu();
const dir = mkdtempSync(join(tmpdir(), 'wgrt-compare-'));
const CNN = 'test/models/fashion-mnist/small_cnn.onnx';
const CALIB = 'test/data/fashion-mnist/calib-1000-images-idx3-ubyte.gz';
const TEST = 'test/data/fashion-mnist/t10k-images-idx3-ubyte.gz';

/** The cells compare prints for an output. */
const cells = (c: OutputComparison) => [c.name, c.shape.join('x'), fmt(c.maxAbs), fmt(c.maxRel), fmt(c.relL2), c.cosine.toFixed(6), fmt(c.quantiles.p50), fmt(c.quantiles.p90), fmt(c.quantiles.p99), String(c.mismatches), c.pass ? 'yes' : 'NO'];
const rowOf = (out: string, name: string) => out.split('\n').find((l) => l.startsWith(`${name} `))?.trim().split(/\s+/);

/** The fp32 engine of `g` run here on `feeds`. */
async function engineOutputs(g: Graph, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const ctx = await build(g).createContext({ backend: 'webgpu' });
  try {
    return await ctx.run(feeds);
  } finally {
    ctx.release();
  }
}

describe('wgrt compare', () => {
  it('passes the fp32 demo engine against the reference at 1e-4, printing what compareOutputs computes', async () => {
    const r = await cli('compare', 'demo', '--atol', '1e-4', '--rtol', '1e-4');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/vs the reference executor on the unoptimized graph, on seeded random inputs \(seed 1\)/);
    const g = demoNetwork();
    const feeds = readInputs(g, [], 1);
    const want = compareOutputs(await engineOutputs(g, feeds), runReference(g, feeds), { atol: 1e-4, rtol: 1e-4 });
    expect(want.pass).toBe(true);
    expect(rowOf(r.out, 'probabilities')).toEqual(cells(want.outputs[0]!));
    expect(r.out).toMatch(/PASS \(every element within atol 0.0001 \+ rtol 0.0001/);
  });

  it('passes small_cnn (batch 8, test images) against the reference and onnxruntime-node, per layer too', async () => {
    const shapes = ['--shapes', 'image:8x1x28x28', '--data', TEST, '--atol', '1e-4', '--rtol', '1e-4'];
    const g = inferTypes(await loadNetwork(CNN, { shapes: parseShapes(['image:8x1x28x28']) }));
    const feeds = [...fileBatches(g, TEST, { limit: 8 }).source][0]!;
    const got = await engineOutputs(g, feeds);
    const ref = await cli('compare', CNN, ...shapes, '--per-layer');
    expect(ref.code).toBe(0);
    expect(ref.out).toMatch(/on 8 examples of .*t10k-images/);
    expect(rowOf(ref.out, 'logits')).toEqual(cells(compareOutputs(got, runReference(g, feeds), { atol: 1e-4, rtol: 1e-4 }).outputs[0]!));
    expect(ref.out).toMatch(/\/conv2\/Conv\s+FusedConv\s+\/Relu_1_output_0\s+f32\s+\S+\s+\S+\s+1\.0000\d\d\s+yes/);
    expect(ref.out).toContain('every compared layer is within tolerance');
    const ort = await cli('compare', CNN, ...shapes, '--with', 'onnxruntime');
    expect(ort.code).toBe(0);
    expect(ort.out).toContain('vs onnxruntime-node (CPU)');
    const want = compareOutputs(got, await runOrt(new Uint8Array(readFileSync(CNN)), feeds), { atol: 1e-4, rtol: 1e-4 });
    expect(rowOf(ort.out, 'logits')).toEqual(cells(want.outputs[0]!));
  });

  it('rejects bad flags with CliErrors that say what to do', async () => {
    await expect(cli('compare', 'demo', '--with', 'tensorrt')).rejects.toThrow(/--with must be reference or onnxruntime, not 'tensorrt'/);
    await expect(cli('compare', CNN, '--shapes', 'image:8x1x28x28', '--per-layer', '--with', 'onnxruntime')).rejects.toThrow(CliError);
    await expect(cli('compare', 'demo', '--with', 'onnxruntime')).rejects.toThrow(/runs ONNX models; 'demo' is not an .onnx file/);
    await expect(cli('compare', 'demo', '--min-cosine', '0.99', '--atol', '1e-3')).rejects.toThrow(/give one or the other/);
    await expect(cli('compare', 'demo', '--images', '4')).rejects.toThrow(/--images N needs --data FILE/);
    await expect(cli('bisect', CNN, '--shapes', 'image:8x1x28x28')).rejects.toThrow(/give --int8 and --calib FILE/);
    await expect(cli('bisect', CNN, '--shapes', 'image:8x1x28x28', '--int8')).rejects.toThrow(CliError);
    for (const c of ['compare', 'bisect']) expect((await cli(c, '--help')).out).toContain(`wgrt ${c} <model>`);
  });
});

describe('a calibration table broken in one layer', () => {
  it('compare --per-layer points at that layer, and bisect keeps exactly it in fp32', async () => {
    const g = inferTypes(await loadNetwork(CNN, { shapes: parseShapes(['image:16x1x28x28']) }));
    const { source, maxBatches } = fileBatches(g, CALIB, { limit: 64 });
    const good = await calibrate(g, source, { method: 'percentile', maxBatches, runner: webgpuActivations() });
    const victim = quantizableNodes(g).find((n) => n.name === '/conv2/Conv')!;
    const x = victim.inputs[0]!;
    const activations = [...good.activations].map(([t, a]) => [t, { ...a, amax: t === x ? a.amax * 1e-3 : a.amax }] as const);
    const file = join(dir, 'broken.json');
    new QuantTable({ method: good.method, batches: good.batches, activations, weights: [...good.weights] }).save(file);
    const flags = [CNN, '--shapes', 'image:16x1x28x28', '--int8', '--calib', file, '--data', CALIB];

    const r = await cli('compare', ...flags, '--per-layer', '--min-cosine', '0.99');
    expect(r.code).toBe(1);
    // conv1's Int8Conv requantizes its output for conv2, so it writes the first bad tensor; its error is the scale's.
    expect(r.out).toMatch(/first layer beyond tolerance: '\/conv1\/Conv' \(Int8Conv\), tensor \/Relu_output_0/);
    expect(r.out).toContain('the scale is at fault: the input threshold of /conv2/Conv');
    expect(r.out).toMatch(/\nsuspects: \/conv2\/Conv$/m);
    // The first int8 tensor is the quantized normalized image: exact rounding, within half a step of the reference.
    const q = rowOf(r.out.replace(/^\d+\s+/gm, ''), '/norm/Div_output_0_QuantizeLinear')!;
    expect(q[3]).toBe('i8');
    expect(Number(q[4])).toBeLessThanOrEqual(good.amax('/norm/Div_output_0')! / 127 / 2 + 5e-5); // printed to 4 decimals

    const b = await cli('bisect', ...flags);
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/step 1: everything INT8 .* FAIL/);
    expect(b.out.trim().split('\n').at(-1)).toBe('--layer-precision /conv2/Conv=fp32');
  });

  it('bisect finds the first conv of small_cnn under entropy calibration (which clips the normalized image)', async () => {
    const b = await cli('bisect', CNN, '--shapes', 'image:16x1x28x28', '--int8', '--calib', CALIB, '--calib-method', 'entropy', '--calib-images', '64', '--data', CALIB);
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/sensitivity[^\n]*\n\s+\/conv1\/Conv /); // ranked first
    expect(b.out.trim().split('\n').at(-1)).toBe('--layer-precision /conv1/Conv=fp32');
  });

  it('bisect finds the stem conv of small_resnet under entropy calibration', async () => {
    const b = await cli('bisect', CNN.replace('small_cnn', 'small_resnet'), '--shapes', 'image:8x1x28x28', '--int8', '--calib', CALIB, '--calib-method', 'entropy', '--calib-images', '64', '--data', CALIB);
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/sensitivity[^\n]*\n\s+\/stem\/stem\.0\/Conv /); // ranked first
    expect(b.out.trim().split('\n').at(-1)).toBe('--layer-precision /stem/stem.0/Conv=fp32');
  }, 300_000);
});
