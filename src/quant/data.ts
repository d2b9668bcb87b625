/**
 * Calibration and evaluation data from IDX files (the MNIST / Fashion-MNIST format).
 *
 * The calibrator takes any iterable (or async iterable) of `{ inputName: Tensor }` batches;
 * this file only turns files into such batches; its errors are CalibrationErrors naming the
 * file. Arrow IPC files are read by `data-arrow.ts`, kept apart so that importing this file
 * does not load the Arrow library.
 *
 * IDX: a big-endian header `0 0 TYPE NDIM`, NDIM big-endian u32 dimensions, then the elements,
 * big-endian, row-major. Files may be gzip-compressed (as the MNIST downloads are).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { CalibrationError } from '../errors.js';
import { sizeOf, shapeToString, tensor, type Tensor } from '../ir/tensor.js';

/** Element types an IDX file can hold. IDX has no u16/i64, so i16 and f64 are its own. */
export type IdxDType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

export interface IdxArrayOf {
  u8: Uint8Array;
  i8: Int8Array;
  i16: Int16Array;
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
}

/** The contents of an IDX file, in native byte order. */
export interface Idx<D extends IdxDType = IdxDType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: IdxArrayOf[D];
}

/** IDX type byte -> dtype, element size, and the DataView getter that decodes one big-endian element. */
const IDX_TYPES: Readonly<Record<number, { dtype: IdxDType; bytes: number; get: (v: DataView, at: number) => number }>> = {
  0x08: { dtype: 'u8', bytes: 1, get: (v, at) => v.getUint8(at) },
  0x09: { dtype: 'i8', bytes: 1, get: (v, at) => v.getInt8(at) },
  0x0b: { dtype: 'i16', bytes: 2, get: (v, at) => v.getInt16(at) },
  0x0c: { dtype: 'i32', bytes: 4, get: (v, at) => v.getInt32(at) },
  0x0d: { dtype: 'f32', bytes: 4, get: (v, at) => v.getFloat32(at) },
  0x0e: { dtype: 'f64', bytes: 8, get: (v, at) => v.getFloat64(at) },
};

const ARRAYS: { [K in IdxDType]: new (n: number) => IdxArrayOf[K] } = {
  u8: Uint8Array, i8: Int8Array, i16: Int16Array, i32: Int32Array, f32: Float32Array, f64: Float64Array,
};

/** A file path, or the file's bytes (errors then call it `<IDX bytes>` / `<Arrow bytes>`). */
export type DataSource = string | Uint8Array;

/** The bytes of a source, and the name errors give it; an unreadable file is a CalibrationError. */
export function readSource(source: DataSource, what: string): { bytes: Uint8Array; name: string } {
  if (typeof source !== 'string') return { bytes: source, name: `<${what} bytes>` };
  try {
    return { bytes: readFileSync(source), name: source };
  } catch (e) {
    throw new CalibrationError(`cannot read ${what} file '${source}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * Reads an IDX file, gzip-compressed or not (told apart by the gzip magic 1f 8b, not by the
 * file name). Throws CalibrationError naming the file for a bad magic, a truncated file, or
 * bytes left over after the declared shape.
 */
export function readIdx(source: DataSource): Idx {
  const { bytes: raw, name } = readSource(source, 'IDX');
  let bytes = raw;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (e) {
      throw new CalibrationError(`${name}: starts as gzip but cannot be decompressed (${(e as Error).message}); the file is truncated or corrupt`);
    }
  }
  if (bytes.length < 4) throw new CalibrationError(`${name}: truncated: ${bytes.length} bytes, an IDX header needs at least 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const code = bytes[2]!;
  const type = IDX_TYPES[code];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined) {
    const magic = view.getUint32(0).toString(16).padStart(8, '0');
    throw new CalibrationError(`${name}: bad magic 0x${magic}: not an IDX file (expected 0x0000TTNN, TT a type code 08/09/0B/0C/0D/0E, NN the rank)`);
  }
  const ndim = bytes[3]!;
  const start = 4 + 4 * ndim;
  if (bytes.length < start) throw new CalibrationError(`${name}: truncated: the header declares ${ndim} dimensions but the file has ${bytes.length} bytes`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const n = sizeOf(shape);
  const expected = start + n * type.bytes;
  if (bytes.length < expected) {
    throw new CalibrationError(`${name}: truncated: shape ${shapeToString(shape)} of ${type.dtype} needs ${expected} bytes, the file has ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw new CalibrationError(`${name}: size mismatch: shape ${shapeToString(shape)} of ${type.dtype} takes ${expected} bytes, the file has ${bytes.length - expected} more`);
  }
  const data = new ARRAYS[type.dtype](n);
  // One-byte types need no byte swapping; copy so the result never aliases the caller's bytes.
  if (type.bytes === 1) new Uint8Array(data.buffer).set(bytes.subarray(start, expected));
  else for (let i = 0; i < n; i++) data[i] = type.get(view, start + i * type.bytes);
  return { dtype: type.dtype, shape, data };
}

function asIdx(source: Idx | DataSource): Idx {
  return typeof source === 'string' || source instanceof Uint8Array ? readIdx(source) : source;
}

/** The labels of a labels IDX file (1-D, u8), for accuracy evaluation. */
export function labels(source: Idx | DataSource): Uint8Array {
  const idx = asIdx(source);
  if (idx.dtype !== 'u8' || idx.shape.length !== 1) {
    throw new CalibrationError(`labels must be a 1-D u8 IDX file (magic 0x00000801), got ${idx.dtype} of shape ${shapeToString(idx.shape)}`);
  }
  return idx.data as Uint8Array;
}

/**
 * Batches of examples, re-iterable: each `for ... of` starts again from the first batch, so a
 * calibrator may make several passes. The last batch is smaller when the count does not divide.
 */
export interface Batches<T = Record<string, Tensor<'f32'>>> extends Iterable<T> {
  /** Examples in all batches together. */
  readonly examples: number;
  /** Batches per pass. */
  readonly batches: number;
}

export interface ImageBatchOptions {
  /** Examples per batch (the batch dimension of each tensor). */
  batchSize: number;
  /** The network input the batches feed. Default 'x'. */
  input?: string;
  /** Each value becomes `raw * scale + shift`. Default scale 1/255 (bytes to [0, 1]), shift 0. */
  scale?: number;
  shift?: number;
  /** Shape of one example. Default [1, H, W] for an [N, H, W] file (one channel), else the file's shape less N. */
  shape?: readonly number[];
  /** Use only the first `limit` examples. */
  limit?: number;
}

/** An IDX image set as f32 batches `{ [input]: Tensor [b, ...shape] }`, NCHW for images. */
export function imageBatches(images: Idx | DataSource, options: ImageBatchOptions): Batches {
  const idx = asIdx(images);
  const { batchSize, input = 'x', scale = 1 / 255, shift = 0 } = options;
  if (idx.shape.length < 1) throw new CalibrationError('imageBatches needs an IDX file with an example dimension first; this one is a scalar');
  const count = idx.shape[0]!;
  const perFile = idx.shape.slice(1);
  const shape = options.shape ?? (perFile.length === 2 ? [1, ...perFile] : perFile);
  const size = sizeOf(shape);
  if (size !== sizeOf(perFile)) {
    throw new CalibrationError(`imageBatches: shape ${shapeToString(shape)} has ${size} values per example, the file's examples ${shapeToString(perFile)} have ${sizeOf(perFile)}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new CalibrationError(`imageBatches: batchSize must be a positive integer, got ${batchSize}`);
  const limit = options.limit ?? count;
  if (!Number.isInteger(limit) || limit < 0) throw new CalibrationError(`imageBatches: limit must be a non-negative integer, got ${limit}`);
  const examples = Math.min(limit, count);
  const raw = idx.data;
  return {
    examples,
    batches: Math.ceil(examples / batchSize),
    *[Symbol.iterator]() {
      for (let first = 0; first < examples; first += batchSize) {
        const b = Math.min(batchSize, examples - first);
        const out = new Float32Array(b * size);
        const from = first * size;
        for (let i = 0; i < out.length; i++) out[i] = raw[from + i]! * scale + shift;
        yield { [input]: tensor('f32', [b, ...shape], out) };
      }
    },
  };
}
