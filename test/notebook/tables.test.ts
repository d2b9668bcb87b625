// The notebook tables (src/notebook/tables.ts): an engine's layers, a profile and a calibration
// table as Arrow tables, checked against describeEngine / the profile / the QuantTable they come
// from, rendered to HTML (escaped), and written as Arrow IPC files that read back the same.
import { tableFromArrays } from 'apache-arrow';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEngine } from '../../src/engine/describe.js';
import { build } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';
import { randomInput } from '../../src/ir/random.js';
import { calibrationTable, layerTable, profileTable, readTable, tableHtml, writeTable } from '../../src/notebook/tables.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { useGpu } from '../helpers/gpu.js';

const gpu = useGpu();

function net() {
  const n = network('tables', { seed: 2 });
  const x = n.input('x', [1, 3, 8, 8]);
  n.output('y', x.conv2d(4, { kernel: 3, pad: 1, name: 'conv <a&b>' }).relu().globalAvgPool().flatten().dense(3, { name: 'fc' }));
  return n.build();
}

describe('notebook tables', () => {
  it('layers: one row per layer, the columns of describeEngine; HTML escapes names; IPC reads back the same', () => {
    const engine = build(net());
    const t = layerTable(engine);
    const d = describeEngine(engine);
    expect(t.numRows).toBe(d.layers.length);
    expect(t.getChild('tactic')!.toArray()).toEqual(d.layers.map((l) => l.tactic));
    expect(t.getChild('origin')!.get(0)).toBe(d.layers[0]!.origin.join(', '));
    const html = tableHtml(t);
    expect(html.match(/<tr>/g)).toHaveLength(d.layers.length + 1); // header + rows
    expect(html).toContain('conv &lt;a&amp;b&gt;');
    expect(html).not.toContain('<a&b>');
    expect(tableHtml(t, { maxRows: 1 })).toContain(`${d.layers.length - 1} more rows not shown`);
    // Short values (a tactic name) stay on one line; a long origin list may wrap.
    expect(html).toContain(`<td style="white-space:nowrap">${d.layers[0]!.tactic}</td>`);
    const long = 'a, '.repeat(12);
    expect(tableHtml(tableFromArrays({ origin: [long] }))).toContain(`<td>${long}</td>`);
    const file = join(mkdtempSync(join(tmpdir(), 'wgrt-tables-')), 'layers.arrow');
    writeTable(file, t);
    const back = readTable(readFileSync(file));
    expect(back.schema.fields.map((f) => f.name)).toEqual(['layer', 'op', 'origin', 'tactic', 'precision', 'layout', 'inputs', 'output']);
    expect(back.getChild('layer')!.toArray()).toEqual(t.getChild('layer')!.toArray());
  });

  it('profile: the measured times of a WebGPU run, shares summing to 1', async () => {
    await gpu();
    const engine = build(net());
    const ctx = await engine.createContext({ backend: 'webgpu', profile: true });
    await ctx.run({ x: randomInput({ dtype: 'f32', shape: [1, 3, 8, 8] }, 1) });
    const profile = ctx.lastProfile()!;
    ctx.release();
    const t = profileTable(profile);
    expect(t.numRows).toBe(profile.length);
    expect(Array.from(t.getChild('ms')!.toArray() as Float64Array)).toEqual(profile.map((l) => l.ms));
    const shares = Array.from(t.getChild('share')!.toArray() as Float64Array);
    expect(shares.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
  });

  it('calibration: amax and scale per activation, as the table has them', async () => {
    const g = net();
    const q = await calibrate(g, [{ x: randomInput({ dtype: 'f32', shape: [1, 3, 8, 8] }, 3) }], { method: 'minmax' });
    const t = calibrationTable(q);
    expect(t.numRows).toBe(q.activations.size);
    const names = t.getChild('tensor')!.toArray() as string[];
    names.forEach((n, i) => {
      expect(t.getChild('amax')!.get(i)).toBe(q.amax(n));
      expect(t.getChild('scale')!.get(i)).toBe(q.scale(n));
    });
  });
});
