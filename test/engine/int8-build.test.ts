// INT8 as a build precision (src/engine/int8.ts): build(g, { precision: 'int8', calibration })
// gives the engine of the explicit Q/DQ graph; layerPrecision keeps layers float by name or
// pattern; a missing or incomplete table is a CalibrationError naming what to do; 'best' mixes
// int8 with fp16 where the device has it. Outputs are checked against the reference executor.
import { describe, expect, it } from 'vitest';
import { describeEngine } from '../../src/engine/describe.js';
import { build } from '../../src/engine/engine.js';
import { CalibrationError } from '../../src/errors.js';
import { network } from '../../src/frontend/fluent/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/index.js';
import { randomInput } from '../../src/ir/random.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { insertQdq } from '../../src/quant/qdq.js';
import { QuantTable } from '../../src/quant/table.js';
import { runReference } from '../../src/reference/index.js';
import { compareOutputs } from '../../src/runtime/compare.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();

function cnn(): Graph {
  const net = network('cnn', { seed: 3 });
  const x = net.input('x', [2, 3, 10, 10]);
  const h = x.conv2d(8, { kernel: 3, pad: 1, name: 'conv1' }).relu().conv2d(8, { kernel: 3, pad: 1, name: 'conv2' }).relu();
  net.output('y', h.globalAvgPool().flatten().dense(4, { name: 'fc' }));
  return inferTypes(net.build());
}
const feeds = (k: number) => ({ x: randomInput({ dtype: 'f32', shape: [2, 3, 10, 10] }, k) });
const int8Layers = (g: Graph, opts: Parameters<typeof build>[1]) => build(g, opts).layers.filter((l) => l.op === 'Int8Conv').map((l) => l.name).sort();

describe('precision int8 in build()', async () => {
  const g = cnn();
  const table = await calibrate(g, [feeds(1), feeds(2)], { method: 'minmax' });

  it('is the engine of the Q/DQ graph: same layers, same outputs, on WebGPU against the reference', async () => {
    const e = build(g, { precision: 'int8', calibration: table });
    const explicit = build(insertQdq(g, { amax: (n) => table.amax(n) }));
    expect(e.layers.map((l) => [l.name, l.op, l.tactic])).toEqual(explicit.layers.map((l) => [l.name, l.op, l.tactic]));
    expect(int8Layers(g, { precision: 'int8', calibration: table })).toEqual(['conv1', 'conv2', 'fc']);
    expect(describeEngine(e).layers.filter((l) => l.op === 'Int8Conv').every((l) => l.precision === 'int8')).toBe(true);
    await gpu();
    const ctx = await e.createContext({ backend: 'webgpu' });
    const got = await ctx.run(feeds(3));
    ctx.release();
    const want = runReference(insertQdq(g, { amax: (n) => table.amax(n) }), feeds(3));
    expect(compareOutputs(got, want, { atol: 1e-3, rtol: 1e-2 }).outputs[0]!.cosine).toBeGreaterThan(0.9999);
  });

  it('layerPrecision keeps layers float by name or pattern, and names int8 layers under fp32', () => {
    expect(int8Layers(g, { precision: 'int8', calibration: table, layerPrecision: { fc: 'fp32' } })).toEqual(['conv1', 'conv2']);
    expect(int8Layers(g, { precision: 'int8', calibration: table, layerPrecision: { 'conv?': 'fp32' } })).toEqual(['fc']);
    expect(int8Layers(g, { calibration: table, layerPrecision: { conv2: 'int8' } })).toEqual(['conv2']);
    expect(() => build(g, { calibration: table, layerPrecision: { covn2: 'int8' } })).toThrow(/layerPrecision 'int8' key 'covn2' matches no layer/);
  });

  it('without a table, or with one that lacks a layer, is a CalibrationError saying what to do', () => {
    expect(() => build(g, { precision: 'int8' })).toThrow(CalibrationError);
    expect(() => build(g, { precision: 'int8' })).toThrow(/needs a calibration table: calibration: await calibrate/);
    const doc = JSON.parse(table.toJSON()) as { activations: Record<string, unknown> };
    const partial = QuantTable.parse(JSON.stringify({ ...doc, activations: { x: doc.activations['x'] } }));
    expect(() => build(g, { precision: 'int8', calibration: partial })).toThrow(/no threshold for conv2 \(input '[^']+'\), fc/);
    // Under 'best' such layers stay float: conv1 (input x) is the only one calibrated.
    expect(int8Layers(g, { precision: 'best', calibration: partial })).toEqual(['conv1']);
  });

  it("'best' mixes int8 layers with fp16 ones where the device has shader-f16", async () => {
    const { features } = await gpu();
    const d = describeEngine(build(g, { precision: 'best', calibration: table, layerPrecision: { conv2: 'fp16' }, features }));
    const prec = Object.fromEntries(d.layers.map((l) => [l.name, l.precision]));
    expect([prec['conv1'], prec['conv2'], prec['fc']]).toEqual(['int8', features.has('shader-f16') ? 'fp16' : 'f32', 'int8']);
  });
});
