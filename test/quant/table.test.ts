// The quantization table: wgrt's JSON and TensorRT's calibration cache, both ways, and the
// errors a bad file gives.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CalibrationError } from '../../src/errors.js';
import { tensor } from '../../src/ir/tensor.js';
import { float32Hex, hexFloat32, QuantTable, weightAmax } from '../../src/quant/index.js';

const dir = mkdtempSync(join(tmpdir(), 'wgrt-quant-'));

function sample(): QuantTable {
  return new QuantTable({
    method: 'entropy',
    options: { bins: 2048, percentile: 99.9 },
    batches: 7,
    graph: 'n',
    activations: [
      ['x', { amax: 2.5, min: -2.5, max: 2.25 }],
      ['conv2d_1', { amax: 0.1 + 0.2, min: -0.3, max: 0.2 }], // not a float32: JSON must keep it exactly
      ['(Unnamed Layer* 3) [Convolution]_output', { amax: 1 }],
    ],
    weights: [['conv2d_1.weight', { axis: 0, amax: [0.5, 0.25, 1 / 3] }]],
  });
}

describe('QuantTable JSON', () => {
  it('round trips exactly, scales derived as amax / 127', () => {
    const t = sample();
    const back = QuantTable.parse(t.toJSON());
    expect(back.method).toBe('entropy');
    expect(back.options).toEqual({ bins: 2048, percentile: 99.9 });
    expect([back.batches, back.graph]).toEqual([7, 'n']);
    expect([...back.activations]).toEqual([...t.activations]);
    expect([...back.weights]).toEqual([...t.weights]);
    expect(back.amax('conv2d_1')).toBe(0.1 + 0.2);
    expect(back.scale('x')).toBe(2.5 / 127);
    expect(back.weights.get('conv2d_1.weight')!.scale).toEqual([0.5 / 127, 0.25 / 127, 1 / 3 / 127]);
    expect(back.toJSON()).toBe(t.toJSON());
    const parsed = JSON.parse(t.toJSON()) as Record<string, unknown>;
    expect([parsed['format'], parsed['version']]).toEqual(['wgrt-quant-table', 1]);
  });

  it('saves and loads a file', () => {
    const path = join(dir, 'table.json');
    sample().save(path);
    expect(QuantTable.load(path).toJSON()).toBe(sample().toJSON());
  });

  it('names the file and what is wrong with a bad one', () => {
    const bad = (text: string, pattern: RegExp) => {
      const path = join(dir, 'bad.json');
      writeFileSync(path, text);
      expect(() => QuantTable.load(path)).toThrow(CalibrationError);
      expect(() => QuantTable.load(path)).toThrow(new RegExp(`quantization table .*bad\\.json: ${pattern.source}.*calibrate again`));
    };
    const doc = JSON.parse(sample().toJSON()) as Record<string, unknown>;
    bad('{ "format": "wgrt-quant-table", ', /is not JSON/);
    bad(JSON.stringify({ ...doc, format: 'wgrt-timing-cache' }), /is not a wgrt quantization table/);
    bad(JSON.stringify({ ...doc, version: 2 }), /has version 2; this wgrt reads version 1/);
    bad(JSON.stringify({ ...doc, method: 'median' }), /has method "median"/);
    bad(JSON.stringify({ ...doc, activations: { x: { amax: -1 } } }), /activation 'x' has amax -1/);
    bad(JSON.stringify({ ...doc, weights: { w: { axis: 0, amax: [1, 'a'] } } }), /weight 'w' needs amax/);
    bad(JSON.stringify({ ...doc, batches: 1.5 }), /has batches 1.5/);
    expect(() => QuantTable.load(join(dir, 'absent.json'))).toThrow(/quantization table .*absent\.json: cannot be read/);
  });
});

describe('TensorRT calibration cache', () => {
  const handWritten = [
    'TRT-8601-EntropyCalibration2',
    'input: 3c000000', // 2^-7 = 0.0078125
    '(Unnamed Layer* 3) [Convolution]_output: 3d800000', // 0.0625
    'relu_1: 3f800000', // 1
    '',
  ].join('\n');

  it('parses a hand-written cache: scale from the big-endian float32 bits, amax = 127 scale', () => {
    const t = QuantTable.parseTensorRTCache(handWritten);
    expect(t.method).toBe('entropy');
    expect([...t.activations.keys()]).toEqual(['input', '(Unnamed Layer* 3) [Convolution]_output', 'relu_1']);
    expect(t.scale('input')).toBe(0.0078125);
    expect(t.amax('input')).toBe(0.9921875);
    expect(t.scale('(Unnamed Layer* 3) [Convolution]_output')).toBe(0.0625);
    expect(t.amax('relu_1')).toBe(127);
    expect(t.weights.size).toBe(0);
  });

  it('writes the same text back, and reads CRLF files', () => {
    expect(QuantTable.parseTensorRTCache(handWritten).toTensorRTCache()).toBe(handWritten);
    expect(QuantTable.parseTensorRTCache(handWritten.replace(/\n/g, '\r\n')).toTensorRTCache()).toBe(handWritten);
  });

  it('round trips a table to float32 scales', () => {
    const t = sample();
    const path = join(dir, 'calib.cache');
    t.saveTensorRTCache(path);
    const back = QuantTable.loadTensorRTCache(path);
    for (const [name, r] of t.activations) {
      expect(back.scale(name)).toBe(Math.fround(r.scale));
      expect(Math.abs(back.amax(name)! - r.amax)).toBeLessThanOrEqual(r.amax * 2 ** -23);
    }
    expect(back.toTensorRTCache()).toBe(t.toTensorRTCache());
  });

  it('names the calibrator in the header: MinMaxCalibration for minmax', () => {
    const t = new QuantTable({ method: 'minmax', batches: 1, activations: [['x', { amax: 127 }]] });
    expect(t.toTensorRTCache()).toBe('TRT-8601-MinMaxCalibration\nx: 3f800000\n');
    expect(QuantTable.parseTensorRTCache(t.toTensorRTCache()).method).toBe('minmax');
    expect(t.toTensorRTCache({ version: '100300', algorithm: 'EntropyCalibration2' })).toBe('TRT-100300-EntropyCalibration2\nx: 3f800000\n');
  });

  it('float32 bits both ways', () => {
    expect(float32Hex(0.0078125)).toBe('3c000000');
    expect(float32Hex(1 / 127)).toBe('3c010204');
    expect(hexFloat32('3c010204')).toBe(Math.fround(1 / 127));
    expect(hexFloat32('0')).toBe(0);
  });

  it('rejects malformed caches with the line at fault', () => {
    const bad = (text: string, pattern: RegExp) => {
      expect(() => QuantTable.parseTensorRTCache(text, 'calib.cache')).toThrow(CalibrationError);
      expect(() => QuantTable.parseTensorRTCache(text, 'calib.cache')).toThrow(new RegExp(`calib.cache: ${pattern.source}`));
    };
    bad('input: 3c000000\n', /line 1 is "input: 3c000000", not a header/);
    bad('TRT-8601-FancyCalibration\n', /has calibrator 'FancyCalibration'/);
    bad('TRT-8601-EntropyCalibration2\ninput 3c000000\n', /line 2 is "input 3c000000"/);
    bad('TRT-8601-EntropyCalibration2\ninput: 7fc00000\n', /line 2: scale of 'input' is NaN/);
    bad('TRT-8601-EntropyCalibration2\ninput: bf800000\n', /line 2: scale of 'input' is -1/);
    bad('TRT-8601-EntropyCalibration2\na: 3c000000\na: 3c000000\n', /line 3: 'a' appears twice/);
  });
});

describe('weightAmax', () => {
  it('takes max |w| per slice along the axis', () => {
    // [2, 3]: rows are output channels along axis 0, columns along axis 1
    const w = tensor('f32', [2, 3], [1, -5, 2, -0.5, 0.25, 4]);
    expect(weightAmax(w, 0)).toEqual([5, 4]);
    expect(weightAmax(w, 1)).toEqual([1, 5, 4]);
    const conv = tensor('f32', [2, 1, 2, 2], [1, 2, -3, 0, 0.5, -0.5, 0.25, 0]);
    expect(weightAmax(conv, 0)).toEqual([3, 0.5]);
    expect(() => weightAmax(w, 2)).toThrow(CalibrationError);
  });
});
