// Calibration / evaluation data: IDX and Arrow IPC readers.
// Oracles: the constants about the shipped Fashion-MNIST files were computed with NumPy from the
// same files; the small IDX inputs are written byte by byte here (IEEE bit patterns from Python's
// struct); the Arrow fixtures were written by pyarrow (test/quant/fixtures/arrow-make.py), whose
// values follow a formula checked here element by element.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CalibrationError } from '../../src/errors.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { arrowBatches, arrowBytes, writeArrow } from '../../src/quant/data-arrow.js';
import { imageBatches, labels, readIdx } from '../../src/quant/data.js';

const FMNIST = new URL('../data/fashion-mnist/', import.meta.url).pathname;
const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const TEST_IMAGES = join(FMNIST, 't10k-images-idx3-ubyte.gz');
const TEST_LABELS = join(FMNIST, 't10k-labels-idx1-ubyte.gz');
const CALIB_IMAGES = join(FMNIST, 'calib-1000-images-idx3-ubyte.gz');
const CALIB_LABELS = join(FMNIST, 'calib-1000-labels-idx1-ubyte.gz');

const sum = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
};
const histogram = (a: Uint8Array): number[] => {
  const h = new Array<number>(10).fill(0);
  for (const v of a) h[v]!++;
  return h;
};
const tmp = (): string => mkdtempSync(join(tmpdir(), 'wgrt-data-'));

/** An IDX file: header 00 00 code ndim, big-endian dims, then the element bytes as given. */
function idxBytes(code: number, shape: number[], body: number[]): Uint8Array {
  const dims = shape.flatMap((d) => [(d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]);
  return new Uint8Array([0, 0, code, shape.length, ...dims, ...body]);
}

describe('readIdx on the shipped Fashion-MNIST files (facts from NumPy)', () => {
  it('test images: 10,000 of 28x28 u8; first and last image byte sums; total', () => {
    const idx = readIdx(TEST_IMAGES);
    expect(idx.dtype).toBe('u8');
    expect(idx.shape).toEqual([10000, 28, 28]);
    expect(idx.data).toBeInstanceOf(Uint8Array);
    expect(sum(idx.data.subarray(0, 784))).toBe(33456);
    expect(sum(idx.data.subarray(9999 * 784))).toBe(24390);
    expect(sum(idx.data)).toBe(573469082);
    // Row 14 of the first image (an ankle boot).
    expect(Array.from(idx.data.subarray(14 * 28, 15 * 28))).toEqual([
      0, 0, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 98, 136, 110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158, 169, 119, 0,
    ]);
  });

  it('test labels: first ten, last, 1,000 per class', () => {
    const y = labels(TEST_LABELS);
    expect(y.length).toBe(10000);
    expect(Array.from(y.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]); // 9 = Ankle boot
    expect(y[9999]).toBe(5);
    expect(histogram(y)).toEqual(new Array(10).fill(1000));
  });

  it('calibration subset: 1,000 training images, 100 per class, in training-file order', () => {
    const idx = readIdx(CALIB_IMAGES);
    expect(idx.shape).toEqual([1000, 28, 28]);
    const y = labels(CALIB_LABELS);
    expect(histogram(y)).toEqual(new Array(10).fill(100));
    // The first ten labels of the subset; its first image is the training set's first (sum 76247).
    expect(Array.from(y.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(sum(idx.data.subarray(0, 784))).toBe(76247);
    expect(y[999]).toBe(2);
    expect(sum(idx.data.subarray(999 * 784))).toBe(84155);
    expect(sum(idx.data)).toBe(57441455);
  });

  it('reads the same from bytes, gzip-compressed or not', () => {
    const small = idxBytes(0x08, [2, 2], [1, 2, 3, 250]);
    for (const bytes of [small, gzipSync(small)]) {
      expect(readIdx(bytes)).toEqual({ dtype: 'u8', shape: [2, 2], data: new Uint8Array([1, 2, 3, 250]) });
    }
  });
});

describe('readIdx: every IDX dtype, big-endian bytes written out by hand', () => {
  const cases: [string, number, number[], number[], ArrayLike<number>][] = [
    ['u8', 0x08, [3], [0, 127, 255], [0, 127, 255]],
    ['i8', 0x09, [3], [0x80, 0xff, 0x7f], [-128, -1, 127]],
    ['i16', 0x0b, [2], [0xff, 0xfe, 0x01, 0x02], [-2, 0x0102]],
    ['i32', 0x0c, [2], [0xf8, 0xa4, 0x32, 0xeb, 0x01, 0x02, 0x03, 0x04], [-123456789, 0x01020304]],
    ['f32', 0x0d, [2], [0x3f, 0xc0, 0, 0, 0xbd, 0xcc, 0xcc, 0xcd], [1.5, Math.fround(-0.1)]],
    ['f64', 0x0e, [2], [0xbf, 0xd0, 0, 0, 0, 0, 0, 0, 0x54, 0xb2, 0x49, 0xad, 0x25, 0x94, 0xc3, 0x7d], [-0.25, 1e100]],
  ];
  for (const [dtype, code, shape, body, values] of cases) {
    it(`${dtype} (type 0x${code.toString(16).padStart(2, '0')})`, () => {
      const idx = readIdx(idxBytes(code, shape, body));
      expect(idx.dtype).toBe(dtype);
      expect(idx.shape).toEqual(shape);
      expect(Array.from(idx.data)).toEqual(Array.from(values));
    });
  }

  it('a rank-3 i16 tensor keeps its row-major order', () => {
    const body = [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8];
    const idx = readIdx(idxBytes(0x0b, [2, 2, 2], body));
    expect(idx.shape).toEqual([2, 2, 2]);
    expect(Array.from(idx.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('does not alias the bytes it was given', () => {
    const bytes = idxBytes(0x08, [2], [5, 6]);
    const idx = readIdx(bytes);
    bytes[8] = 99;
    expect(Array.from(idx.data)).toEqual([5, 6]);
  });
});

describe('readIdx errors name the file and the fault', () => {
  const dir = tmp();
  const file = (bytes: Uint8Array, name: string): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['bad magic (first bytes not zero)', new Uint8Array([1, 0, 8, 1, 0, 0, 0, 1, 7]), /bad magic 0x01000801/],
    ['bad magic (unknown type code 0x0A)', idxBytes(0x0a, [1], [7]), /bad magic 0x00000a01/],
    ['a header shorter than 4 bytes', new Uint8Array([0, 0, 8]), /truncated: 3 bytes/],
    ['dimensions cut short', new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2, 0, 0]), /truncated: the header declares 3 dimensions/],
    ['elements cut short', idxBytes(0x0c, [2], [0, 0, 0, 1, 0, 0]), /truncated: shape \[2\] of i32 needs 16 bytes, the file has 14/],
    ['bytes left over', idxBytes(0x08, [2], [1, 2, 3]), /size mismatch: shape \[2\] of u8 takes 10 bytes, the file has 1 more/],
    ['gzip that does not decompress', new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), /starts as gzip but cannot be decompressed/],
    ['a gzip stream cut short', gzipSync(idxBytes(0x08, [100], new Array(100).fill(3))).subarray(0, 20), /cannot be decompressed/],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, () => {
      const path = file(bytes, `${what.replace(/\W+/g, '-')}.idx`);
      expect(() => readIdx(path)).toThrow(CalibrationError);
      expect(() => readIdx(path)).toThrow(message);
      expect(() => readIdx(path)).toThrow(path);
      expect(() => readIdx(bytes)).toThrow('<IDX bytes>');
    });
  }

  it('a file that does not exist', () => {
    const path = join(dir, 'missing.idx');
    expect(() => readIdx(path)).toThrow(CalibrationError);
    expect(() => readIdx(path)).toThrow(`cannot read IDX file '${path}' (ENOENT)`);
  });

  it('labels() of an image file', () => {
    expect(() => labels(idxBytes(0x08, [1, 2, 2], [1, 2, 3, 4]))).toThrow(/1-D u8 .* got u8 of shape \[1, 2, 2\]/);
    expect(() => labels(idxBytes(0x09, [2], [1, 2]))).toThrow(CalibrationError);
  });
});

describe('imageBatches', () => {
  const images = readIdx(TEST_IMAGES);

  it('all 10,000 test images in batches of 256, NCHW, last batch partial, scaled to [0, 1]', () => {
    const batches = imageBatches(images, { batchSize: 256 });
    expect(batches.examples).toBe(10000);
    expect(batches.batches).toBe(40);
    const all = [...batches];
    expect(all.length).toBe(40);
    expect(all.map((b) => b.x!.shape[0])).toEqual([...new Array<number>(39).fill(256), 16]);
    for (const b of all) {
      expect(Object.keys(b)).toEqual(['x']);
      expect(b.x!.dtype).toBe('f32');
      expect(b.x!.shape.slice(1)).toEqual([1, 28, 28]);
    }
    // NumPy: (images[:3].astype(f32) / f32(255)).sum() = 729.2941257478669; the total is 573469082 / 255.
    expect(sum(all[0]!.x!.data.subarray(0, 3 * 784))).toBeCloseTo(729.2941257478669, 3);
    expect(sum(all.map((b) => sum(b.x!.data)))).toBeCloseTo(573469082 / 255, 0);
    const row14 = Array.from(all[0]!.x!.data.subarray(14 * 28, 15 * 28));
    expect(row14[13]).toBeCloseTo(136 / 255, 7);
    expect(Math.max(...all[0]!.x!.data.subarray(0, 784))).toBe(1);
  });

  it('re-iterable: a second pass gives the same batches', () => {
    const batches = imageBatches(images, { batchSize: 3, limit: 7 });
    const a = [...batches].map((b) => b.x!);
    const b = [...batches].map((b) => b.x!);
    expect(a.map((t) => t.shape[0])).toEqual([3, 3, 1]);
    expect(b).toEqual(a);
  });

  it('options: input name, scale and shift, shape, limit; from a path', () => {
    const [first] = imageBatches(TEST_IMAGES, { batchSize: 2, input: 'image', scale: 2, shift: -1, shape: [784], limit: 2 });
    const t = first!.image as Tensor<'f32'>;
    expect(t.shape).toEqual([2, 784]);
    expect(t.data[14 * 28 + 13]).toBe(136 * 2 - 1);
    expect(t.data[0]).toBe(-1);
  });

  it('other dtypes and ranks: an [N, C, H, W] f32 file keeps its example shape', () => {
    const body = [0x3f, 0xc0, 0, 0, 0xbd, 0xcc, 0xcc, 0xcd]; // 1.5, -0.1
    const [b] = imageBatches(idxBytes(0x0d, [2, 1, 1, 1], body), { batchSize: 4, scale: 1 });
    expect(b!.x!.shape).toEqual([2, 1, 1, 1]);
    expect(Array.from(b!.x!.data)).toEqual([1.5, Math.fround(-0.1)]);
  });

  it('errors: a shape of the wrong size, a bad batch size or limit, a scalar file', () => {
    expect(() => imageBatches(images, { batchSize: 1, shape: [1, 28, 27] })).toThrow(/\[1, 28, 27\] has 756 values per example, the file's examples \[28, 28\] have 784/);
    expect(() => imageBatches(images, { batchSize: 0 })).toThrow(CalibrationError);
    expect(() => imageBatches(images, { batchSize: 1.5 })).toThrow(/batchSize must be a positive integer/);
    expect(() => imageBatches(images, { batchSize: 1, limit: -1 })).toThrow(/limit must be a non-negative integer/);
    expect(() => imageBatches(idxBytes(0x08, [], [7]), { batchSize: 1 })).toThrow(/scalar/);
  });
});

describe('arrowBatches on files written by pyarrow', () => {
  const xAt = (r: number, k: number): number => r + k / 16;
  const yAt = (r: number, k: number): number => (0 - 3 * r - k) / 4; // +0 at r = k = 0, as Python wrote it

  /** Checks batches against the generator's formula, row by row across batch boundaries. */
  function check(batches: Iterable<Record<string, Tensor>>, sizes: number[], xShape: number[]): void {
    const all = [...batches];
    expect(all.map((b) => b.x!.shape[0])).toEqual(sizes);
    let row = 0;
    for (const b of all) {
      const n = b.x!.shape[0]!;
      expect(b.x!.shape).toEqual([n, ...xShape]);
      expect(b.y!.shape).toEqual([n, 3]);
      expect(b.x!.dtype).toBe('f32');
      for (let i = 0; i < n; i++, row++) {
        for (let k = 0; k < 12; k++) expect(b.x!.data[i * 12 + k]).toBe(xAt(row, k));
        for (let k = 0; k < 3; k++) expect(b.y!.data[i * 3 + k]).toBe(yAt(row, k));
      }
    }
    expect(row).toBe(sizes.reduce((a, b) => a + b, 0));
  }

  it('IPC file, two record batches (4 + 6 rows), batches of 3 crossing them, x as [3, 2, 2]', () => {
    const batches = arrowBatches(join(FIXTURES, 'arrow-inputs.arrow'), { batchSize: 3, shapes: { x: [3, 2, 2] } });
    expect(batches.examples).toBe(10);
    expect(batches.batches).toBe(4);
    check(batches, [3, 3, 3, 1], [3, 2, 2]);
    check(batches, [3, 3, 3, 1], [3, 2, 2]); // a second pass
  });

  it('IPC stream, default batch size 1 and shapes [N]; from bytes; limit', () => {
    const path = join(FIXTURES, 'arrow-inputs.arrows');
    check(arrowBatches(path), new Array<number>(10).fill(1), [12]);
    const bytes = new Uint8Array(readFileSync(path));
    check(arrowBatches(bytes, { batchSize: 4, limit: 6 }), [4, 2], [12]);
  });

  it('columns: read a subset', () => {
    const [b, ...rest] = arrowBatches(join(FIXTURES, 'arrow-bad.arrow'), { columns: ['ok'], batchSize: 8 });
    expect(rest).toEqual([]);
    expect(Object.keys(b!)).toEqual(['ok']);
    expect(b!.ok!.shape).toEqual([3, 2]);
    expect(Array.from(b!.ok!.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  describe('errors name the file and the column', () => {
    const bad = join(FIXTURES, 'arrow-bad.arrow');
    const cases: [string, RegExp][] = [
      ['varlist', /column 'varlist' is List<Float32>, not a fixed-size list of float32/],
      ['f64', /column 'f64' is FixedSizeList\[2\]<Float64>, not a fixed-size list of float32/],
      ['ints', /column 'ints' is Int32, not a fixed-size list of float32/],
      ['nullrow', /column 'nullrow' has a null in row 1/],
      ['nullvalue', /column 'nullvalue' has a null in row 1/],
    ];
    for (const [col, message] of cases) {
      it(col, () => {
        expect(() => arrowBatches(bad, { columns: [col] })).toThrow(CalibrationError);
        expect(() => arrowBatches(bad, { columns: [col] })).toThrow(message);
        expect(() => arrowBatches(bad, { columns: [col] })).toThrow(bad);
      });
    }

    it('every column is read unless columns says otherwise', () => {
      expect(() => arrowBatches(bad)).toThrow(/column 'varlist'/);
    });

    it('rows of the wrong size for the given shape', () => {
      const path = join(FIXTURES, 'arrow-inputs.arrow');
      expect(() => arrowBatches(path, { shapes: { x: [1, 28, 28] } })).toThrow(/column 'x' has rows of 12 values, but shape \[1, 28, 28\] needs 784/);
    });

    it('a column that is not there, in columns or in shapes', () => {
      const path = join(FIXTURES, 'arrow-inputs.arrow');
      expect(() => arrowBatches(path, { columns: ['z'] })).toThrow(/no column 'z'; the file has 'x', 'y'/);
      expect(() => arrowBatches(path, { shapes: { image: [12] } })).toThrow(/no column 'image'/);
    });

    it('LZ4-compressed (feather default) says to write it uncompressed', () => {
      const path = join(FIXTURES, 'arrow-lz4.arrow');
      expect(() => arrowBatches(path)).toThrow(CalibrationError);
      expect(() => arrowBatches(path)).toThrow(/compressed .*compression='uncompressed'/);
    });

    it('unreadable: garbage, truncated, empty, missing', () => {
      const whole = new Uint8Array(readFileSync(join(FIXTURES, 'arrow-inputs.arrow')));
      expect(() => arrowBatches(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toThrow(/<Arrow bytes>: cannot be read as Arrow/);
      expect(() => arrowBatches(whole.subarray(0, 900))).toThrow(CalibrationError);
      expect(() => arrowBatches(new Uint8Array(0))).toThrow(/no columns/);
      expect(() => arrowBatches(join(FIXTURES, 'missing.arrow'))).toThrow(/cannot read Arrow file .*missing\.arrow' \(ENOENT\)/);
    });

    it('bad batch size or limit', () => {
      const path = join(FIXTURES, 'arrow-inputs.arrow');
      expect(() => arrowBatches(path, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
      expect(() => arrowBatches(path, { limit: 0.5 })).toThrow(/limit must be a non-negative integer/);
    });
  });
});

describe('writeArrow', () => {
  it('round trip: writeArrow -> arrowBatches gives the rows back', () => {
    const rows = Array.from({ length: 5 }, (_, r) => Float32Array.from({ length: 4 }, (_, k) => r * 10 + k + 0.5));
    const path = join(tmp(), 'calib.arrow');
    writeArrow(path, { x: rows, y: rows.map((r) => [r[0]!]) });
    const batches = [...arrowBatches(path, { batchSize: 2, shapes: { x: [1, 2, 2] } })];
    expect(batches.map((b) => b.x!.shape)).toEqual([[2, 1, 2, 2], [2, 1, 2, 2], [1, 1, 2, 2]]);
    const x = batches.flatMap((b) => Array.from(b.x!.data));
    expect(x).toEqual(rows.flatMap((r) => Array.from(r)));
    expect(batches.flatMap((b) => Array.from(b.y!.data))).toEqual([0.5, 10.5, 20.5, 30.5, 40.5]);
  });

  it('errors: no columns, no rows, columns of different lengths, ragged rows', () => {
    expect(() => arrowBytes({})).toThrow(/no columns/);
    expect(() => arrowBytes({ x: [] })).toThrow(/column 'x' has no rows/);
    expect(() => arrowBytes({ x: [[1], [2]], y: [[1]] })).toThrow(/column 'y' has 1 rows, column 'x' has 2/);
    expect(() => arrowBytes({ x: [[1, 2], [3]] })).toThrow(/column 'x' row 1 has 1 values, row 0 has 2/);
    expect(() => arrowBytes({ x: [[1, 2], [3]] })).toThrow(CalibrationError);
  });
});
