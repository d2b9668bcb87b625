import { isFloat } from '../ir/dtype.js';
import { fromPhysical, physicalType, type Layout } from '../ir/layout.js';
import { fromNumbers, getNumber, sizeOf, tensor, type Tensor, type TensorType } from '../ir/tensor.js';

/**
 * On the GPU every element is one 32-bit word: f32 for float dtypes (f16 values widened),
 * i32 for integer and bool dtypes (i64 narrowed; wgrt's i64 tensors are shapes and indices).
 * The one exception is a layout's: an 8-bit tensor stored channel-last is packed 4 channels to
 * a word (src/ir/layout.ts; fromLayoutWords reads any layout back).
 */
export { gpuBytes } from '../engine/memory.js';

export function toGpuWords(t: Tensor): ArrayBuffer {
  const n = t.data.length;
  if (t.dtype === 'f32') return (t.data as Float32Array).slice().buffer as ArrayBuffer;
  if (t.dtype === 'i32') return (t.data as Int32Array).slice().buffer as ArrayBuffer;
  if (isFloat(t.dtype)) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = getNumber(t.data, t.dtype, i);
    return out.buffer;
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = getNumber(t.data, t.dtype, i);
    out[i] = Math.max(-2147483648, Math.min(2147483647, v));
  }
  return out.buffer;
}

export function fromGpuWords(type: TensorType, words: ArrayBuffer): Tensor {
  const n = sizeOf(type.shape);
  if (type.dtype === 'f32') return tensor('f32', type.shape, new Float32Array(words.slice(0, n * 4)));
  if (type.dtype === 'i32') return tensor('i32', type.shape, new Int32Array(words.slice(0, n * 4)));
  const src = isFloat(type.dtype) ? new Float32Array(words, 0, n) : new Int32Array(words, 0, n);
  return tensor(type.dtype, type.shape, fromNumbers(type.dtype, src));
}

/** The logical tensor of type `type` from the words of its buffer, stored in layout `l` (src/ir/layout.ts). */
export function fromLayoutWords(type: TensorType, l: Layout, words: ArrayBuffer): Tensor {
  return fromPhysical(fromGpuWords(physicalType(type, l), words), type, l);
}
