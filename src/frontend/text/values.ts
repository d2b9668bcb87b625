/**
 * Constant tensors written in a script: `seed N`, `data "<base64>"`, `values [...]`, `file
 * "m.onnx" name "w"`. Each checks its values against the declared type and says what is wrong.
 */
import { isAbsolute, resolve } from 'node:path';
import { allocate, BYTES_PER_ELEMENT } from '../../ir/dtype.js';
import { randomInput } from '../../ir/random.js';
import { sameShape, shapeToString, sizeOf, tensor, type Tensor } from '../../ir/tensor.js';
import { loadOnnx } from '../onnx/index.js';
import type { TypeAst } from './ast.js';

/** A problem with a constant's values; the caller turns it into a ScriptError at the statement. */
export class ValueProblem extends Error {}

const typeText = (t: TypeAst) => `${t.dtype}${shapeToString(t.shape)}`;

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
  const data = allocate(type.dtype, n);
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
  return tensor(type.dtype, type.shape, data);
}

/** An initializer of an ONNX model, which must have the declared type. */
export function fileTensor(type: TypeAst, path: string, name: string, baseDir: string): Tensor {
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  const t = loadOnnx(full).initializers.get(name);
  if (!t) throw new ValueProblem(`'${path}' has no initializer named '${name}'`);
  if (t.dtype !== type.dtype || !sameShape(t.shape, type.shape)) {
    throw new ValueProblem(`initializer '${name}' of '${path}' is ${t.dtype}${shapeToString(t.shape)}, declared ${typeText(type)}`);
  }
  return t;
}
