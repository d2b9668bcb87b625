/**
 * onnxruntime-node (CPU) as a second opinion on an ONNX model, for `wgrt compare --with
 * onnxruntime`. It is an optional package (a devDependency of wgrt): loaded when first asked
 * for, and its absence is an error that says how to install it.
 */
import type * as Ort from 'onnxruntime-node';
import { UnsupportedError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { tensor, type Tensor } from '../ir/tensor.js';

const ORT_TYPE: Readonly<Record<DType, Ort.Tensor.Type>> = {
  f32: 'float32', f16: 'float16', i8: 'int8', u8: 'uint8', i32: 'int32', i64: 'int64', bool: 'bool',
};
const FROM_ORT = Object.fromEntries(Object.entries(ORT_TYPE).map(([k, v]) => [v, k])) as Record<string, DType>;

async function ort(): Promise<typeof Ort> {
  try {
    return await import('onnxruntime-node');
  } catch (e) {
    throw new UnsupportedError(`onnxruntime-node cannot be loaded (${(e as Error).message.split('\n')[0]}); install it with 'npm install onnxruntime-node', or compare with the reference executor`);
  }
}

/** Runs an ONNX model (its file's bytes) once in onnxruntime on the CPU, graph optimizations off. */
export async function runOnnxRuntime(model: Uint8Array, feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
  const o = await ort();
  const session = await o.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
  try {
    const inputs = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new o.Tensor(ORT_TYPE[t.dtype], t.data as never, [...t.shape])]));
    const out = await session.run(inputs);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => {
      const dtype = FROM_ORT[t.type];
      if (!dtype) throw new UnsupportedError(`onnxruntime returned ${t.type} for output '${k}', which wgrt has no dtype for`);
      return [k, tensor(dtype, t.dims, t.data as never)];
    }));
  } finally {
    await session.release();
  }
}
