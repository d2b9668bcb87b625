// The fp32 engines of the Fashion-MNIST models predict what PyTorch predicts (test/models/
// fashion-mnist/*.top1.bin): the small CNN on all 10,000 test images, the small ResNet on the
// first 1,000 (all 10,000 take minutes on lavapipe; the full run on the H100 is recorded in
// test/bench/RESULTS.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { agreement, predict } from '../../src/quant/accuracy.js';
import { imageBatches, labels } from '../../src/quant/data.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();
const data = (f: string) => new URL(`../data/fashion-mnist/${f}`, import.meta.url).pathname;
const models = (f: string) => new URL(`../models/fashion-mnist/${f}`, import.meta.url).pathname;

describe('Fashion-MNIST fp32 engines against PyTorch', () => {
  it.each([
    ['small_cnn', 10_000, 0.9242],
    ['small_resnet', 1_000, undefined],
  ] as const)('%s: the same predictions as PyTorch on %i test images', async (name, limit, top1) => {
    const batch = 500;
    const g = loadOnnx(models(`${name}.onnx`), { shapes: { image: [batch, 1, 28, 28] } });
    const ctx = await build(g).createContext({ backend: 'webgpu' });
    const got = await predict((f) => ctx.run(f), imageBatches(data('t10k-images-idx3-ubyte.gz'), { batchSize: batch, input: 'image', limit }));
    ctx.release();
    const torch = new Uint8Array(readFileSync(models(`${name}.top1.bin`))).subarray(0, limit);
    expect(agreement(got, torch)).toBeGreaterThanOrEqual(0.999);
    if (top1 !== undefined) expect(agreement(got, labels(data('t10k-labels-idx1-ubyte.gz')))).toBeCloseTo(top1, 3);
  }, 300_000);
});
