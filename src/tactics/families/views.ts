/**
 * View tactics: no kernel. A ConcatView's inputs are written by their producers straight into
 * their slices of the output; a SplitView's outputs are slices of its input; a reshape's output
 * is its input under another shape (row-major data does not move). The memory plan
 * (src/engine/memory.ts) places the parts inside the whole; bindings carry the byte offsets.
 */
import { registerTactic } from '../registry.js';
import type { Tactic } from '../types.js';

const CONCAT_VIEW: Tactic = {
  id: 'view.concat',
  ops: ['ConcatView'],
  kernel: '',
  space: [{}],
  alias: 'inputs-into-output',
  supports: () => true,
  plan: () => [],
};

const SPLIT_VIEW: Tactic = {
  id: 'view.split',
  ops: ['SplitView'],
  kernel: '',
  space: [{}],
  alias: 'outputs-into-input',
  supports: () => true,
  plan: () => [],
};

/** Reshape, Flatten, Squeeze, Unsqueeze, Identity: the output is the input's memory. */
const RESHAPE_VIEW: Tactic = {
  id: 'view.reshape',
  ops: ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity'],
  kernel: '',
  space: [{}],
  alias: 'outputs-into-input',
  // A constant has no activation memory to alias (a build at level 0 keeps such reshapes).
  supports: (layer) => layer.ctx.constant(0) === undefined,
  plan: () => [],
};

// Registered before the kernels of the same ops: a view is preferred wherever it applies.
registerTactic(CONCAT_VIEW, SPLIT_VIEW, RESHAPE_VIEW);
