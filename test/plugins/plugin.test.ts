// Plugins end to end with the example plugin (./example-plugin.ts, com.example::ScaledSwish):
// registration and its refusals, the reference against the formula, the fluent DSL on WebGPU
// (every tactic at every point against the formula), ONNX import and export, autotuning over
// both tactics, and engine files that record the plugin and refuse to load without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, buildTuned, Engine } from '../../src/engine/engine.js';
import { unpack } from '../../src/engine/format.js';
import { CoverageError, PluginError, UnsupportedError } from '../../src/errors.js';
import { network } from '../../src/frontend/fluent/index.js';
import { exportOnnx, importOnnx } from '../../src/frontend/onnx/index.js';
import { onnx } from '../../src/frontend/onnx/proto.js';
import type { Graph } from '../../src/ir/graph.js';
import { layerSignature, structuralHash } from '../../src/ir/hash.js';
import { layerInfo } from '../../src/ir/layer.js';
import { OPS } from '../../src/ir/ops/index.js';
import { inferTypes } from '../../src/ir/infer.js';
import { toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { listPlugins, registerPlugin, unregisterPlugin } from '../../src/plugins/index.js';
import { REFERENCE_KERNELS, runReference } from '../../src/reference/index.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById, TACTICS } from '../../src/tactics/registry.js';
import { randomF32, relL2 } from '../helpers/data.js';
import { useGpu } from '../helpers/gpu.js';
import { FLOAT, model, valueInfo } from '../frontend/onnx/model.js';
import { scaledSwish, scaledSwishPlugin } from './example-plugin.js';

const gpu = useGpu();
const NAME = 'example.ScaledSwish';
const SCALAR = `${NAME}/scalar`;
const VEC4 = `${NAME}/vec4`;
const FAST = { iterations: 2, warmup: 1, repeat: 2 };

beforeAll(() => {
  registerPlugin(scaledSwishPlugin());
});
afterAll(() => {
  unregisterPlugin(NAME);
});

/** Runs `body` with the example plugin unregistered (or registered as `spec`), then restores v1. */
async function without<T>(body: () => T | Promise<T>, spec?: Parameters<typeof registerPlugin>[0]): Promise<T> {
  unregisterPlugin(NAME);
  try {
    if (spec) registerPlugin(spec);
    return await body();
  } finally {
    unregisterPlugin(NAME);
    registerPlugin(scaledSwishPlugin());
  }
}

/** The formula applied to every element: the oracle independent of the plugin's own code. */
function formula(x: Tensor, beta: number, scale: number): Float64Array {
  return toFloat64(x).map((v) => scaledSwish(v, beta, scale));
}

function maxAbsDiff(a: Tensor, b: ArrayLike<number>): number {
  const x = toFloat64(a);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - b[i]!));
  return m;
}

/** conv -> ScaledSwish -> relu -> global pool: the plugin op between built-in ones. */
function convNet(seed = 3): Graph {
  const net = network('plugin-net', { seed });
  const x = net.input('x', [2, 4, 6, 6]);
  const c = x.conv2d(8, { kernel: 3, pad: 1, name: 'conv' });
  const s = net.custom('ScaledSwish', [c], { beta: 1.5, scale: 0.75 }, { name: 'swish' });
  net.output('y', s.relu({ name: 'relu' }).globalAvgPool());
  return net.build();
}

/** One ScaledSwish node over an input of `shape`. */
function swishNet(shape: number[], beta = 2, scale = 0.5): Graph {
  const net = network('swish');
  net.output('y', net.custom('ScaledSwish', [net.input('x', shape)], { beta, scale }, { name: 'swish' }));
  return net.build();
}

async function runOnGpu(engine: Engine, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  await gpu();
  const ctx = await engine.createContext({ backend: 'webgpu' });
  try {
    return await ctx.run(feeds);
  } finally {
    ctx.release();
  }
}

describe('plugin registration', () => {
  it('adds the op, its reference, its tactics and their WGSL; unregisterPlugin removes them all', async () => {
    expect(OPS.get('ScaledSwish')).toMatchObject({ domain: 'com.example', plugin: { name: NAME, version: 1 } });
    expect(REFERENCE_KERNELS.has('ScaledSwish')).toBe(true);
    expect(TACTICS.filter((t) => t.ops.includes('ScaledSwish')).map((t) => t.id)).toEqual([SCALAR, VEC4]);
    expect(tacticById(SCALAR)!.kernel).toBe(`plugin:${NAME}/scaled-swish.wgsl`);
    expect(listPlugins()).toEqual([{ name: NAME, version: 1, domain: 'com.example', op: 'ScaledSwish' }]);
    const before = TACTICS.length;
    await without(() => {
      expect(OPS.has('ScaledSwish')).toBe(false);
      expect(REFERENCE_KERNELS.has('ScaledSwish')).toBe(false);
      expect(TACTICS.length).toBe(before - 2);
      expect(listPlugins()).toEqual([]);
      expect(() => swishNet([4])).toThrow(/op 'ScaledSwish' is not registered.*registerPlugin/);
    });
    expect(TACTICS.length).toBe(before);
  });

  it('refuses specs it cannot honour with a PluginError naming the problem, and changes nothing', () => {
    const before = [...TACTICS];
    const spec = scaledSwishPlugin();
    const refused: [object, RegExp][] = [
      [spec, /v1 is already registered; call unregisterPlugin\('example.ScaledSwish'\) first/],
      [{ ...spec, name: 'other', op: 'Relu' }, /op 'Relu' is already defined by wgrt/],
      [{ ...spec, name: 'other' }, /op 'ScaledSwish' is already defined by plugin 'example.ScaledSwish'/],
      [{ ...spec, name: 'other', op: 'Other', version: 0 }, /version must be a positive integer/],
      [{ ...spec, name: 'other', op: 'Other', tactics: [] }, /has no tactics/],
      [{ ...spec, name: 'other', op: 'Other', tactics: [{ ...spec.tactics[0]!, kernel: 'missing.wgsl' }] }, /names kernel 'missing.wgsl', which is not one of its kernels/],
      [{ ...spec, name: 'other', op: 'Other', tactics: [spec.tactics[0]!, spec.tactics[0]!] }, /tactic id 'scalar' is used twice/],
      [{ ...spec, name: 'a/b', op: 'Other' }, /plugin name 'a\/b' must be/],
    ];
    for (const [s, message] of refused) {
      expect(() => registerPlugin(s as typeof spec)).toThrow(PluginError);
      expect(() => registerPlugin(s as typeof spec)).toThrow(message);
    }
    expect(TACTICS).toEqual(before);
    expect(OPS.has('Other')).toBe(false);
  });
});

describe('plugin reference', () => {
  it('matches the formula, extreme inputs included (no NaN from exp overflow)', () => {
    const g = swishNet([3, 5], 1.25, -0.5);
    const x = randomF32([3, 5], 7, -4, 4);
    (x.data as Float32Array).set([-200, 200, 0], 0);
    const y = runReference(g, { x })['y']!;
    const want = formula(x, 1.25, -0.5);
    expect(maxAbsDiff(y, want)).toBeLessThan(1e-6);
    expect(toFloat64(y).every(Number.isFinite)).toBe(true);
  });

  it('folds at build time when its input is constant (the reference computes it)', () => {
    const net = network('folded');
    const c = net.constant([-1, 0, 1, 2], { name: 'c' });
    const s = net.custom('ScaledSwish', [c], { beta: 1, scale: 2 }, { name: 'swish' });
    net.output('y', net.input('x', [4]).add(s));
    const engine = build(net.build());
    expect(engine.layers.map((l) => l.op)).not.toContain('ScaledSwish');
    expect(engine.plugins).toEqual([]);
  });
});

describe('plugin on WebGPU', () => {
  it('a fluent network with the plugin op builds, keeps the op as its own layer and matches the reference', async () => {
    const g = convNet();
    const engine = build(g);
    const layer = engine.layers.find((l) => l.op === 'ScaledSwish')!;
    expect(layer.origin).toEqual(['swish']); // no pass fused anything into it
    expect(layer.tactic.startsWith(`${NAME}/`)).toBe(true);
    expect(engine.kernels[`plugin:${NAME}/${layer.tactic === VEC4 ? 'scaled-swish-vec4.wgsl' : 'scaled-swish.wgsl'}`]).toMatch(/^[0-9a-f]{16}$/);
    const feeds = { x: randomF32([2, 4, 6, 6], 11) };
    const got = await runOnGpu(engine, feeds);
    expect(relL2(got['y']!, runReference(g, feeds)['y']!)).toBeLessThan(1e-5);
  });

  it('every tactic at every point of its space matches the formula', async () => {
    const g = inferTypes(swishNet([2, 3, 5, 8]));
    const layer = layerInfo(g, g.nodes[0]!);
    expect(candidates(layer).map((t) => t.id)).toEqual([SCALAR, VEC4]);
    const x = randomF32([2, 3, 5, 8], 5, -6, 6);
    const want = formula(x, 2, 0.5);
    let ran = 0;
    for (const t of candidates(layer)) {
      for (const params of t.space) {
        const [y] = await runLayer(await gpu(), layer, t, [x], params);
        expect(maxAbsDiff(y!, want), `${t.id} ${JSON.stringify(params)}`).toBeLessThan(1e-5);
        ran++;
      }
    }
    expect(ran).toBe(4);
  });

  it('a shape the vec4 tactic does not support runs on the scalar one', async () => {
    const g = swishNet([3, 7]);
    expect(candidates(layerInfo(g, g.nodes[0]!)).map((t) => t.id)).toEqual([SCALAR]);
    expect(() => build(g, { force: { ScaledSwish: VEC4 } })).toThrow(/does not support layer 'swish'/);
    const x = randomF32([3, 7], 2, -5, 5);
    const got = await runOnGpu(build(g), { x });
    expect(maxAbsDiff(got['y']!, formula(x, 2, 0.5))).toBeLessThan(1e-5);
  });
});

describe('plugin in ONNX', () => {
  const X = valueInfo('x', FLOAT, [2, 3, 4, 5]);
  const custom = (domain: string) =>
    model({
      opset: 17,
      domains: [{ domain: 'com.example', version: 1 }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu' },
        { op: 'ScaledSwish', domain, inputs: ['r'], outputs: ['y'], name: 'swish', attrs: { beta: { float: 1.5 }, scale: { float: 3 } } },
      ],
      inputs: [X],
      outputs: [valueInfo('y', FLOAT, [2, 3, 4, 5])],
    });

  it('imports a node of the plugin domain and op type as the plugin op, which builds and runs', async () => {
    const g = importOnnx(custom('com.example'));
    expect(g.nodes.map((n) => [n.name, n.op])).toEqual([['relu', 'Relu'], ['swish', 'ScaledSwish']]);
    expect(g.nodes[1]!.attrs).toEqual({ beta: 1.5, scale: 3 });
    const x = randomF32([2, 3, 4, 5], 9, -3, 3);
    const got = await runOnGpu(build(g), { x });
    const relu = { ...x, data: Float32Array.from(x.data as Float32Array, (v) => Math.max(v, 0)) };
    expect(maxAbsDiff(got['y']!, formula(relu, 1.5, 3))).toBeLessThan(1e-5);
  });

  it('without the plugin, or in another domain, the node is a coverage gap with a clear reason', async () => {
    expect(() => importOnnx(custom(''))).toThrow(/swish \(ai\.onnx::ScaledSwish, opset 17\): op ScaledSwish is not supported in the default domain \(plugin 'example.ScaledSwish' defines it in domain 'com.example'\)/);
    expect(() => importOnnx(custom('com.other'))).toThrow(/domain 'com.other' is not supported \(only the default ONNX domain and the domains of registered plugins: com.example\)/);
    await without(() => {
      let err: unknown;
      try {
        importOnnx(custom('com.example'), { source: 'custom.onnx' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CoverageError);
      expect((err as Error).message).toMatch(/swish \(com\.example::ScaledSwish, opset 17\): domain 'com.example' is not supported .*registerPlugin/);
    });
  });

  it('export writes the node in its domain with an opset import for it; importing that gives the graph back', () => {
    const g = convNet();
    const bytes = exportOnnx(g);
    const m = onnx.ModelProto.decode(bytes);
    const node = m.graph!.node!.find((n) => n.opType === 'ScaledSwish')!;
    expect(node.domain).toBe('com.example');
    expect(node.attribute!.map((a) => [a.name, a.f])).toEqual([['beta', 1.5], ['scale', 0.75]]);
    expect(m.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([['', 21], ['com.example', 1]]);
    expect(m.graph!.node!.filter((n) => n.opType !== 'ScaledSwish').every((n) => !n.domain)).toBe(true);
    expect(structuralHash(importOnnx(bytes))).toBe(structuralHash(g));
  });
});

describe('plugin autotuning', () => {
  it('times both plugin tactics at every point and keeps the fastest; the tuned engine is correct', async () => {
    const g = swishNet([4, 16, 16, 8]);
    const { engine, tuning } = await buildTuned(g, { tune: { gpu: await gpu(), ...FAST } });
    const record = tuning.records.get('swish')!;
    const ran = record.candidates.filter((c) => c.meanMs !== undefined);
    expect(ran.map((c) => [c.tactic, c.params['wg']]).sort()).toEqual([[SCALAR, 256], [SCALAR, 64], [VEC4, 256], [VEC4, 64]].sort());
    const best = Math.min(...ran.filter((c) => !c.dropped).map((c) => c.meanMs!));
    expect(ran.find((c) => c.tactic === record.tactic && c.params['wg'] === record.params['wg'])!.meanMs).toBe(best);
    expect(engine.layers[0]).toMatchObject({ tactic: record.tactic, params: record.params });
    const x = randomF32([4, 16, 16, 8], 4, -5, 5);
    const got = await runOnGpu(engine, { x });
    expect(maxAbsDiff(got['y']!, formula(x, 2, 0.5))).toBeLessThan(1e-5);
  });

  it('timing records of one plugin version are not another version\'s (the signature names the version)', async () => {
    const g = swishNet([8]);
    const v1 = layerSignature(layerInfo(g, g.nodes[0]!));
    const v2 = await without(() => layerSignature(layerInfo(swishNet([8]), swishNet([8]).nodes[0]!)), scaledSwishPlugin(2));
    expect(v1).toContain(`${NAME}@1`);
    expect(v2).toContain(`${NAME}@2`);
  });
});

describe('plugin in engine files', () => {
  const engine = () => build(convNet(), { force: { ScaledSwish: VEC4 } });

  it('records the plugin and round-trips with it registered', async () => {
    const bytes = engine().serialize();
    const manifest = unpack(bytes).manifest as { plugins: unknown; kernels: Record<string, string> };
    expect(manifest.plugins).toEqual([{ name: NAME, version: 1, domain: 'com.example', op: 'ScaledSwish' }]);
    expect(Object.keys(manifest.kernels)).toContain(`plugin:${NAME}/scaled-swish-vec4.wgsl`);
    const back = Engine.deserialize(bytes);
    expect(back.layers).toEqual(engine().layers);
    expect(Buffer.from(back.serialize()).equals(Buffer.from(bytes))).toBe(true);
    const feeds = { x: randomF32([2, 4, 6, 6], 12) };
    expect(relL2((await runOnGpu(back, feeds))['y']!, runReference(convNet(), feeds)['y']!)).toBeLessThan(1e-5);
  });

  it('refuses to load without the plugin, with another version, or with changed WGSL under the same version', async () => {
    const bytes = engine().serialize();
    const refused = (message: RegExp) => {
      expect(() => Engine.deserialize(bytes, 'net.wgrt')).toThrow(PluginError);
      expect(() => Engine.deserialize(bytes, 'net.wgrt')).toThrow(message);
    };
    await without(() =>
      refused(/^net\.wgrt needs plugin 'example\.ScaledSwish' v1 \(op com\.example::ScaledSwish\), which is not registered: call registerPlugin\(\.\.\.\) with it before loading the engine$/),
    );
    await without(() => refused(/needs plugin 'example\.ScaledSwish' v1 .*but v2 is registered: register v1 of the plugin, or rebuild the engine with v2/), scaledSwishPlugin(2));
    const spec = scaledSwishPlugin();
    const changed = Object.fromEntries(Object.entries(spec.kernels).map(([k, v]) => [k, `${v}\n// changed\n`]));
    await without(() => refused(/plugin kernel plugin:example\.ScaledSwish\/scaled-swish-vec4\.wgsl differs .*bump the plugin's version/), scaledSwishPlugin(1, changed));
    expect(Engine.deserialize(bytes).layers.length).toBe(engine().layers.length); // v1 back: loads again
  });

  it('an engine without plugins records none, and a building without the plugin fails clearly', () => {
    const net = network('plain');
    net.output('y', net.input('x', [4]).relu());
    expect(unpack(build(net.build()).serialize()).manifest).toMatchObject({ plugins: [] });
    expect(() => network('n').custom('NoSuchOp', [])).toThrow(UnsupportedError);
  });
});
