/** onnxruntime-node (CPU) as an independent oracle for exported models. */
import * as ort from 'onnxruntime-node';
import type { DType } from '../../src/ir/dtype.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';

const ORT_TYPE: Readonly<Record<DType, ort.Tensor.Type>> = {
  f32: 'float32', f16: 'float16', i8: 'int8', u8: 'uint8', i32: 'int32', i64: 'int64', bool: 'bool',
};
const FROM_ORT = Object.fromEntries(Object.entries(ORT_TYPE).map(([k, v]) => [v, k])) as Record<string, DType>;

/** Runs a serialized ONNX model in onnxruntime on the CPU. */
export async function runOrt(model: Uint8Array, feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
  try {
    const inputs = Object.fromEntries(
      Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(ORT_TYPE[t.dtype], t.data as never, [...t.shape])]),
    );
    const out = await session.run(inputs);
    return Object.fromEntries(
      Object.entries(out).map(([k, t]) => {
        const dtype = FROM_ORT[t.type];
        if (!dtype) throw new Error(`onnxruntime returned ${t.type} for '${k}'`);
        return [k, tensor(dtype, t.dims, t.data as never)];
      }),
    );
  } finally {
    await session.release();
  }
}
