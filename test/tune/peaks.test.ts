// The adapter's measured peaks (the roofline's roof) and the roofline table: the FMA kernel
// computes what a JavaScript float32 loop computes, the measured rates are sane, and the table's
// FLOPs, bytes and ratios are those worked out by hand for a small convolution.
import { describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { layerCosts, roofline } from '../../src/engine/roofline.js';
import { network } from '../../src/frontend/fluent/index.js';
import { FMA_A, FMA_B, fmaPlan, measurePeaks, preparePlan } from '../../src/tune/peaks.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();

async function readF32(g: Awaited<ReturnType<typeof gpu>>, b: GPUBuffer): Promise<Float32Array> {
  const r = g.device.createBuffer({ size: b.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = g.device.createCommandEncoder();
  enc.copyBufferToBuffer(b, 0, r, 0, b.size);
  g.device.queue.submit([enc.finish()]);
  await r.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(r.getMappedRange().slice(0));
  r.destroy();
  return out;
}

describe('adapter peaks', () => {
  it('the FMA kernel computes 8 chains of acc = acc * a + b per lane and writes their sum', async () => {
    const g = await gpu();
    const [threads, rounds] = [512, 3];
    const buf = g.device.createBuffer({ size: 16 * threads, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const p = await preparePlan(g, fmaPlan(threads, rounds), [buf]);
    const enc = g.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    p.encode(pass);
    pass.end();
    g.device.queue.submit([enc.finish()]);
    const got = await readF32(g, buf);
    p.release();
    const f = Math.fround;
    for (const i of [0, 1, 7, 8, 300, threads - 1]) {
      for (let lane = 0; lane < 4; lane++) {
        const chains = Array.from({ length: 8 }, (_, c) => {
          let acc = f((i & 7) + lane + c);
          for (let k = 0; k < rounds; k++) acc = f(acc * FMA_A + FMA_B); // a fused multiply-add rounds once; exact here (halving)
          return acc;
        });
        const want = f(f(f(chains[0]! + chains[1]!) + f(chains[2]! + chains[3]!)) + f(f(chains[4]! + chains[5]!) + f(chains[6]! + chains[7]!)));
        expect(got[4 * i + lane], `thread ${i} lane ${lane}`).toBe(want);
      }
    }
  });

  it('measures a positive FMA rate and copy bandwidth', async () => {
    const peaks = await measurePeaks(await gpu(), { fmaThreads: 1 << 14, fmaRounds: 64, copyBytes: 1 << 22, iterations: 2, warmup: 1, repeat: 2 });
    expect(peaks.flops).toBeGreaterThan(1e8);
    expect(peaks.bytesPerSecond).toBeGreaterThan(1e8);
    expect(Number.isFinite(peaks.flops) && Number.isFinite(peaks.bytesPerSecond)).toBe(true);
  });
});

describe('roofline table', () => {
  it('places a conv by its FLOPs and bytes against the roof', () => {
    const net = network('conv', { seed: 1 });
    net.output('y', net.input('x', [1, 4, 6, 6]).conv2d(8, { kernel: 3, pad: 1, name: 'c' }));
    const engine = build(net.build(), { optimizationLevel: 0 });
    const peaks = { flops: 1e12, bytesPerSecond: 1e11, method: 'timestamp' as const };
    const [row] = roofline(engine, [0.002], peaks);
    // 8 x 6 x 6 outputs, each 4 x 3 x 3 multiply-adds; x, w, bias and y read or written once.
    const flops = 2 * 8 * 36 * 36;
    const bytes = 4 * (4 * 36 + 8 * 4 * 9 + 8 + 8 * 36);
    expect(row).toMatchObject({ layer: 'c', op: 'Conv', flops, bytes, bound: 'memory' });
    expect(row!.intensity).toBeCloseTo(flops / bytes, 12);
    expect(row!.flopsPerSecond).toBeCloseTo(flops / 2e-6, 0);
    expect(row!.attainable).toBeCloseTo((flops / bytes) * 1e11, 0);
    expect(row!.ofRoof).toBeCloseTo(flops / 2e-6 / ((flops / bytes) * 1e11), 9);
  });

  it('counts a pointwise chain\'s bytes for every layer at level 0 and once when fused, and the same FLOPs', () => {
    const net = network('chain', { seed: 1 });
    net.output('y', net.input('x', [1, 4, 8, 8]).relu().sigmoid().relu());
    const costOf = (level: number) => layerCosts(build(net.build(), { optimizationLevel: level })).reduce((s, c) => ({ flops: s.flops + c.flops, bytes: s.bytes + c.bytes }), { flops: 0, bytes: 0 });
    const pass = 2 * 4 * 256; // one f32 tensor of 256 elements read and one written
    expect(costOf(0)).toEqual({ flops: 3 * 256, bytes: 3 * pass });
    expect(costOf(2)).toEqual({ flops: 3 * 256, bytes: pass }); // the same arithmetic, one pass over memory
  });
});
