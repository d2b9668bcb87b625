// The engine linter (src/engine/lint.ts): for each rule, a small network with exactly that
// pattern, built as the optimizer leaves it, and the finding names the right layers; the demo
// network (fp32) shows none of the patterns it does not have. INT8 engines are calibrated on random data.
import { describe, expect, it } from 'vitest';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { build, type BuildOptions } from '../../src/engine/engine.js';
import { lintEngine, LINT_RULES, type LintRule } from '../../src/engine/lint.js';
import { network } from '../../src/frontend/fluent/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/index.js';
import { randomInput } from '../../src/ir/random.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { cli } from '../helpers/cli.js';

async function int8(g: Graph, opts: BuildOptions = {}) {
  const typed = inferTypes(g);
  const x = typed.inputs[0]!.name;
  const feeds = (k: number) => ({ [x]: randomInput(typed.type(x), k) });
  const calibration = await calibrate(typed, [feeds(1), feeds(2)], { method: 'minmax' });
  return build(typed, { ...opts, precision: 'int8', calibration });
}

const of = (rule: LintRule, g: Parameters<typeof lintEngine>[0]) => lintEngine(g).filter((f) => f.rule === rule);

describe('lintEngine', () => {
  it('int8-region-broken: a Sigmoid between two int8 convolutions, quantized again after it', async () => {
    const net = network('broken', { seed: 3 });
    const x = net.input('x', [1, 16, 8, 8]);
    net.output('y', x.conv2d(16, { kernel: 3, pad: 1, name: 'conv1' }).sigmoid({ name: 'sig' }).conv2d(16, { kernel: 3, pad: 1, name: 'conv2' }).relu());
    const e = await int8(net.build());
    expect(e.layers.filter((l) => l.op === 'Int8Conv').map((l) => l.name)).toEqual(['conv1', 'conv2']);
    const [f, ...rest] = of('int8-region-broken', e);
    expect(rest).toEqual([]);
    expect(f!.layers).toEqual(['conv1', 'sig', 'sig_QuantizeLinear', 'conv2']);
    expect(f!.message).toMatch(/from 'conv1' to 'conv2'.*'sig' \(Sigmoid\)/);
    expect(f!.fix).toMatch(/Relu/);
    // With Relu instead the region is whole: no break, only the quantize of the network input.
    const clean = network('whole', { seed: 3 });
    const y = clean.input('x', [1, 16, 8, 8]);
    clean.output('y', y.conv2d(16, { kernel: 3, pad: 1, name: 'conv1' }).relu().conv2d(16, { kernel: 3, pad: 1, name: 'conv2' }).relu());
    const whole = await int8(clean.build());
    expect(of('int8-region-broken', whole)).toEqual([]);
    expect(of('reformat', whole).map((r) => r.layers)).toEqual([['x_QuantizeLinear']]);
  });

  it('channels: counts that are not multiples of 4 (fp32), output channels not of the int8 MMA tile (int8)', async () => {
    const net = network('odd', { seed: 3 });
    const x = net.input('x', [1, 3, 8, 8]);
    net.output('y', x.conv2d(10, { kernel: 3, pad: 1, name: 'conv1' }).relu().conv2d(8, { kernel: 3, pad: 1, name: 'conv2' }));
    const found = of('channels', build(net.build())).map((f) => [f.layers, f.message.match(/(\d+) (input|output) channels/)!.slice(1)]);
    // conv1's 3 input channels are the image's own: not reported.
    expect(found).toEqual([[['conv1'], ['10', 'output']], [['conv2'], ['10', 'input']]]);
    const net8 = network('odd8', { seed: 3 });
    const y = net8.input('x', [1, 16, 8, 8]);
    net8.output('y', y.conv2d(24, { kernel: 3, pad: 1, name: 'conv1' }).relu().conv2d(32, { kernel: 3, pad: 1, name: 'conv2' }).relu());
    const f8 = of('channels', await int8(net8.build()));
    expect(f8.map((f) => f.layers)).toEqual([['conv1']]);
    expect(f8[0]!.message).toMatch(/24 output channels, not a multiple of 16: a conv.int8_mma tile/);
    expect(f8[0]!.fix).toMatch(/make it 32/);
  });

  it('transpose: a Transpose next to pointwise ops that fusion cannot sink (the other operand is in the other layout)', () => {
    const net = network('nhwc-mix', { seed: 3 });
    const x = net.input('x', [1, 16, 8, 8]);
    const skip = net.input('skip', [1, 8, 8, 16]);
    const h = x.conv2d(16, { kernel: 3, pad: 1, name: 'conv1' }).transpose([0, 2, 3, 1], { name: 'to_nhwc' });
    net.output('y', h.add(skip, { name: 'add' }).sigmoid({ name: 'sig' }).transpose([0, 3, 1, 2], { name: 'to_nchw' }).conv2d(16, { kernel: 3, pad: 1, name: 'conv2' }));
    const e = build(net.build());
    const chain = e.layers.find((l) => l.op === 'PointwiseChain')!;
    expect(chain.origin).toEqual(['add', 'sig']);
    expect(of('transpose', e).map((f) => f.layers)).toEqual([['to_nhwc', chain.name], [chain.name, 'to_nchw']]);
    // The same ops with a constant instead of the second input: the transposes sink and cancel.
    const ok = network('nchw', { seed: 3 });
    const z = ok.input('x', [1, 16, 8, 8]).conv2d(16, { kernel: 3, pad: 1 }).transpose([0, 2, 3, 1]);
    ok.output('y', z.add(0.5).sigmoid().transpose([0, 3, 1, 2]).conv2d(16, { kernel: 3, pad: 1 }));
    const folded = build(ok.build());
    expect(folded.layers.some((l) => l.op === 'Transpose')).toBe(false);
    expect(of('transpose', folded)).toEqual([]);
  });

  it('unfused-pointwise: elementwise layers feeding each other, with the reason fusion left them apart', () => {
    const net = network('pw', { seed: 3 });
    const x = net.input('x', [1, 8, 8, 16]);
    const a = x.sigmoid({ name: 'sig' }).mul(x, { name: 'swish' });
    net.output('y', a);
    net.output('z', a.tanh({ name: 'tanh' }));
    const [f, ...rest] = of('unfused-pointwise', build(net.build()));
    expect(rest).toEqual([]);
    expect(f!.layers).toEqual(['swish', 'tanh']);
    expect(f!.message).toMatch(/'swish' is a network output/);
    // At level 0 nothing fuses: the demo's Relu -> Add -> Relu run is reported.
    const flat = of('unfused-pointwise', build(demoNetwork(), { optimizationLevel: 0 }));
    expect(flat.map((g) => g.layers)).toEqual([['relu_1', 'add_1', 'relu_3']]);
    expect(flat[0]!.message).toMatch(/fuse-pointwise did not run/);
  });

  it('tiny-conv: a 1x1 convolution with few channels moves more bytes than it computes on', () => {
    const net = network('tiny', { seed: 3 });
    const x = net.input('x', [1, 8, 32, 32]);
    net.output('y', x.conv2d(8, { kernel: 1, name: 'pw1' }).relu().conv2d(64, { kernel: 3, pad: 1, name: 'big' }));
    const found = of('tiny-conv', build(net.build()));
    expect(found.map((f) => f.layers)).toEqual([['pw1']]);
    // 2*8*8*1024 FLOPs over (8*1024 in + 8*1024 out + 64 weights + 8 bias) * 4 bytes.
    expect(found[0]!.message).toContain(`${((2 * 8 * 8 * 1024) / ((2 * 8 * 1024 + 64 + 8) * 4)).toFixed(1)} FLOP/byte`);
  });

  it('the demo network: only its 1x1 16-channel convolution is reported; no other pattern applies', () => {
    const findings = lintEngine(build(demoNetwork()));
    expect(findings.map((f) => [f.rule, f.layers])).toEqual([['tiny-conv', ['conv2d_4']]]);
    for (const f of findings) expect(LINT_RULES).toContain(f.rule);
  });

  it('wgrt inspect --lint prints the findings (JSON with --format json) and exits 0', async () => {
    const want = lintEngine(build(demoNetwork(), { optimizationLevel: 0 }));
    const json = await cli('inspect', 'demo', '--level', '0', '--lint', '--format', 'json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual(want);
    const text = await cli('inspect', 'demo', '--level', '0', '--lint');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/engine 'demo-cnn': 2 findings \(1 unfused-pointwise, 1 tiny-conv\)/);
    for (const f of want) expect(text.out).toContain(`[${f.rule}] ${f.layers.join(', ')}`);
  });
});
