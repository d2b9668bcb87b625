import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../src/errors.js';
import { sizeOf, tensor, toFloat64, type Tensor } from '../../src/ir/tensor.js';
import { runReferenceLayer } from '../../src/reference/index.js';
import { ints, random } from '../helpers/exact-check.js';
import { nodeLayer } from '../helpers/node-layer.js';
import { opLayer, type Operand } from '../helpers/op-layer.js';

function tile(operands: Operand[]): Tensor {
  const { layer, inputs } = opLayer('Tile', operands);
  return runReferenceLayer(layer, inputs)[0]!;
}

/**
 * Tile written independently as block copies, axis by axis from the last: on axis k every block
 * of the current data spanning axes k.. is written `repeats[k]` times in a row.
 */
function tileByBlocks(shape: readonly number[], data: readonly number[], repeats: readonly number[]): { shape: number[]; data: number[] } {
  let cur = [...data];
  const s = [...shape];
  for (let k = s.length - 1; k >= 0; k--) {
    const block = sizeOf(s.slice(k));
    const outer = sizeOf(s.slice(0, k));
    const next: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < repeats[k]!; r++) next.push(...cur.slice(o * block, (o + 1) * block));
    }
    cur = next;
    s[k] = s[k]! * repeats[k]!;
  }
  return { shape: s, data: cur };
}

describe('Tile reference', () => {
  it('the ONNX example (tile_precomputed): [[0, 1], [2, 3]] by [2, 2]', () => {
    const y = tile([tensor('f32', [2, 2], [0, 1, 2, 3]), ints([2, 2])]);
    expect(y.shape).toEqual([4, 4]);
    expect(Array.from(toFloat64(y))).toEqual([0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3]);
  });

  it('1-D, repeats of 1, and a repeat of 0 (empty output)', () => {
    expect(Array.from(toFloat64(tile([tensor('f32', [3], [1, 2, 3]), ints([3])])))).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    expect(Array.from(toFloat64(tile([tensor('f32', [2, 1], [5, 6]), ints([1, 3])])))).toEqual([5, 5, 5, 6, 6, 6]);
    const empty = tile([tensor('f32', [2, 3], [1, 2, 3, 4, 5, 6]), ints([2, 0])]);
    expect(empty.shape).toEqual([4, 0]);
    expect(empty.data.length).toBe(0);
  });

  it('keeps raw values of every dtype (i64 stays exact, bool stays 0/1)', () => {
    const big = tile([tensor('i64', [2], BigInt64Array.of(2n ** 40n + 1n, -7n)), ints([2])]);
    expect(Array.from(big.data as BigInt64Array)).toEqual([2n ** 40n + 1n, -7n, 2n ** 40n + 1n, -7n]);
    expect(Array.from(toFloat64(tile([tensor('bool', [1, 2], [1, 0]), ints([2, 1])])))).toEqual([1, 0, 1, 0]);
  });

  const CASES: [number[], number[]][] = [
    [[2, 3, 4], [3, 1, 2]],
    [[1, 5, 1, 3], [4, 2, 3, 1]],
    [[3, 1, 2, 1, 2, 1], [1, 2, 1, 3, 2, 2]],
    [[7], [1]],
  ];
  for (const [shape, repeats] of CASES) {
    it(`equals block copies: [${shape}] by [${repeats}]`, () => {
      const x = random('i32', shape, 9);
      const y = tile([x, ints(repeats)]);
      const want = tileByBlocks(shape, Array.from(toFloat64(x)), repeats);
      expect(y.shape).toEqual(want.shape);
      expect(Array.from(toFloat64(y))).toEqual(want.data);
    });
  }
});

describe('Tile shape errors name the node', () => {
  const x = tensor('f32', [2, 3], [1, 2, 3, 4, 5, 6]);
  const layer = (repeats: number[], constant = true) =>
    nodeLayer('Tile', [x, tensor('i64', [repeats.length], repeats)], { constants: constant ? [1] : [], name: 'tile_7' });
  it('repeats of the wrong length, negative repeats, repeats that are not a constant', () => {
    expect(() => layer([2])).toThrow(ShapeError);
    expect(() => layer([2])).toThrow(/'tile_7' \(Tile\).*has 1 values; the input has rank 2/);
    expect(() => layer([2, -1])).toThrow(/'tile_7'.*must not be negative/);
    expect(() => layer([2, 2], false)).toThrow(/'tile_7'.*repeats.*must be a constant/);
  });
});
