// Calibration with the activations computed on WebGPU gives the thresholds the CPU reference gives.
import { describe, expect, it } from 'vitest';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { collectHistograms, tableFrom } from '../../src/quant/calibrate.js';
import { imageBatches } from '../../src/quant/data.js';
import { webgpuActivations } from '../../src/runtime/activations.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();

describe('calibration on WebGPU', () => {
  it('the small ResNet on 64 Fashion-MNIST images: the same tensors and thresholds as on the reference', async () => {
    const g = loadOnnx(new URL('../models/fashion-mnist/small_resnet.onnx', import.meta.url).pathname, { shapes: { image: [32, 1, 28, 28] } });
    const data = imageBatches(new URL('../data/fashion-mnist/calib-1000-images-idx3-ubyte.gz', import.meta.url).pathname, { batchSize: 32, input: 'image', limit: 64 });
    const cpu = await collectHistograms(g, data);
    const gpu = await collectHistograms(g, data, { runner: webgpuActivations() });
    expect([...gpu.histograms.keys()]).toEqual([...cpu.histograms.keys()]);
    expect(cpu.histograms.size).toBeGreaterThan(20);
    for (const [t, h] of cpu.histograms) {
      const other = gpu.histograms.get(t)!;
      // The GPU sums in another order: the largest |x| agrees to float rounding, and a value
      // near a bin edge may land in the neighbouring bin (at most 1 in 1,000 of them).
      expect(Math.abs(other.maxAbs - h.maxAbs), t).toBeLessThanOrEqual(1e-5 * h.maxAbs);
      let moved = 0;
      for (let k = 0; k < Math.min(h.counts.length, other.counts.length); k++) moved += Math.abs(h.counts[k]! - other.counts[k]!);
      expect(moved / 2, t).toBeLessThanOrEqual(1e-3 * h.total);
    }
    for (const method of ['minmax', 'entropy', 'percentile', 'mse'] as const) {
      const [a, b] = [tableFrom(cpu, method), tableFrom(gpu, method)];
      // A flat divergence curve can move entropy's pick by a few bins: within 1% of the range.
      for (const [t, r] of a.activations) expect(Math.abs(b.amax(t)! - r.amax), `${method} ${t}`).toBeLessThanOrEqual(0.01 * cpu.histograms.get(t)!.maxAbs);
    }
  }, 120_000);
});
