// The same network in the fluent TypeScript DSL and in the text DSL gives the same graph
// (structuralHash) and the same outputs on the reference executor.
import { describe, expect, it } from 'vitest';
import { network, type TensorHandle } from '../../../src/frontend/fluent/index.js';
import { parseNetwork } from '../../../src/frontend/text/index.js';
import { structuralHash, toFloat64, type Graph } from '../../../src/ir/index.js';
import { randomInput } from '../../../src/ir/random.js';
import { runReference } from '../../../src/reference/index.js';

function expectSame(fluent: Graph, text: string): void {
  const parsed = parseNetwork(text);
  expect(structuralHash(parsed)).toBe(structuralHash(fluent));
  expect(parsed.outputs).toEqual(fluent.outputs);
  for (const seed of [1, 2]) {
    const feeds = Object.fromEntries(fluent.inputs.map((i, k) => [i.name, randomInput(i.type, seed * 10 + k)]));
    const want = runReference(fluent, feeds);
    const got = runReference(parsed, feeds);
    for (const o of fluent.outputs) expect(Array.from(toFloat64(got[o]!))).toEqual(Array.from(toFloat64(want[o]!)));
  }
}

describe('fluent DSL and text DSL build the same networks', () => {
  it('a small CNN', () => {
    const net = network('cnn', { seed: 5 });
    const x = net.input('x', [1, 3, 16, 16]);
    const h = x.conv2d(8, { kernel: 3, pad: 1 }).batchNorm({ init: 'random' }).relu().conv2d(16, { kernel: 3, stride: 2, pad: 1 }).relu();
    net.output('logits', h.globalAvgPool().flatten().dense(10));
    expectSame(net.build(), `
network cnn(seed: 5) {
  input x: f32[1x3x16x16]
  h = relu(batchNorm(conv2d(x, 8, kernel: 3, pad: 1), init: "random"))
  h = relu(conv2d(h, 16, kernel: 3, stride: 2, pad: 1))
  output logits = dense(flatten(globalAvgPool(h)), 10)
}`);
  });

  it('a ResNet-style network: residual blocks through block + repeat', () => {
    const net = network('resnet', { seed: 1 });
    const residual = (x: TensorHandle, c: number) => x.conv2d(c, { kernel: 3, pad: 1 }).relu().conv2d(c, { kernel: 3, pad: 1 }).add(x).relu();
    let h = net.input('x', [1, 3, 8, 8]).conv2d(8, { kernel: 3, pad: 1 }).relu();
    for (let i = 0; i < 3; i++) h = residual(h, 8);
    h = h.conv2d(16, { kernel: 1, stride: 2 });
    for (let i = 0; i < 2; i++) h = residual(h, 16);
    net.output('y', h.globalAvgPool().flatten().dense(4));
    expectSame(net.build(), `
block residual(x, channels) {
  t = relu(conv2d(x, channels, kernel: 3, pad: 1))
  return relu(add(conv2d(t, channels, kernel: 3, pad: 1), x))
}
network resnet(seed: 1) {
  input x: f32[1x3x8x8]
  h = relu(conv2d(x, 8, kernel: 3, pad: 1))
  repeat 3 { h = residual(h, 8) }
  h = conv2d(h, 8 * 2, kernel: 1, stride: 2)
  repeat i in 0..2 { h = residual(h, 16) }
  output y = dense(flatten(globalAvgPool(h)), 4)
}`);
  });

  it('an MLP with dense, gelu and layerNorm', () => {
    const net = network('mlp', { seed: 3 });
    let h = net.input('tokens', [2, 4, 16]);
    for (const w of [32, 16]) h = h.dense(w * 2).gelu().dense(w).layerNorm({ epsilon: 1e-5 });
    net.output('out', h);
    expectSame(net.build(), `
block ffn(x, width) {
  return layerNorm(dense(gelu(dense(x, width * 2)), width), epsilon: 1e-5)
}
network mlp(seed: 3) {
  input tokens: f32[2x4x16]
  h = ffn(tokens, 32)
  h = ffn(h, 16)
  output out = h
}`);
  });

  it('a branchy DAG with concat, split and two outputs', () => {
    const net = network('dag', { seed: 7 });
    const x = net.input('x', [1, 4, 8, 8]);
    const a = x.conv2d(4, { kernel: 1 }).relu();
    const b = x.conv2d(4, { kernel: 3, pad: 1 }).sigmoid();
    const j = a.concat(b, 1);
    const [l, r] = j.split([3, 5], 1);
    net.output('left', l!.tanh());
    net.output('right', r!.mul(x.conv2d(5, { kernel: 1 })));
    expectSame(net.build(), `
network dag(seed: 7) {
  input x: f32[1x4x8x8]
  a = relu(conv2d(x, 4, kernel: 1))
  b = sigmoid(conv2d(x, 4, kernel: 3, pad: 1))
  j = concat([a, b], axis: 1)
  l, r = split(j, [3, 5], 1)
  output left = tanh(l)
  output right = mul(r, conv2d(x, 5, kernel: 1))
}`);
  });

  it('pooling, flatten and softmax', () => {
    const net = network('pool', { seed: 11 });
    const x = net.input('image', [2, 3, 12, 12]);
    const h = x.conv2d(6, { kernel: 3 }).relu().maxPool({ kernel: 2 }).avgPool({ kernel: 3, stride: 1, pad: 1 });
    net.output('probs', h.flatten().dense(5).softmax(-1));
    expectSame(net.build(), `
network pool(seed: 11) {
  input image: f32[2x3x12x12]
  h = maxPool(relu(conv2d(image, 6, kernel: 3)), kernel: 2)
  h = avgPool(h, kernel: 3, stride: 1, pad: 1)
  output probs = softmax(dense(flatten(h), 5), -1)
}`);
  });

  it('generic nodes and fluent layers mix; printed and parsed again, a graph stays the same', () => {
    const text = `
network mixed(seed: 2) {
  input x: f32[1x2x4x4]
  weight w: f32[4x2x1x1] = seed 3
  y = Conv(x, w) { kernel_shape: [1, 1] } as "pointwise"
  z = relu(y)
  output z
}`;
    const net = network('mixed', { seed: 2 });
    const x = net.input('x', [1, 2, 4, 4]);
    const w = net.addConstant('w', randomInput({ dtype: 'f32', shape: [4, 2, 1, 1] }, 3));
    net.output('z', net.layer('conv', 'pointwise', (name) => net.addNode({ name, op: 'Conv', inputs: [x, w], attrs: { kernel_shape: [1, 1] } })[0]!).relu());
    expectSame(net.build(), text);
  });
});
