/**
 * The ONNX protobuf schema (from `onnx-proto`) and the checks every decoded value goes
 * through: numbers in range, dtypes wgrt has, element counts below the limits.
 */
import onnxProto from 'onnx-proto';
import { ModelFormatError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';

export const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** Largest element count of one tensor (as the engine format allows). */
export const MAX_ELEMENTS = 2 ** 31 - 1;
/** Largest node count of one graph: far above real models, far below what hangs a build. */
export const MAX_NODES = 1_000_000;
export const MAX_RANK = 16;
/** Largest constant the import computes (folding, ConstantOfShape): 2^28 elements, 1 GiB of f32. */
export const MAX_CONSTANT_ELEMENTS = 2 ** 28;

/** A protobuf int64 as decoded by protobufjs: a number, or a Long-like {low, high}. */
export type Int64 = number | { low: number; high: number; unsigned?: boolean; toString(): string };

/** An int64 field as a safe JS integer; `what` names the field in the error. */
export function int(v: Int64 | null | undefined, what: string): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : v.high * 4294967296 + (v.low >>> 0);
  if (!Number.isSafeInteger(n)) throw new ModelFormatError(`${what}: ${String(v)} is not a safe integer`);
  return n;
}

/** An int64 field as a bigint, exactly. */
export function bigint(v: Int64): bigint {
  return typeof v === 'number' ? BigInt(v) : BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
}

/** ONNX TensorProto.DataType codes and the dtype wgrt gives each (undefined: unsupported). */
const ONNX_DTYPES: Readonly<Record<number, { name: string; dtype?: DType }>> = {
  1: { name: 'float', dtype: 'f32' },
  2: { name: 'uint8', dtype: 'u8' },
  3: { name: 'int8', dtype: 'i8' },
  4: { name: 'uint16' },
  5: { name: 'int16' },
  6: { name: 'int32', dtype: 'i32' },
  7: { name: 'int64', dtype: 'i64' },
  8: { name: 'string' },
  9: { name: 'bool', dtype: 'bool' },
  10: { name: 'float16', dtype: 'f16' },
  11: { name: 'double' },
  12: { name: 'uint32' },
  13: { name: 'uint64' },
  14: { name: 'complex64' },
  15: { name: 'complex128' },
  16: { name: 'bfloat16' },
};

export function onnxTypeName(code: number): string {
  return ONNX_DTYPES[code]?.name ?? (code >= 17 && code <= 26 ? 'float8/int4/float4 family' : `unknown type ${code}`);
}

/** The wgrt dtype of an ONNX data type code, or undefined when wgrt has none. */
export function dtypeOf(code: number): DType | undefined {
  return ONNX_DTYPES[code]?.dtype;
}

export function onnxCodeOf(dtype: DType): number {
  for (const [code, t] of Object.entries(ONNX_DTYPES)) if (t.dtype === dtype) return Number(code);
  throw new Error(`unreachable: dtype ${dtype}`);
}

/** Decodes a serialized ModelProto; any protobuf failure becomes a ModelFormatError naming `what`. */
export function decodeModel(bytes: Uint8Array, what: string): ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelFormatError(`${what} is not a readable ONNX model (${(e as Error).message}); check that the file is complete and really is .onnx`);
  }
}

/** Decodes a serialized TensorProto (the .pb files of ONNX test data). */
export function decodeTensorProto(bytes: Uint8Array, what: string): onnxProto.onnx.TensorProto {
  try {
    return onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new ModelFormatError(`${what} is not a readable ONNX TensorProto (${(e as Error).message})`);
  }
}

/** Checked dims: non-negative safe integers, rank and element count within the limits. */
export function checkDims(dims: readonly number[], what: string): number {
  if (dims.length > MAX_RANK) throw new ModelFormatError(`${what} has rank ${dims.length}; wgrt supports rank <= ${MAX_RANK}`);
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new ModelFormatError(`${what} has dimension ${d}; dimensions are integers >= 0`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) throw new ModelFormatError(`${what} has ${n} elements (dims [${dims.join(', ')}]); the limit is ${MAX_ELEMENTS}`);
  return n;
}
