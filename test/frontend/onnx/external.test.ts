// External data (data_location EXTERNAL): read only from files inside the model's folder, with
// declared sizes checked against the file before reading.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors.js';
import { importOnnx, loadOnnx } from '../../../src/frontend/onnx/index.js';
import { onnx, type TensorProto } from '../../../src/frontend/onnx/proto.js';
import { FLOAT, model, valueInfo } from './model.js';

const W = [1, -2, 3.5, 4, 0.25, -6];

/** A model computing y = x + w, where w [2, 3] lives in external data at `location`. */
function externalModel(location: string, extra: Record<string, string> = {}): Uint8Array {
  const w: TensorProto = {
    name: 'w',
    dims: [2, 3],
    dataType: FLOAT,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: Object.entries({ location, ...extra }).map(([key, value]) => ({ key, value })),
  };
  return model({
    nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    inputs: [valueInfo('x', FLOAT, [2, 3])],
    outputs: [valueInfo('y', FLOAT, [2, 3])],
    initializers: [w],
  });
}

function folder(): { dir: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), 'wgrt-ext-'));
  const dir = join(root, 'model');
  mkdirSync(join(dir, 'weights'), { recursive: true });
  const outside = join(root, 'secret.bin');
  const bytes = new Uint8Array(new Float32Array(W).buffer);
  writeFileSync(join(dir, 'weights', 'w.bin'), bytes);
  writeFileSync(outside, bytes);
  // the same data at an offset, after 8 bytes of something else
  writeFileSync(join(dir, 'packed.bin'), new Uint8Array([...new Uint8Array(8), ...bytes]));
  return { dir, outside };
}

function load(dir: string, bytes: Uint8Array) {
  writeFileSync(join(dir, 'model.onnx'), bytes);
  return loadOnnx(join(dir, 'model.onnx'));
}

describe('ONNX external data', () => {
  it('reads a tensor from a file inside the model folder, at an offset', () => {
    const { dir } = folder();
    for (const [loc, extra] of [['weights/w.bin', {}], ['packed.bin', { offset: '8', length: '24' }]] as const) {
      const g = load(dir, externalModel(loc, extra));
      expect(Array.from(g.initializers.get('w')!.data as Float32Array)).toEqual(W);
    }
  });

  it.each([
    ['../secret.bin', /contains '\.\.'/],
    ['weights/../../secret.bin', /contains '\.\.'/],
    ['/etc/passwd', /absolute path/],
  ])('refuses location %s', (loc, why) => {
    const { dir } = folder();
    expect(() => load(dir, externalModel(loc))).toThrow(ModelFormatError);
    expect(() => load(dir, externalModel(loc))).toThrow(why);
  });

  it('refuses the absolute path of the real file too', () => {
    const { dir, outside } = folder();
    expect(() => load(dir, externalModel(outside))).toThrow(/absolute path/);
  });

  it('refuses a symlink inside the folder that leads out of it', () => {
    const { dir, outside } = folder();
    symlinkSync(outside, join(dir, 'link.bin'));
    expect(() => load(dir, externalModel('link.bin'))).toThrow(/leads outside the folder/);
    symlinkSync(join(dir, '..'), join(dir, 'up'));
    expect(() => load(dir, externalModel('up/secret.bin'))).toThrow(/leads outside the folder/);
  });

  it('checks declared sizes against the file before reading', () => {
    const { dir } = folder();
    expect(() => load(dir, externalModel('weights/w.bin', { length: '20' }))).toThrow(/length 20 bytes, but the tensor needs 24/);
    expect(() => load(dir, externalModel('weights/w.bin', { offset: '8' }))).toThrow(/runs past its end/);
    expect(() => load(dir, externalModel('weights/w.bin', { offset: '-4' }))).toThrow(ModelFormatError);
    expect(() => load(dir, externalModel('missing.bin'))).toThrow(/does not exist/);
  });

  it('needs the model folder: importing bytes alone is refused with what to do', () => {
    expect(() => importOnnx(externalModel('weights/w.bin'))).toThrow(/load the model from its file/);
  });
});
