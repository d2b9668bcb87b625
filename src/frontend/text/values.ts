/**
 * Constant tensors written in a script: `seed N`, `data "<base64>"`, `values [...]`, `file
 * "m.onnx" name "w"`. Each checks its values against the declared type and says what is wrong.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { allocate, BYTES_PER_ELEMENT, type DType } from '../../ir/dtype.js';
import { randomInput } from '../../ir/random.js';
import { sameShape, sizeOf, tensor, type Tensor } from '../../ir/tensor.js';
import { loadOnnx } from '../onnx/index.js';
import type { TypeAst } from './ast.js';
import { didYouMean } from './errors.js';

/** A problem with a constant's values; the caller turns it into a ScriptError at the statement. */
export class ValueProblem extends Error {}

/** A type as the script writes it: `f32[2x3]`. */
const typeText = (t: TypeAst) => `${t.dtype}[${t.shape.join('x')}]`;

/** The largest constant a script may declare (elements): a typo'd shape should fail, not exhaust memory. */
const MAX_ELEMENTS = 1 << 28;

function checkSize(type: TypeAst): number {
  const n = sizeOf(type.shape);
  if (n > MAX_ELEMENTS) throw new ValueProblem(`${typeText(type)} has ${n} elements, more than the ${MAX_ELEMENTS} a script may declare; check the shape`);
  return n;
}

export function seededTensor(type: TypeAst, seed: number): Tensor {
  if (!Number.isInteger(seed)) throw new ValueProblem(`a seed must be an integer, got ${seed}`);
  checkSize(type);
  return randomInput(type, seed);
}

export function valuesTensor(type: TypeAst, values: readonly number[]): Tensor {
  const n = checkSize(type);
  if (values.length !== n) throw new ValueProblem(`${values.length} values given; ${typeText(type)} needs ${n}`);
  return tensor(type.dtype, type.shape, values);
}

/** The raw little-endian bytes of a tensor, base64-encoded (the form the printer writes). */
export function dataTensor(type: TypeAst, base64: string): Tensor {
  const n = checkSize(type);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
    throw new ValueProblem('data must be base64 (A-Z a-z 0-9 + /, padded with = to a multiple of 4 characters)');
  }
  const bytes = Buffer.from(base64, 'base64');
  const want = n * BYTES_PER_ELEMENT[type.dtype];
  if (bytes.length !== want) throw new ValueProblem(`data holds ${bytes.length} bytes; ${typeText(type)} needs ${want}`);
  return fromBytes(type, bytes);
}

/**
 * A weight from a file: an ONNX model's initializer by name, a NumPy .npy file, or any other
 * file as the raw little-endian bytes of the declared type (.bin, .raw). Type and shape must
 * be the declared ones.
 */
export function fileTensor(type: TypeAst, path: string, name: string | undefined, baseDir: string): Tensor {
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  if (full.endsWith('.onnx') !== (name !== undefined)) {
    throw new ValueProblem(name === undefined ? `an ONNX model holds many tensors; say which: file "${path}" name "..."` : `only an ONNX model's tensors are taken by name; '${path}' is read whole (.npy, or raw bytes)`);
  }
  if (name === undefined) return full.endsWith('.npy') ? npyTensor(type, path, read(full, path)) : rawTensor(type, path, read(full, path));
  const inits = loadOnnx(full).initializers;
  const t = inits.get(name);
  if (!t) throw new ValueProblem(`'${path}' has no initializer named '${name}'${didYouMean(name, inits.keys())}`);
  if (t.dtype !== type.dtype || !sameShape(t.shape, type.shape)) {
    throw new ValueProblem(`initializer '${name}' of '${path}' is ${typeText(t)}, declared ${typeText(type)}`);
  }
  return t;
}

function read(full: string, path: string): Buffer {
  try {
    return readFileSync(full);
  } catch (e) {
    throw new ValueProblem(`cannot read '${path}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function fromBytes(type: TypeAst, bytes: Uint8Array): Tensor {
  const data = allocate(type.dtype, sizeOf(type.shape));
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
  return tensor(type.dtype, type.shape, data);
}

function rawTensor(type: TypeAst, path: string, bytes: Buffer): Tensor {
  const want = checkSize(type) * BYTES_PER_ELEMENT[type.dtype];
  if (bytes.length !== want) throw new ValueProblem(`'${path}' holds ${bytes.length} bytes; ${typeText(type)} needs ${want} (raw little-endian values)`);
  return fromBytes(type, bytes);
}

/** NumPy's `descr` of each dtype, little-endian (`|` where byte order does not apply). */
const NPY_DESCR: Readonly<Record<DType, string>> = { f32: '<f4', f16: '<f2', i8: '|i1', u8: '|u1', i32: '<i4', i64: '<i8', bool: '|b1' };

/** A .npy file (format versions 1-3): C order, little-endian, of the declared dtype and shape. */
function npyTensor(type: TypeAst, path: string, bytes: Buffer): Tensor {
  const bad = (why: string) => new ValueProblem(`'${path}' ${why}`);
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw bad('is not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw bad(`has .npy format version ${major}; versions 1 to 3 are read`);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) throw bad('is cut short inside its header');
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLength);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const dims = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || dims === undefined) throw bad('has a header without descr, fortran_order and shape');
  const shape = dims.split(',').map((d) => d.trim()).filter(Boolean).map(Number);
  if (fortran === 'True') throw bad('is in Fortran order; save it in C order (np.save(path, np.ascontiguousarray(a)))');
  const want = NPY_DESCR[type.dtype];
  if (descr !== want && !(want.startsWith('<') && descr === `=${want.slice(1)}`)) {
    throw bad(`holds '${descr}' values; ${typeText(type)} needs '${want}' (a.astype(np.${NUMPY_NAME[type.dtype]}))`);
  }
  if (!sameShape(shape, type.shape)) throw bad(`has shape (${shape.join(', ')}); declared ${typeText(type)}`);
  return rawTensor(type, path, bytes.subarray(start + headerLength));
}

const NUMPY_NAME: Readonly<Record<DType, string>> = { f32: 'float32', f16: 'float16', i8: 'int8', u8: 'uint8', i32: 'int32', i64: 'int64', bool: 'bool_' };
