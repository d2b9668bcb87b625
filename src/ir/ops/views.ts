/**
 * Concat and Split whose parts share memory with the whole: the optimizer turns a Concat into
 * a ConcatView when each input can be written straight into its slice of the output, and a
 * merged layer's outputs into a SplitView (src/passes/eliminate-concat.ts, fuse-horizontal.ts).
 * Same semantics and shapes as Concat/Split; they lower to no kernel.
 */
import { defineOp, opDef } from './registry.js';
import './layout.js';

defineOp({ ...opDef('Concat'), op: 'ConcatView', internal: true });
defineOp({ ...opDef('Split'), op: 'SplitView', internal: true });
