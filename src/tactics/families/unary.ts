import { UnsupportedError } from '../../errors.js';
import { isFloat } from '../../ir/dtype.js';
import { sizeOf, toFloat64 } from '../../ir/tensor.js';
import { grid, Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic, TacticParams } from '../types.js';

/** Op codes of unary_op in kernels/common/unary.wgsl (the pointwise kernel's OP, the epilogues' ACT). */
const CODES: Readonly<Record<string, number>> = {
  Relu: 0, LeakyRelu: 1, Sigmoid: 2, Tanh: 3, HardSigmoid: 4, HardSwish: 5, Gelu: 6, Elu: 8, Selu: 9,
  Softplus: 10, Mish: 11, Exp: 12, Log: 13, Sqrt: 14, Abs: 15, Neg: 16, Reciprocal: 17, Floor: 18,
  Ceil: 19, Erf: 20, Clip: 21, Identity: 22, Softsign: 23,
};
export { CODES as UNARY_CODES };

/** The op code and its two scalar parameters (alpha, beta) for a unary layer. */
export function unaryCode(layer: LayerInfo): { code: number; alpha: number; beta: number } {
  const { node, attrs: a } = layer;
  const op = node.op;
  switch (op) {
    case 'LeakyRelu':
    case 'Elu':
      return { code: CODES[op]!, alpha: a.float('alpha'), beta: 0 };
    case 'HardSigmoid':
      return { code: CODES[op]!, alpha: a.float('alpha'), beta: a.float('beta') };
    case 'Selu':
      return { code: CODES[op]!, alpha: a.float('alpha'), beta: a.float('gamma') };
    case 'Gelu':
      return { code: a.string('approximate') === 'tanh' ? 7 : 6, alpha: 0, beta: 0 };
    case 'Clip': {
      const bound = (i: number, dflt: number) => {
        const c = layer.ctx.constant(i);
        return c ? toFloat64(c)[0]! : dflt;
      };
      return { code: CODES[op]!, alpha: bound(1, -3.4028234663852886e38), beta: bound(2, 3.4028234663852886e38) };
    }
    default:
      return { code: CODES[op]!, alpha: 0, beta: 0 };
  }
}

const WG = 256;

/** Elements per thread of a pointwise point (`vec`, 1 or 4); 4 needs an element count that is a multiple of 4. */
export function vecWidth(layer: LayerInfo, p: TacticParams, n: number): 1 | 4 {
  const vec = p['vec'] ?? 1;
  if (vec !== 1 && vec !== 4) throw new UnsupportedError(`pointwise 'vec' must be 1 or 4, got ${vec}`);
  if (vec === 4 && n % 4 !== 0) throw new UnsupportedError(`vec 4 cannot run layer '${layer.node.name}': ${n} elements are not a multiple of 4`);
  return vec;
}

export const UNARY_F32: Tactic = {
  id: 'pointwise.unary',
  ops: Object.keys(CODES),
  kernel: 'pointwise/unary.wgsl',
  // vec 4: four elements per thread through vec4 loads (kernels/pointwise/unary-vec4.wgsl), for
  // element counts that are multiples of 4.
  space: [{ wg: WG }, { wg: WG, vec: 4 }, { wg: 64, vec: 4 }],
  supports(layer) {
    const x = layer.inputs[0];
    if (!x || x.dtype !== 'f32') return false; // integer Identity is a copy: see the layout family
    // Clip's bounds must be build-time constants for this kernel.
    if (layer.node.op === 'Clip') return [1, 2].every((i) => !layer.node.inputs[i] || layer.ctx.constant(i) !== undefined);
    return true;
  },
  plan(layer, p) {
    const n = sizeOf(layer.outputs[0]!.shape);
    const { code, alpha, beta } = unaryCode(layer);
    const wg = p['wg'] ?? WG;
    const vec = vecWidth(layer, p, n);
    return [
      {
        kernel: vec === 4 ? 'pointwise/unary-vec4.wgsl' : this.kernel,
        constants: { WG: wg, OP: code },
        meta: new Meta().u32(n / vec).f32(alpha, beta).done(),
        dispatch: grid(Math.ceil(n / vec / wg)),
        bindings: [{ input: 0 }, { output: 0 }],
      },
    ];
  },
};

/**
 * Clip with its bounds bound as storage (one-element tensors, constants or run-time inputs):
 * 'float' runs f32/f16 tensors on f32 words, 'int' runs i8/u8/i32/i64 on i32 words. An absent
 * bound binds x in its slot (HAS_MIN/HAS_MAX 0; see the kernels' note).
 */
function clipTactic(id: string, kernel: string, kind: 'float' | 'int'): Tactic {
  return {
    id,
    ops: ['Clip'],
    kernel,
    space: [{ wg: WG }, { wg: 64 }],
    supports(layer) {
      const x = layer.inputs[0];
      if (!x || x.dtype === 'bool' || isFloat(x.dtype) !== (kind === 'float')) return false;
      return [1, 2].every((i) => {
        const b = layer.inputs[i];
        return !layer.node.inputs[i] || (b !== undefined && b.dtype === x.dtype && sizeOf(b.shape) === 1);
      });
    },
    plan(layer, p) {
      const n = sizeOf(layer.outputs[0]!.shape);
      const wg = p['wg'] ?? WG;
      const has = (i: number) => layer.inputs[i] !== undefined;
      return [
        {
          kernel,
          constants: { WG: wg, HAS_MIN: has(1) ? 1 : 0, HAS_MAX: has(2) ? 1 : 0 },
          meta: new Meta().u32(n).done(),
          dispatch: grid(Math.ceil(n / wg)),
          bindings: [{ input: 0 }, { input: has(1) ? 1 : 0 }, { input: has(2) ? 2 : 0 }, { output: 0 }],
        },
      ];
    },
  };
}

export const CLIP_F32 = clipTactic('pointwise.clip', 'pointwise/clip.wgsl', 'float');
export const CLIP_INT = clipTactic('pointwise.clip-int', 'pointwise/clip-int.wgsl', 'int');

registerTactic(UNARY_F32, CLIP_F32, CLIP_INT);
