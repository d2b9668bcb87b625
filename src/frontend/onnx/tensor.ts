/** ONNX TensorProto <-> wgrt Tensor, with raw_data, the typed fields, and external data. */
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ModelFormatError, UnsupportedError } from '../../errors.js';
import { allocate, BYTES_PER_ELEMENT, type DType } from '../../ir/dtype.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { bigint, checkDims, dtypeOf, int, onnx, onnxCodeOf, onnxTypeName, type Int64, type TensorProto } from './proto.js';

export interface TensorReadOptions {
  /** The model's folder: external data is read only from files inside it. */
  readonly baseDir?: string;
}

/** A TensorProto as a wgrt Tensor; `what` names it in errors (e.g. "initializer 'conv1.weight'"). */
export function tensorFromProto(t: TensorProto, what: string, opts: TensorReadOptions = {}): Tensor {
  const code = t.dataType ?? 0;
  const dtype = dtypeOf(code);
  if (!dtype) throw new UnsupportedError(`${what} has element type ${onnxTypeName(code)}; wgrt supports float, float16, int8, uint8, int32, int64 and bool`);
  const dims = (t.dims ?? []).map((d, i) => int(d as Int64, `${what} dims[${i}]`));
  const n = checkDims(dims, what);
  if (t.segment) throw new UnsupportedError(`${what} is a segmented tensor; wgrt reads whole tensors only`);
  const bytes = BYTES_PER_ELEMENT[dtype];
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    return tensor(dtype, dims, fromBytes(dtype, readExternal(t, n * bytes, what, opts), n));
  }
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * bytes) {
      throw new ModelFormatError(`${what}: raw_data has ${t.rawData.length} bytes, but ${dtype}[${dims.join(', ')}] needs ${n * bytes}`);
    }
    return tensor(dtype, dims, fromBytes(dtype, t.rawData, n));
  }
  return tensor(dtype, dims, fromFields(t, dtype, n, what));
}

/** A Tensor as a TensorProto with raw_data (little-endian), as ONNX writers do. */
export function tensorToProto(t: Tensor, name: string): onnxProtoTensor {
  const d = t.data;
  return onnx.TensorProto.create({
    name,
    dims: [...t.shape],
    dataType: onnxCodeOf(t.dtype),
    rawData: new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)),
  });
}
type onnxProtoTensor = ReturnType<typeof onnx.TensorProto.create>;

function fromBytes(dtype: DType, raw: Uint8Array, n: number): ReturnType<typeof allocate> {
  const out = allocate(dtype, n);
  new Uint8Array(out.buffer).set(raw.subarray(0, n * BYTES_PER_ELEMENT[dtype]));
  return out;
}

function fromFields(t: TensorProto, dtype: DType, n: number, what: string): ReturnType<typeof allocate> {
  const field = (values: ArrayLike<unknown> | null | undefined, name: string): ArrayLike<unknown> => {
    const v = values ?? [];
    if (v.length !== n) throw new ModelFormatError(`${what}: ${name} has ${v.length} values, but the dims [${(t.dims ?? []).join(', ')}] need ${n}`);
    return v;
  };
  const out = allocate(dtype, n);
  switch (dtype) {
    case 'f32':
      (out as Float32Array).set(field(t.floatData, 'float_data') as ArrayLike<number>);
      break;
    case 'i64': {
      const v = field(t.int64Data, 'int64_data') as ArrayLike<Int64>;
      for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = bigint(v[i]!);
      break;
    }
    default: {
      // int32_data carries int32, int8, uint8, bool and float16 (as its bit pattern).
      const v = field(t.int32Data, 'int32_data') as ArrayLike<number>;
      for (let i = 0; i < n; i++) (out as Int32Array)[i] = v[i]!;
    }
  }
  return out;
}

/** Reads external data: only inside baseDir (no absolute paths, no `..`, no symlink out), sizes checked first. */
function readExternal(t: TensorProto, expected: number, what: string, opts: TensorReadOptions): Uint8Array {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new ModelFormatError(`${what} is stored externally but names no location`);
  if (!opts.baseDir) {
    throw new ModelFormatError(`${what} is stored in external file '${location}': load the model from its file (loadOnnx(path)) so wgrt knows its folder`);
  }
  const refuse = (why: string) =>
    new ModelFormatError(`${what}: external data location '${location}' ${why}; external data must be a file inside the model's folder`);
  if (isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location) || location.startsWith('\\')) throw refuse('is an absolute path');
  if (location.split(/[\\/]/).includes('..')) throw refuse("contains '..'");
  const base = realpathSync(opts.baseDir);
  let file: string;
  try {
    file = realpathSync(resolve(base, location));
  } catch {
    throw new ModelFormatError(`${what}: external data file '${location}' does not exist in the model's folder`);
  }
  const rel = relative(base, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep)[0] === '..') throw refuse('leads outside the folder (through a link)');
  const offset = int(Number(entries.get('offset') ?? 0), `${what} external offset`);
  const lengthField = entries.get('length');
  const length = lengthField === undefined ? expected : Number(lengthField);
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new ModelFormatError(`${what}: external offset '${entries.get('offset')}' / length '${lengthField}' are not byte counts`);
  }
  if (length !== expected) throw new ModelFormatError(`${what}: external length ${length} bytes, but the tensor needs ${expected}`);
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (offset + length > size) throw new ModelFormatError(`${what}: external data '${location}' has ${size} bytes; offset ${offset} + length ${length} runs past its end`);
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const k = readSync(fd, buf, done, length - done, offset + done);
      if (k <= 0) throw new ModelFormatError(`${what}: external data '${location}' ended early`);
      done += k;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}
