import { expect } from 'vitest';
import { UnsupportedError } from '../../src/errors.js';
import type { DType } from '../../src/ir/dtype.js';
import type { Attrs } from '../../src/ir/graph.js';
import { fromFloat64, sizeOf, tensor, toFloat64, type Shape, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import type { Gpu } from '../../src/runtime/device.js';
import { runLayer } from '../../src/runtime/layer.js';
import { candidates, tacticById } from '../../src/tactics/index.js';
import { rng } from './data.js';
import type { Operand } from './op-layer.js';
import { opLayerN } from './op-layer-n.js';

/** Random values: floats in [-1, 1), integers in [-1000, 1000], bools 0/1. */
export function random(dtype: DType, shape: Shape, seed: number): Tensor {
  const r = rng(seed);
  const gen = dtype === 'f32' ? () => 2 * r() - 1 : dtype === 'bool' ? () => (r() < 0.5 ? 0 : 1) : () => Math.floor(r() * 2001) - 1000;
  return fromFloat64(dtype, shape, Array.from({ length: sizeOf(shape) }, gen));
}

/** A constant i64 vector operand (shapes, axes, pads, starts). */
export const ints = (v: number[]): Operand => ({ constant: tensor('i64', [v.length], v) });

/**
 * A checker for ops that only move values (layout, gather, nearest resize): it runs the layer
 * with every point of the tactic's space, and every output must equal the reference exactly.
 */
export function exactCheck(gpu: () => Promise<Gpu>) {
  return async (tacticId: string, op: string, operands: Operand[], attrs: Attrs = {}, outputs = 1): Promise<void> => {
    const { layer, inputs } = opLayerN(op, operands, attrs, outputs);
    const tactic = tacticById(tacticId)!;
    expect(candidates(layer).map((t) => t.id)).toContain(tacticId);
    const want = runReferenceLayer(layer, inputs);
    // Every point the plan accepts for this shape (as the autotuner does; e.g. vec 4 needs a multiple of 4 elements).
    const points = tactic.space.filter((p) => {
      try {
        return tactic.plan(layer, p) !== undefined;
      } catch (e) {
        if (e instanceof UnsupportedError) return false;
        throw e;
      }
    });
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) {
      const got = await runLayer(await gpu(), layer, tactic, inputs, p);
      want.forEach((w, i) => {
        expect(got[i]!.dtype).toBe(w.dtype);
        expect(got[i]!.shape).toEqual(w.shape);
        expect(Array.from(toFloat64(got[i]!)), `${op} output ${i} ${JSON.stringify(attrs)}`).toEqual(Array.from(toFloat64(w)));
      });
    }
  };
}
