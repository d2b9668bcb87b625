import { isFloat } from '../../ir/dtype.js';
import { sizeOf } from '../../ir/tensor.js';
import { Meta } from '../meta.js';
import { registerTactic } from '../registry.js';
import type { LayerInfo, Tactic } from '../types.js';
import { broadcastGeometry, elementGrid, padFront, WG } from './strides.js';

/**
 * OP codes of kernels/pointwise/binary.wgsl and binary-int.wgsl (logical ops: int only); 0..9
 * are binary_op's in kernels/common/binary.wgsl.
 */
export const BINARY_CODES: Readonly<Record<string, number>> = {
  Add: 0, Sub: 1, Mul: 2, Div: 3, Pow: 4, Min: 5, Max: 6, PRelu: 7, Mod: 8,
  Equal: 10, Less: 11, Greater: 12, LessOrEqual: 13, GreaterOrEqual: 14, And: 15, Or: 16, Xor: 17,
};

function opCode(layer: LayerInfo): number {
  const op = layer.node.op;
  if (op === 'Mod' && layer.attrs.int('fmod') === 1) return 9;
  return BINARY_CODES[op]!;
}

/** Meta words [n, shape[6], strides[6] per operand] of a broadcast over `operands` inputs. */
function broadcastMeta(layer: LayerInfo, operands: number): number[] | undefined {
  const out = layer.outputs[0]!.shape;
  const shapes = layer.inputs.slice(0, operands).map((t) => t?.shape);
  if (shapes.some((s) => s === undefined)) return undefined;
  const g = broadcastGeometry(out, shapes as number[][]);
  if (!g) return undefined;
  const meta = new Meta().u32(sizeOf(out)).u32(...padFront(g.shape, 1));
  for (const s of g.strides) meta.u32(...padFront(s, 0));
  return meta.done();
}

/** Both operands are float (f32 words) or both are integer/bool (i32 words) on the GPU. */
function wordKinds(layer: LayerInfo): 'float' | 'int' | undefined {
  const [a, b] = layer.inputs;
  if (!a || !b) return undefined;
  if (isFloat(a.dtype) && isFloat(b.dtype)) return 'float';
  if (!isFloat(a.dtype) && !isFloat(b.dtype)) return 'int';
  return undefined;
}

function binaryTactic(id: string, kernel: string, kind: 'float' | 'int'): Tactic {
  const ops = Object.keys(BINARY_CODES).filter((op) => kind === 'int' || !['And', 'Or', 'Xor'].includes(op));
  return {
    id,
    ops,
    kernel,
    space: [{ wg: WG }, { wg: 64 }],
    supports: (layer) => wordKinds(layer) === kind && broadcastMeta(layer, 2) !== undefined,
    plan(layer, p) {
      const wg = p['wg'] ?? WG;
      return [
        {
          kernel,
          constants: { WG: wg, OP: opCode(layer) },
          meta: broadcastMeta(layer, 2)!,
          dispatch: elementGrid(layer.outputs[0]!.shape, wg),
          bindings: [{ input: 0 }, { input: 1 }, { output: 0 }],
        },
      ];
    },
  };
}

export const BINARY_F32 = binaryTactic('pointwise.binary', 'pointwise/binary.wgsl', 'float');
export const BINARY_INT = binaryTactic('pointwise.binary-int', 'pointwise/binary-int.wgsl', 'int');

export const WHERE: Tactic = {
  id: 'pointwise.where',
  ops: ['Where'],
  kernel: 'pointwise/where.wgsl',
  space: [{ wg: WG }],
  supports: (layer) => broadcastMeta(layer, 3) !== undefined,
  plan(layer, p) {
    const wg = p['wg'] ?? WG;
    return [
      {
        kernel: this.kernel,
        constants: { WG: wg },
        meta: broadcastMeta(layer, 3)!,
        dispatch: elementGrid(layer.outputs[0]!.shape, wg),
        bindings: [{ input: 0 }, { input: 1 }, { input: 2 }, { output: 0 }],
      },
    ];
  },
};

registerTactic(BINARY_F32, BINARY_INT, WHERE);
