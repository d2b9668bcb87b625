/**
 * View tactics: no kernel. A ConcatView's inputs are written by their producers straight into
 * their slices of the output; a SplitView's outputs are slices of its input. The memory plan
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

registerTactic(CONCAT_VIEW, SPLIT_VIEW);
