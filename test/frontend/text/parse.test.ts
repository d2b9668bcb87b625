import { describe, expect, it } from 'vitest';
import { TensorHandle } from '../../../src/frontend/fluent/index.js';
import { FLUENT_LAYERS, parseNetwork, parseScript, ScriptError, wg } from '../../../src/frontend/text/index.js';
import { WgrtError } from '../../../src/errors.js';
import { structuralHash, toFloat64 } from '../../../src/ir/index.js';
import { randomInput } from '../../../src/ir/random.js';
import { runReference } from '../../../src/reference/index.js';

/** The ScriptError a script throws (parse or build). */
function scriptError(text: string): ScriptError {
  try {
    parseNetwork(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ScriptError);
    return e as ScriptError;
  }
  throw new Error('expected a ScriptError');
}

const net = (body: string, head = 'network n') => `${head} {\n  input x: f32[1x3x8x8]\n${body}\n}`;

describe('text DSL: constructs', () => {
  it('parses a script into blocks and networks with statement kinds', () => {
    const s = parseScript('block b(x, c) { return relu(x) }\nnetwork n(seed: 2) { input x: f32[1x2]\n output y = b(x, 1) }');
    expect(s.statements.map((t) => t.kind)).toEqual(['block', 'network']);
    const n = s.statements[1]!;
    expect(n.kind === 'network' && n.body.map((b) => b.kind)).toEqual(['input', 'output']);
  });

  it('inputs keep order, dtype and shape; scalar types; outputs in order', () => {
    const g = parseNetwork('network n { input b: i64[] input a: f32[2x3] output a output b }');
    expect(g.inputs.map((i) => [i.name, i.type.dtype, i.type.shape])).toEqual([['b', 'i64', []], ['a', 'f32', [2, 3]]]);
    expect(g.outputs).toEqual(['a', 'b']);
  });

  it('weights: seed, values, data (base64 bytes), and a tensor attribute', () => {
    const g = parseNetwork(`network n {
      input x: f32[4]
      weight s: f32[4] = seed 7
      weight v: f32[4] = values [0.5, 1, 2, -3]
      weight d: f32[2] = data "AACAPwAAAEA="
      weight i: i64[2] = values [1, -2]
      y = Add(x, v)
      output y
    }`);
    expect(Array.from(toFloat64(g.initializers.get('v')!))).toEqual([0.5, 1, 2, -3]);
    expect(Array.from(toFloat64(g.initializers.get('d')!))).toEqual([1, 2]);
    expect(Array.from(toFloat64(g.initializers.get('i')!))).toEqual([1, -2]);
    expect(g.initializers.get('s')!.data.length).toBe(4);
  });

  it('generic nodes: tensor names as written, `_` absent, attrs, `as`, several outputs', () => {
    const g = parseNetwork(net(`  weight w: f32[8x3x3x3] = seed 1
  y = Conv(x, w, _) { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } as "conv_1"
  a, _ = Split(y) { axis: 1, num_outputs: 2 }
  output "out/0" = Relu(a)`));
    const conv = g.nodes.find((n) => n.op === 'Conv')!;
    expect(conv).toMatchObject({ name: 'conv_1', inputs: ['x', 'w', ''], outputs: ['y'] });
    expect(conv.attrs).toEqual({ kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    expect(g.nodes.find((n) => n.op === 'Split')).toMatchObject({ name: 'a', outputs: ['a', ''] });
    expect(g.outputs).toEqual(['out/0']);
    expect(g.type('out/0').shape).toEqual([1, 4, 8, 8]);
    // The reference executor runs a Split with an absent output: `a` is x's first two channels.
    const x = randomInput({ dtype: 'f32', shape: [1, 4, 2, 2] }, 3);
    const split = parseNetwork('network s { input x: f32[1x4x2x2]\n a, _ = Split(x) { axis: 1, num_outputs: 2 }\n output a }');
    expect(Array.from(toFloat64(runReference(split, { x })['a']!))).toEqual(Array.from(toFloat64(x)).slice(0, 8));
  });

  it('quoted names work wherever a name goes', () => {
    const g = parseNetwork('network "my net" { input "in:0": f32[2] "a b" = Relu("in:0") output "a b" }');
    expect(g.name).toBe('my net');
    expect(g.nodes[0]).toMatchObject({ inputs: ['in:0'], outputs: ['a b'] });
  });

  it('fluent layers: positional and keyword arguments, name option, lists of tensors, several results', () => {
    const g = parseNetwork(net(`  c = conv2d(x, 4, kernel: 3, pad: 1, bias: false, name: "stem")
  l, r = split(c, 2, axis: 1)
  j = concat([r, l], axis: 1)
  s = softmax(flatten(j), axis: 1)
  output s`));
    expect(g.nodes.find((n) => n.name === 'stem')!.inputs).toHaveLength(2);
    expect(g.nodes.map((n) => n.op)).toEqual(['Conv', 'Split', 'Concat', 'Flatten', 'Softmax']);
    expect(g.nodes.find((n) => n.op === 'Concat')!.inputs).toEqual(['split_1.1', 'split_1.0']);
  });

  it('blocks, repeat with and without a loop index, and arithmetic with precedence', () => {
    const g = parseNetwork(`block st(x, w) { return relu(conv2d(x, w, kernel: 1)) }
network n(seed: 4) {
  input x: f32[1x2x4x4]
  h = st(x, 2 + 3 * 2 - (4 - 2) / 2)
  repeat 2 { h = st(h, 7) }
  repeat i in 1..3 { h = st(h, i * 2) }
  repeat j in i..i+1 { h = st(h, j) }
  output h
}`);
    const convs = g.nodes.filter((n) => n.op === 'Conv');
    expect(convs.map((c) => g.initializers.get(c.inputs[1]!)!.shape[0])).toEqual([7, 7, 7, 2, 4, 2]);
  });

  it('numbers: exponents, negatives, inf and nan; comments anywhere', () => {
    const g = parseNetwork(`network n { # a comment
  input x: f32[2]   # another
  y = LeakyRelu(x) { alpha: -1e-2 }
  z = Clip(y, _, _)
  output z
}`);
    expect(g.nodes[0]!.attrs['alpha']).toBe(-0.01);
    expect(parseScript('network n { output y = f(x, inf, -inf, nan) }')).toBeTruthy();
  });

  it('wg tagged template splices numbers and strings as literals', () => {
    const c = 3;
    const g = wg`network n { input x: f32[1x${c}] output ${'y:0'} = Relu(x) }`;
    expect(g.inputs[0]!.type.shape).toEqual([1, 3]);
    expect(g.outputs).toEqual(['y:0']);
    const z = wg`network n { input x: f32[2] output y = LeakyRelu(x) { alpha: ${-0} } }`;
    expect(Object.is(z.nodes[0]!.attrs['alpha'], -0)).toBe(true);
    expect(() => wg`network n { input x: f32[${{} as unknown as number}] }`).toThrow(WgrtError);
  });

  it('parseNetwork picks the last network, or one by name', () => {
    const text = 'network a { input x: f32[1] output x } network b { input y: f32[2] output y }';
    expect(parseNetwork(text).name).toBe('b');
    expect(parseNetwork(text, { network: 'a' }).name).toBe('a');
  });

  it('the same script builds the same graph', () => {
    const text = net('  output y = relu(conv2d(x, 4, kernel: 3))', 'network n(seed: 9)');
    expect(structuralHash(parseNetwork(text))).toBe(structuralHash(parseNetwork(text)));
  });

  it('every public TensorHandle method is a layer the DSL knows', () => {
    const helpers = new Set(['constructor', 'toString', 'shape', 'dtype', 'rank', 'layer', 'node', 'unary', 'binary', 'reduce', 'arg', 'quantParams', 'withInts', 'operand', 'convChannels', 'conv', 'window', 'spatial', 'normParams']);
    const methods = Object.getOwnPropertyNames(TensorHandle.prototype).filter((m) => !helpers.has(m));
    expect(methods.filter((m) => !FLUENT_LAYERS.has(m))).toEqual([]);
  });
});

describe('text DSL: errors', () => {
  it("a typo'd layer: did you mean 'conv2d'?", () => {
    const e = scriptError(net('  y = covn2d(x, 16)\n  output y'));
    expect([e.line, e.column]).toEqual([3, 7]);
    expect(e.message).toContain("did you mean 'conv2d'?");
    expect(e.message).toContain('3 |   y = covn2d(x, 16)\n  |       ^');
  });

  it("a typo'd op and attribute get suggestions too", () => {
    expect(scriptError(net('  y = Rleu(x)\n  output y')).message).toContain("did you mean 'Relu'?");
    const e = scriptError(net('  y = LeakyRelu(x) { alpah: 1 }\n  output y'));
    expect([e.line, e.column, e.message.includes("did you mean 'alpha'?")]).toEqual([3, 22, true]);
  });

  it('an unknown option names the layer and suggests the closest', () => {
    const e = scriptError(net('  y = conv2d(x, 16, kernal: 3)\n  output y'));
    expect([e.line, e.column]).toEqual([3, 21]);
    expect(e.message).toContain("unknown option 'kernal' of conv2d");
    expect(e.message).toContain("did you mean 'kernel'?");
  });

  it('an undefined tensor points at its use', () => {
    const e = scriptError(net('  y = relu(z)\n  output y'));
    expect([e.line, e.column]).toEqual([3, 12]);
    expect(e.message).toContain("'z' is not defined");
    const u = scriptError(net('  output q'));
    expect([u.line, u.column]).toEqual([3, 3]);
  });

  it('a bad shape (type inference) points at the statement, keeping the ShapeError as cause', () => {
    const e = scriptError(net('  y = flatten(x)\n  z = add(y, x)\n  output z'));
    expect([e.line, e.column]).toEqual([4, 3]);
    expect(e.message).toContain('do not broadcast');
    expect((e.cause as Error).name).toBe('ShapeError');
    const t = scriptError('network n {\n  input x: f32[1x3x8]\n  output y = conv2d(x, 4, kernel: 3)\n}');
    expect([t.line, t.column]).toEqual([3, 3]);
  });

  it('a malformed type is a syntax error saying what was expected', () => {
    const e = scriptError('network n {\n  input x: f32[1x3x]\n}');
    // The type is one token: the error points at its start and shows the form expected.
    expect([e.line, e.column]).toEqual([2, 12]);
    expect(e.message).toContain('expected a type such as f32[1x3x8x8]');
  });

  it('an unterminated string points at its opening quote', () => {
    const e = scriptError('network n {\n  input x: f32[2]\n  output "y = Relu(x)\n}');
    expect([e.line, e.column]).toEqual([3, 10]);
    expect(e.message).toContain('unterminated string');
    expect(e.message).toContain('  |          ^');
  });

  it('a malformed string (a control character, a bad escape) points at its opening quote', () => {
    const e = scriptError('network n {\n  input "a\\q": f32[2]\n}');
    expect([e.line, e.column]).toEqual([2, 9]);
    expect(e.message).toContain('malformed string');
  });

  it('long strings (weights data) parse fast, and positions after them stay right', () => {
    const n = 100_000;
    const b64 = Buffer.from(new Float32Array(n).fill(1).buffer).toString('base64');
    const t0 = performance.now();
    const g = parseNetwork(`network n {\n  input x: f32[${n}]\n  weight w: f32[${n}] = data "${b64}"\n  output y = Add(x, w)\n}`);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(toFloat64(g.initializers.get('w')!)[n - 1]).toBe(1);
    const line = `  weight w: f32[${n}] = data "${b64}" y = Relu(q)`;
    const e = scriptError(`network n {\n${line}\n  output y\n}`);
    expect([e.line, e.column]).toEqual([2, line.indexOf('q)') + 1]);
  });

  it('a syntax error says what was expected', () => {
    const e = scriptError(net('  y = conv2d(x 16)\n  output y'));
    expect([e.line, e.column]).toEqual([3, 16]);
    expect(e.message).toMatch(/expected .*"\)"/);
  });

  it('values of the wrong count, bad base64, wrong arity of blocks, runaway repeat', () => {
    expect(scriptError('network n { input x: f32[2]\n weight w: f32[3] = values [1, 2] output x }').message).toContain('2 values given; f32[3] needs 3');
    expect(scriptError('network n { input x: f32[2]\n weight w: f32[2] = data "!!" output x }').message).toContain('base64');
    expect(scriptError('block b(x, c) { return x }\nnetwork n { input x: f32[2]\n output y = b(x) }').message).toContain("'c' is missing");
    expect(scriptError('network n { input x: f32[2]\n repeat 1e9 { x = relu(x) } output x }').message).toContain('repeat needs');
    expect(scriptError('block b(x) { return b(x) }\nnetwork n { input x: f32[2]\n output y = b(x) }').message).toContain('nest more than');
  });

  it('no network, or an unknown network name', () => {
    expect(scriptError('block b(x) { return x }').message).toContain('no network');
    expect(() => parseNetwork('network abc { input x: f32[1] output x }', { network: 'abd' })).toThrow(/did you mean 'abc'/);
  });
});
