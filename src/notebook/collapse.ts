/**
 * Folding repeated blocks, so that DenseNet-121 (58 dense layers of the same seven ops) or the
 * identity blocks of a ResNet stage read as one box each, "×k".
 *
 * The rule, on the node boxes in execution (topological) order:
 * - each box gets a signature: its op, its attributes (strides, kernel, fused activation), the
 *   spatial size of its output and, for every edge into it, how many places back its producer
 *   is (`far` when that is further than a block can be long, `in` for a network input).
 *   Channel counts are left out on purpose: a dense layer's input grows by 32 channels each
 *   time, yet it is the same block; the resolution is in, so that ResNet's stages (56x56,
 *   28x28, ...) are not taken for repeats of one another;
 * - a block is a window of L consecutive boxes; it repeats k times when the next k-1 windows
 *   have the same signatures, place by place. Same ops and same relative wiring: the dense
 *   layer's Concat reads the previous Concat seven places back in every repetition;
 * - scanning from the first box, the window (L ≤ MAX_BLOCK) that repeats to cover the most
 *   boxes (k ≥ 2, at least MIN_FOLDED boxes) is folded into one box, and the scan goes on after
 *   it; ties go to the shorter block. Nothing else is merged: a block that differs by one op
 *   (a ResNet stage's first, projecting block) stays drawn in full, which marks the stages.
 * Folding a run that is contiguous in a topological order keeps the graph acyclic: edges into
 * the run come from before it and edges out go after it.
 */
import type { ViewBox, ViewEdge, ViewGraph } from './graph-model.js';

/** Longest block looked for (boxes). DenseNet's dense layer is 7, a ResNet bottleneck 7 (3 fused). */
export const MAX_BLOCK = 24;
/** Fewest boxes a fold may hide: two repetitions of a one- or two-box block are left alone. */
export const MIN_FOLDED = 6;

export function collapseRepeats(view: ViewGraph): ViewGraph {
  const { boxes, edges } = view;
  const body = boxes.map((b, i) => (b.kind === 'node' || b.kind === 'layer' ? i : -1)).filter((i) => i >= 0);
  const position = new Map(body.map((b, p) => [b, p]));
  const into: number[][] = boxes.map(() => []);
  for (const e of edges) into[e.to]!.push(e.from);
  const signature = body.map((b, p) => {
    const ins = into[b]!.map((f) => {
      const q = position.get(f);
      if (q === undefined) return 'in';
      return p - q <= MAX_BLOCK ? String(p - q) : 'far';
    });
    return `${boxes[b]!.op}(${ins.join(',')})${boxes[b]!.attrs ?? ''}@${boxes[b]!.resolution ?? ''}`;
  });

  // group[i] = index of the fold (into `folds`) box i goes into, or -1.
  const group = new Array<number>(boxes.length).fill(-1);
  const folds: { start: number; length: number; repeat: number }[] = [];
  for (let p = 0; p < body.length; ) {
    let best = { length: 0, repeat: 0 };
    for (let L = 1; L <= MAX_BLOCK && p + 2 * L <= body.length; L++) {
      let k = 1;
      while (p + (k + 1) * L <= body.length && sameWindow(signature, p, p + k * L, L)) k++;
      if (k >= 2 && k * L >= MIN_FOLDED && k * L > best.length * best.repeat) best = { length: L, repeat: k };
    }
    if (best.repeat === 0) {
      p++;
      continue;
    }
    for (let q = p; q < p + best.length * best.repeat; q++) group[body[q]!] = folds.length;
    folds.push({ start: p, length: best.length, repeat: best.repeat });
    p += best.length * best.repeat;
  }
  if (folds.length === 0) return view;

  // New boxes: each fold stands where its first box was.
  const newIndex = new Array<number>(boxes.length).fill(-1);
  const out: ViewBox[] = [];
  boxes.forEach((b, i) => {
    const f = group[i]!;
    if (f < 0) {
      newIndex[i] = out.length;
      out.push(b);
      return;
    }
    const fold = folds[f]!;
    if (body[fold.start] === i) out.push(foldBox(body.slice(fold.start, fold.start + fold.length).map((j) => boxes[j]!), fold.repeat, boxes[body[fold.start + fold.length * fold.repeat - 1]!]!));
    newIndex[i] = out.length - 1;
  });
  const seen = new Set<string>();
  const newEdges: ViewEdge[] = [];
  for (const e of edges) {
    const from = newIndex[e.from]!;
    const to = newIndex[e.to]!;
    if (from === to || seen.has(`${from} ${to}`)) continue;
    seen.add(`${from} ${to}`);
    newEdges.push({ ...e, from, to });
  }
  return { name: view.name, boxes: out, edges: newEdges };
}

function sameWindow(signature: readonly string[], a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (signature[a + i] !== signature[b + i]) return false;
  return true;
}

/** One box for k repetitions of `block`: named after its first and last box, coloured by its heaviest op. */
function foldBox(block: readonly ViewBox[], repeat: number, last: ViewBox): ViewBox {
  const lead = block.find((b) => b.family === 'conv' || b.family === 'gemm') ?? block[0]!;
  const precisions = new Set(block.map((b) => b.precision));
  return {
    kind: 'fold',
    name: `${block[0]!.name} … ${last.name}`,
    op: block.map((b) => b.op).join(' → '),
    family: lead.family,
    precision: precisions.size === 1 ? lead.precision : 'mixed',
    origin: [],
    block,
    repeat,
  };
}
