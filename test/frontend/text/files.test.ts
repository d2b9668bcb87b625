// Weights from files: NumPy .npy and raw bytes (test/data/npy, written by NumPy), checked against
// the values NumPy was given; a file of another dtype, shape or order is named in the error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../src/frontend/onnx/index.js';
import { parseNetwork, ScriptError } from '../../../src/frontend/text/index.js';
import { inferTypes } from '../../../src/ir/index.js';

const baseDir = new URL('../../data/npy/', import.meta.url).pathname;
const A = [-1, -0.5, 0, 0.5, 1, 1.5]; // (np.arange(6) * 0.5 - 1).reshape(2, 3)
const values = (t: { data: ArrayLike<number | bigint> }) => Array.from(t.data as ArrayLike<number | bigint>);

function weight(decl: string) {
  return parseNetwork(`network n {\n  weight w: ${decl}\n  output w\n}`, { baseDir }).initializers.get('w')!;
}

describe('weight ... = file', () => {
  it('reads .npy arrays (f32 matrix, i64 vector, f32 scalar) and raw little-endian bytes', () => {
    expect(values(weight('f32[2x3] = file "f32_2x3.npy"'))).toEqual(A);
    expect(values(weight('f32[2x3] = file "f32_2x3.bin"'))).toEqual(A);
    expect(values(weight('i64[4] = file "i64_4.npy"'))).toEqual([1n, -2n, 3n, 2n ** 40n]);
    const s = weight('f32[] = file "f32_scalar.npy"');
    expect([s.shape, values(s)]).toEqual([[], [7.25]]);
  });

  it("takes an ONNX model's initializer by name, byte for byte, and names a wrong name or type", () => {
    const g = parseNetwork('network n(seed: 9) { input x: f32[1x3x4x4]\n output y = conv2d(x, 2, kernel: 3) }');
    const dir = mkdtempSync(join(tmpdir(), 'wgrt-weights-'));
    writeFileSync(join(dir, 'm.onnx'), exportOnnx(inferTypes(g)));
    const load = (decl: string) => parseNetwork(`network m {\n  weight w: ${decl}\n  output w\n}`, { baseDir: dir }).initializers.get('w')!;
    expect(values(load('f32[2x3x3x3] = file "m.onnx" name "conv2d_1.weight"'))).toEqual(values(g.initializers.get('conv2d_1.weight')!));
    expect(() => load('f32[2x3x3x3] = file "m.onnx" name "conv2d_1.wieght"')).toThrow(/'m.onnx' has no initializer named 'conv2d_1.wieght'; did you mean 'conv2d_1.weight'\?/);
    expect(() => load('f32[2x3x3] = file "m.onnx" name "conv2d_1.weight"')).toThrow(/initializer 'conv2d_1.weight' of 'm.onnx' is f32\[2x3x3x3\], declared f32\[2x3x3\]/);
  });

  it.each([
    ['f32[2x3] = file "f32_2x3_fortran.npy"', /Fortran order; save it in C order/],
    ['f32[2] = file "f64_2.npy"', /holds '<f8' values; f32\[2\] needs '<f4' \(a.astype\(np.float32\)\)/],
    ['f32[3x2] = file "f32_2x3.npy"', /has shape \(2, 3\); declared f32\[3x2\]/],
    ['f32[2x2] = file "f32_2x3.bin"', /holds 24 bytes; f32\[2x2\] needs 16/],
    ['f32[2x2] = file "README.md"', /holds \d+ bytes/],
    ['f32[2x2] = file "nothere.npy"', /cannot read 'nothere.npy' \(ENOENT\)/],
    ['f32[2x2] = file "m.onnx"', /an ONNX model holds many tensors; say which: file "m.onnx" name/],
    ['f32[2x2] = file "f32_2x3.npy" name "w"', /only an ONNX model's tensors are taken by name/],
  ])('%s is refused, pointing at the weight', (decl, message) => {
    try {
      weight(decl);
      throw new Error('expected a ScriptError');
    } catch (e) {
      expect(e).toBeInstanceOf(ScriptError);
      expect([(e as ScriptError).line, (e as ScriptError).column]).toEqual([2, 3]);
      expect((e as ScriptError).detail).toMatch(message);
    }
  });
});
