import { chainSteps, clipBounds, stepAttrs, type ChainOperand } from '../ir/ops/index.js';
import { fromFloat64, sizeOf, toFloat64 } from '../ir/tensor.js';
import { arithmetic } from './binary.js';
import { broadcastOffsets } from './elements.js';
import { registerReference } from './executor.js';
import { clipFn, unaryFn } from './unary.js';

/**
 * PointwiseChain: the program's steps one after the other over the whole output, each with the
 * scalar function the op's own reference kernel uses (unary.ts, binary.ts), in float64, and each
 * step's value rounded to f32 as the op's own output tensor would be. So a chain gives the
 * same numbers, bit for bit, as the nodes it replaced.
 */
registerReference(['PointwiseChain'], (layer, inputs) => {
  const out = layer.outputs[0]!;
  const n = sizeOf(out.shape);
  // Inputs broadcast to the output shape.
  const ins = inputs.map((t) => {
    const v = toFloat64(t!);
    return Float64Array.from(broadcastOffsets(t!.shape, out.shape), (o) => v[o]!);
  });
  const steps: Float64Array[] = [];
  const read = (o: ChainOperand): ((i: number) => number) => {
    if (o.kind === 'literal') return () => o.value;
    const v = o.kind === 'input' ? ins[o.index]! : steps[o.step - 1]!;
    return (i) => v[i]!;
  };
  for (const s of chainSteps(layer.node)) {
    const [a, b] = s.operands.map(read) as [(i: number) => number, ((i: number) => number) | undefined];
    const v = new Float64Array(n);
    if (b) {
      const f = arithmetic(s.op, false, false);
      for (let i = 0; i < n; i++) v[i] = Math.fround(f(a(i), b(i)));
    } else {
      const { min, max } = clipBounds(s);
      const f = s.op === 'Clip' ? clipFn(min, max) : s.op === 'Identity' ? (x: number) => x : unaryFn(s.op, stepAttrs(s));
      for (let i = 0; i < n; i++) v[i] = Math.fround(f(a(i)));
    }
    steps.push(v);
  }
  return [fromFloat64('f32', out.shape, steps[steps.length - 1]!)];
});
