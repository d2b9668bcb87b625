// Pipeline scripts: steps run on WebGPU (lavapipe in CI), values flow by name, options reach the
// builder, and every fault is a ScriptError at the step or option that caused it.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEngine } from '../../src/engine/describe.js';
import { Engine } from '../../src/engine/engine.js';
import { parseNetwork, ScriptError } from '../../src/frontend/text/index.js';
import { Graph } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/index.js';
import { randomInput } from '../../src/ir/random.js';
import { toFloat64 } from '../../src/ir/tensor.js';
import { runReference } from '../../src/reference/index.js';
import type { BenchReport } from '../../src/runtime/bench.js';
import type { CompareReport } from '../../src/runtime/compare.js';
import { runScript, wg, type RunOptions } from '../../src/script/index.js';
import { TimingCache } from '../../src/tune/cache.js';
import { agreement, predict } from '../../src/quant/accuracy.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { imageBatches, labels } from '../../src/quant/data.js';
import { insertQdq } from '../../src/quant/qdq.js';
import { QuantTable } from '../../src/quant/table.js';
import type { AccuracyReport } from '../../src/script/run.js';
import { FLOAT, model, valueInfo } from '../frontend/onnx/model.js';
import { useGpu } from '../helpers/gpu.js';

useGpu();
const dir = mkdtempSync(join(tmpdir(), 'wgrt-script-'));
const quiet: RunOptions = { baseDir: dir, log: () => {} };

const NET = `network cnn(seed: 5) {
  input x: f32[1x3x8x8]
  h = relu(batchNorm(conv2d(x, 8, kernel: 3, pad: 1)))
  output y = dense(flatten(globalAvgPool(h)), 4)
}
`;

async function scriptError(text: string): Promise<ScriptError> {
  try {
    await runScript(text, quiet);
  } catch (e) {
    expect(e).toBeInstanceOf(ScriptError);
    return e as ScriptError;
  }
  throw new Error('expected a ScriptError');
}

describe('pipeline scripts', () => {
  it('values flow by name: a network, its engine, a bench report and a compare report', async () => {
    const shown: string[] = [];
    const r = await runScript(`${NET}e = build cnn\nb = bench e (iterations: 3, warmup: 1)\nc = compare e with cnn`, { ...quiet, log: (t) => shown.push(t) });
    expect(Object.keys(r.values)).toEqual(['cnn', 'e', 'b', 'c']);
    expect(r.values['cnn']).toBeInstanceOf(Graph);
    expect(r.values['e']).toBeInstanceOf(Engine);
    const b = r.values['b'] as BenchReport;
    expect(b).toMatchObject({ kind: 'bench', backend: 'webgpu', iterations: 3 });
    expect(b.wallMs.min).toBeLessThanOrEqual(b.wallMs.median);
    expect(b.wallMs.median).toBeLessThanOrEqual(b.wallMs.max);
    expect((r.values['c'] as CompareReport).pass).toBe(true);
    expect(shown.map((s) => s.split(/\s/)[0])).toEqual(['bench', 'compare']);
  });

  it('build options reach the builder: level 0 keeps one layer per node, force pins a tactic', async () => {
    const g = parseNetwork(NET);
    const r = await runScript(`${NET}flat = build cnn (level: 0)\npinned = build cnn (force: { Conv: "conv.direct" }, disable: ["fuse-conv-bn"])`, quiet);
    expect((r.values['flat'] as Engine).layers.length).toBe(g.nodes.length);
    const pinned = r.values['pinned'] as Engine;
    expect(pinned.layers.filter((l) => l.op.endsWith('Conv')).map((l) => l.tactic)).toEqual(['conv.direct']);
    expect(pinned.layers.some((l) => l.op === 'BatchNormalization')).toBe(true);
  });

  it('a tuned build writes the timing cache, and a strict build reads it back', async () => {
    const cache = join(dir, 'timing.json');
    await runScript(`${NET}e = build cnn (cache: "timing.json", iterations: 2)`, quiet);
    expect(TimingCache.load(cache).size).toBeGreaterThan(0);
    const shown: string[] = [];
    await runScript(`${NET}e = build cnn (cache: "timing.json", strict: true)`, { ...quiet, log: (t) => shown.push(t) });
    expect(shown.join('\n')).toMatch(/0 candidates timed now/);
  }, 120_000);

  it('compare measures the difference between two networks as the reference executor sees it', async () => {
    const other = NET.replace('cnn(seed: 5)', 'other(seed: 6)');
    const r = await runScript(`${NET}${other}c = compare cnn with other (seed: 3)`, quiet);
    const c = r.values['c'] as CompareReport;
    const feeds = { x: randomInput({ dtype: 'f32', shape: [1, 3, 8, 8] }, 3) };
    const a = toFloat64(runReference(inferTypes(parseNetwork(NET)), feeds)['y']!);
    const b = toFloat64(runReference(inferTypes(parseNetwork(other)), feeds)['y']!);
    expect(c.pass).toBe(false);
    expect(c.outputs[0]!.maxAbs).toBeCloseTo(Math.max(...a.map((v, i) => Math.abs(v - b[i]!))), 12);
    expect(c.outputs[0]!.mismatches).toBeGreaterThan(0);
  });

  it('load reads ONNX models (with shapes for symbolic dims), .wg scripts and engines; save writes them', async () => {
    writeFileSync(join(dir, 'dyn.onnx'), model({
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [valueInfo('x', FLOAT, ['batch', 4])],
      outputs: [valueInfo('y', FLOAT, ['batch', 4])],
    }));
    writeFileSync(join(dir, 'two.wg'), `${NET}network second { input x: f32[2x2]\n output y = relu(x) }`);
    const r = await runScript(`m = load "dyn.onnx" (shapes: { x: 8x4 })
first = load "two.wg" (network: "cnn")
last = load "two.wg"
e = build first
save e to "first.wgrt"
save first to "first.onnx"
again = load "first.wgrt"
o = load "first.onnx"
c = compare again with o (atol: 1e-5, rtol: 1e-4)
save c to "c.json"`, quiet);
    expect((r.values['m'] as Graph).inputs[0]!.type.shape).toEqual([8, 4]);
    expect((r.values['first'] as Graph).name).toBe('cnn');
    expect((r.values['last'] as Graph).name).toBe('second');
    expect(r.values['again']).toBeInstanceOf(Engine);
    expect((r.values['c'] as CompareReport).pass).toBe(true);
    expect(existsSync(join(dir, 'c.json'))).toBe(true);
  });

  it('wg.run runs a pipeline template; wg builds a network', async () => {
    const iterations = 2;
    const result = await wg.with(quiet).run`network n { input x: f32[2x4] output y = relu(x) }
e = build n
b = bench e (iterations: ${iterations}, warmup: 0)`;
    expect((result.values['b'] as BenchReport).iterations).toBe(2);
    expect(result.values['e']).toBeInstanceOf(Engine);
    expect(wg`network n { input x: f32[2x${iterations}] output y = relu(x) }`.inputs[0]!.type.shape).toEqual([2, 2]);
  });

  it('calibrate, build int8, evaluate: the same table, graph and accuracy as the library calls', async () => {
    const repo = new URL('../', import.meta.url).pathname;
    const model = `${repo}models/fashion-mnist/small_cnn.onnx`;
    const calib = `${repo}data/fashion-mnist/calib-1000-images-idx3-ubyte.gz`;
    const r = await runScript(`m = load "${model}" (shapes: { image: 16x1x28x28 })
t = calibrate m (data: "${calib}", method: minmax, images: 40, backend: reference)
save t to "t.cache"
back = load "t.cache"
e = build m (precision: int8, calibration: back)
a = evaluate e (data: "${repo}data/fashion-mnist/t10k-images-idx3-ubyte.gz", labels: "${repo}data/fashion-mnist/t10k-labels-idx1-ubyte.gz", images: 64)`, quiet);
    const m = r.values['m'] as Graph;
    // 40 images in batches of 16: the two whole batches.
    const direct = await calibrate(m, imageBatches(calib, { batchSize: 16, input: 'image', limit: 32 }), { method: 'minmax' });
    const t = r.values['t'] as QuantTable;
    expect(t.batches).toBe(2);
    expect([...t.activations].map(([k, v]) => [k, v.amax])).toEqual([...direct.activations].map(([k, v]) => [k, v.amax]));
    const back = r.values['back'] as QuantTable;
    for (const [k, v] of t.activations) expect(back.scale(k)).toBe(Math.fround(v.scale));
    const e = r.values['e'] as Engine;
    expect(e.graph.nodes.filter((n) => n.op === 'QuantizeLinear').length).toBeGreaterThan(0);
    // The reference runs the same Q/DQ graph to the same predictions.
    const q = insertQdq(inferTypes(m), { amax: (x) => back.amax(x) });
    const truth = labels(`${repo}data/fashion-mnist/t10k-labels-idx1-ubyte.gz`).subarray(0, 64);
    const expected = await predict((f) => runReference(q, f), imageBatches(`${repo}data/fashion-mnist/t10k-images-idx3-ubyte.gz`, { batchSize: 16, input: 'image', limit: 64 }));
    const a = r.values['a'] as AccuracyReport;
    expect(agreement(a.predictions, expected)).toBeGreaterThanOrEqual(63 / 64);
    expect(a.top1).toBeCloseTo(agreement(expected, truth), 1);
  }, 120_000);

  it('precision fp16, best and per-layer entries reach the build: the engine says which layers run what', async () => {
    const repo = new URL('../', import.meta.url).pathname;
    const model = `${repo}models/fashion-mnist/small_cnn.onnx`;
    const r = await runScript(`m = load "${model}" (shapes: { image: 4x1x28x28 })
t = calibrate m (data: "${repo}data/fashion-mnist/calib-1000-images-idx3-ubyte.gz", images: 8, backend: reference)
h = build m (precision: fp16)
b = build m (precision: best, calibration: t, layers: { "/fc*": "fp16" })
k = build m (precision: int8, calibration: t, keep: ["/conv1/Conv"])`, quiet);
    const prec = (name: string) => Object.fromEntries(describeEngine(r.values[name] as Engine).layers.map((l) => [l.name, l.precision]));
    // lavapipe has shader-f16: the script told the build so.
    expect([prec('h')['/conv1/Conv'], prec('h')['/fc1/Gemm']]).toEqual(['fp16', 'fp16']);
    expect([prec('b')['/conv1/Conv'], prec('b')['/conv2/Conv'], prec('b')['/fc1/Gemm']]).toEqual(['int8', 'int8', 'fp16']);
    expect([prec('k')['/conv1/Conv'], prec('k')['/conv2/Conv']]).toEqual(['f32', 'int8']);
  }, 120_000);

  it('int8 faults name the option: no table, not a table, a layer that does not exist, data too small', async () => {
    const repo = new URL('../', import.meta.url).pathname;
    const head = `m = load "${repo}models/fashion-mnist/small_cnn.onnx" (shapes: { image: 16x1x28x28 })\n`;
    const calib = `data: "${repo}data/fashion-mnist/calib-1000-images-idx3-ubyte.gz"`;
    const cases: [string, RegExp][] = [
      ['e = build m (precision: int8)', /precision: int8 needs calibration: TABLE/],
      ['e = build m (precision: half)', /precision must be one of fp32, fp16, int8, best, not 'half'/],
      ['e = build m (precision: int8, calibration: m)', /calibration takes a table from calibrate or load; 'm' is a network/],
      [`t = calibrate m (${calib}, images: 16, backend: reference)\ne = build m (precision: int8, calibration: t, keep: ["/conv1/Cnv"])`, /keep: '\/conv1\/Cnv' is no Conv\/Gemm\/MatMul layer.*did you mean '\/conv1\/Conv'\?/],
      [`t = calibrate m (${calib}, images: 8)`, /8 examples, fewer than one batch of 16/],
      [`t = calibrate m (${calib}, method: entrpy)`, /method must be one of minmax, entropy, percentile, mse, not 'entrpy'; did you mean 'entropy'\?/],
      ['t = calibrate m (data: "nothere.gz")', /'nothere.gz' does not exist/],
      ['t = calibrate m', /this step needs data: "FILE"/],
    ];
    for (const [text, message] of cases) expect((await scriptError(head + text)).detail, text).toMatch(message);
  }, 120_000);

  it('faults are ScriptErrors at the step or option, with suggestions', async () => {
    const cases: [string, number, number, RegExp][] = [
      [`${NET}e = buidl cnn`, 6, 5, /unknown step 'buidl'; did you mean 'build'\?/],
      [`${NET}y = relu(x)`, 6, 5, /unknown step 'relu'.*layers go inside `network NAME/],
      [`${NET}m = load model.onnx`, 6, 10, /syntax error: expected a string/],
      [`${NET}e = build cnn (levl: 2)`, 6, 16, /build has no option 'levl'.*did you mean 'level'\?/],
      [`${NET}e = build cnn (level: "two")`, 6, 23, /level takes an integer ≥ 0, not "two"/],
      [`${NET}e = build cnn (precision: half)`, 6, 27, /precision must be one of fp32, fp16, int8, best, not 'half'/],
      [`${NET}e = build cnn (force: "conv.direct")`, 6, 23, /force takes a record/],
      [`${NET}e = build cnn (level: 1, level: 2)`, 6, 26, /option 'level' is given twice/],
      [`${NET}e = build cnm`, 6, 11, /'cnm' is neither a network of this script nor a value bound by an earlier step; did you mean 'cnn'\?/],
      [`${NET}e = build cnn\nf = build e`, 7, 11, /build takes a network; 'e' is an engine/],
      [`${NET}save cnn to "x.wgrt"`, 6, 13, /a .wgrt file holds an engine; 'cnn' is a network/],
      [`${NET}save cnn to "x.txt"`, 6, 13, /save writes .wgrt/],
      [`${NET}e = inspect cnn`, 6, 5, /'inspect' gives no value to bind/],
      [`${NET}m = load "nothere.onnx"`, 6, 10, /'nothere.onnx' does not exist/],
      [`${NET}bench cnn (backend: cuda)`, 6, 21, /backend must be one of auto, webgpu, reference, not 'cuda'/],
      [`${NET}bench cnn (iterations: 0)`, 6, 24, /iterations takes an integer ≥ 1, not 0/],
      [`${NET}e = build cnn (force: { conv2d_1: "conv.nope" })`, 6, 5, /build: .*conv\.nope/],
    ];
    for (const [text, line, column, message] of cases) {
      const e = await scriptError(text);
      expect([e.line, e.column, e.detail], text.split('\n').pop()).toEqual([line, column, expect.stringMatching(message)]);
      expect(e.message).toContain('^');
    }
  });

  it('a script whose network has a shape error stops at the statement, before any step runs', async () => {
    const shown: string[] = [];
    await expect(runScript(`network bad { input x: f32[2x3]\n output y = matmul(x, x) }\ne = build bad\nbench e`, { ...quiet, log: (t) => shown.push(t) })).rejects.toThrow(/2:2: .*ShapeError/);
    expect(shown).toEqual([]);
  });
});
