/**
 * A small layered (Sugiyama-style) layout for directed acyclic graphs, top to bottom. The graph
 * view needs one that is deterministic (same graph, same picture, same bytes), fast on
 * DenseNet-sized graphs (thousands of boxes with the dummies), and has no dependency, so it is
 * the textbook steps kept simple:
 *
 * 1. layering by longest path from the sources (then sources are pulled down next to their
 *    first reader, so a constant-making node does not sit at the top with a long edge);
 * 2. edges longer than one layer get a chain of dummy points, so they are routed around boxes
 *    and take part in crossing reduction;
 * 3. order within layers by barycenter sweeps, alternating down and up, keeping the order with
 *    the fewest crossings seen;
 * 4. x coordinates: each box is pulled towards the mean x of its neighbours in the layer
 *    above (then below), solved exactly per layer under the no-overlap constraints by isotonic
 *    regression (pool adjacent violators), so boxes of one layer never overlap;
 * 5. edges become polylines: the source's bottom port, one vertical run per dummy, the
 *    target's top port. Ports are spread along a box's edge in the order of the other ends.
 */
import { GraphError } from '../errors.js';

export interface LayoutBox {
  readonly width: number;
  readonly height: number;
}

export interface LayoutEdge {
  readonly from: number;
  readonly to: number;
}

export interface LayoutOptions {
  /** Horizontal gap between boxes of one layer (px). */
  readonly gapX?: number;
  /** Vertical gap between layers (px): room for the edges and their labels. */
  readonly gapY?: number;
  /** Space around the drawing (px). */
  readonly margin?: number;
  /** Barycenter sweeps (each one down and one up). */
  readonly sweeps?: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Placed {
  /** Top-left corner. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly layer: number;
}

export interface Layout {
  /** One per input box, in input order. */
  readonly boxes: readonly Placed[];
  /** One per input edge, in input order: the polyline from the source's bottom to the target's top. */
  readonly edges: readonly (readonly Point[])[];
  readonly width: number;
  readonly height: number;
  readonly layers: number;
}

/** Width a dummy point reserves in its layer: the line plus some air. */
const DUMMY_WIDTH = 10;

interface Vertex {
  readonly width: number;
  readonly height: number;
  layer: number;
  order: number;
  x: number;
  readonly up: number[];
  readonly down: number[];
}

export function layeredLayout(boxes: readonly LayoutBox[], edges: readonly LayoutEdge[], opts: LayoutOptions = {}): Layout {
  const gapX = opts.gapX ?? 24;
  const gapY = opts.gapY ?? 40;
  const margin = opts.margin ?? 16;
  const sweeps = opts.sweeps ?? 4;

  const layer = assignLayers(boxes.length, edges);
  const vs: Vertex[] = boxes.map((b, i) => ({ width: b.width, height: b.height, layer: layer[i]!, order: 0, x: 0, up: [], down: [] }));
  // Each edge's chain of vertices, source first; dummies are appended after the boxes.
  const chains = edges.map((e) => {
    const chain = [e.from];
    for (let l = layer[e.from]! + 1; l < layer[e.to]!; l++) {
      chain.push(vs.length);
      vs.push({ width: DUMMY_WIDTH, height: 0, layer: l, order: 0, x: 0, up: [], down: [] });
    }
    chain.push(e.to);
    for (let i = 1; i < chain.length; i++) {
      vs[chain[i - 1]!]!.down.push(chain[i]!);
      vs[chain[i]!]!.up.push(chain[i - 1]!);
    }
    return chain;
  });

  const rows = orderLayers(vs, sweeps);
  placeX(vs, rows, gapX);

  // Normalize x to the margin; y from the tallest box of each layer.
  let minX = Infinity;
  let maxX = -Infinity;
  for (const v of vs) {
    minX = Math.min(minX, v.x - v.width / 2);
    maxX = Math.max(maxX, v.x + v.width / 2);
  }
  if (vs.length === 0) minX = maxX = 0;
  const top: number[] = [];
  const bottom: number[] = [];
  let y = margin;
  for (const row of rows) {
    const h = Math.max(0, ...row.map((i) => vs[i]!.height));
    top.push(y);
    bottom.push(y + h);
    y += h + gapY;
  }
  const shift = margin - minX;
  const placed: Placed[] = boxes.map((_, i) => {
    const v = vs[i]!;
    return { x: v.x - v.width / 2 + shift, y: top[v.layer]!, width: v.width, height: v.height, layer: v.layer };
  });

  const ports = spreadPorts(vs, chains, shift);
  const routed = chains.map((chain, e) => {
    const pts: Point[] = [{ x: ports.out[e]!, y: top[vs[chain[0]!]!.layer]! + vs[chain[0]!]!.height }];
    for (const d of chain.slice(1, -1)) {
      const v = vs[d]!;
      pts.push({ x: v.x + shift, y: top[v.layer]! }, { x: v.x + shift, y: bottom[v.layer]! });
    }
    pts.push({ x: ports.in[e]!, y: top[vs[chain[chain.length - 1]!]!.layer]! });
    return pts;
  });

  return {
    boxes: placed,
    edges: routed,
    width: Math.max(0, maxX - minX) + 2 * margin,
    height: rows.length === 0 ? 2 * margin : y - gapY + margin,
    layers: rows.length,
  };
}

/**
 * Longest path from the sources (Kahn's algorithm), then every source moves down to just above
 * its nearest reader. Throws a GraphError on a cycle: a network is acyclic, so a cycle here is
 * a bug in whoever built the boxes.
 */
function assignLayers(n: number, edges: readonly LayoutEdge[]): number[] {
  const succ: number[][] = Array.from({ length: n }, () => []);
  const indeg = new Array<number>(n).fill(0);
  for (const e of edges) {
    if (e.from === e.to || e.from < 0 || e.to < 0 || e.from >= n || e.to >= n) {
      throw new GraphError(`layout edge ${e.from} -> ${e.to} does not join two distinct boxes of ${n}`);
    }
    succ[e.from]!.push(e.to);
    indeg[e.to]!++;
  }
  const layer = new Array<number>(n).fill(0);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    const u = order[k]!;
    for (const w of succ[u]!) {
      layer[w] = Math.max(layer[w]!, layer[u]! + 1);
      if (--indeg[w]! === 0) order.push(w);
    }
  }
  if (order.length !== n) throw new GraphError(`the boxes to lay out form a cycle (${n - order.length} boxes on or after it); a network view must be acyclic`);
  const isSource = new Array<boolean>(n).fill(true);
  for (const e of edges) isSource[e.to] = false;
  for (let i = 0; i < n; i++) {
    if (isSource[i] && succ[i]!.length > 0) layer[i] = Math.min(...succ[i]!.map((w) => layer[w]!)) - 1;
  }
  return layer;
}

/** Rows of vertex indices, ordered to reduce crossings; sets each vertex's `order`. */
function orderLayers(vs: Vertex[], sweeps: number): number[][] {
  const depth = vs.reduce((m, v) => Math.max(m, v.layer + 1), 0);
  const rows: number[][] = Array.from({ length: depth }, () => []);
  // Initial order: boxes in input order (the graph's topological order), dummies after.
  vs.forEach((v, i) => rows[v.layer]!.push(i));
  const setOrder = () => rows.forEach((r) => r.forEach((i, k) => (vs[i]!.order = k)));
  setOrder();
  let best = rows.map((r) => [...r]);
  let bestCrossings = crossings(vs, rows);
  for (let s = 0; s < sweeps && bestCrossings > 0; s++) {
    for (let l = 1; l < depth; l++) sortByBarycenter(vs, rows[l]!, 'up');
    for (let l = depth - 2; l >= 0; l--) sortByBarycenter(vs, rows[l]!, 'down');
    const c = crossings(vs, rows);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = rows.map((r) => [...r]);
    }
  }
  best.forEach((r, l) => (rows[l] = r));
  setOrder();
  return rows;
}

/** Stable sort of one row by the mean order of each vertex's neighbours on one side; those with none keep their place. */
function sortByBarycenter(vs: Vertex[], row: number[], side: 'up' | 'down'): void {
  const key = new Map<number, number>();
  row.forEach((i, k) => {
    const nb = vs[i]![side];
    key.set(i, nb.length === 0 ? k : nb.reduce((s, j) => s + vs[j]!.order, 0) / nb.length);
  });
  row.sort((a, b) => key.get(a)! - key.get(b)! || vs[a]!.order - vs[b]!.order);
  row.forEach((i, k) => (vs[i]!.order = k));
}

/** Edge crossings between adjacent layers: inversions of the lower ends, counted with a Fenwick tree. */
function crossings(vs: Vertex[], rows: number[][]): number {
  let total = 0;
  for (let l = 0; l + 1 < rows.length; l++) {
    const pairs: [number, number][] = [];
    for (const i of rows[l]!) for (const j of vs[i]!.down) pairs.push([vs[i]!.order, vs[j]!.order]);
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const size = rows[l + 1]!.length;
    const tree = new Array<number>(size + 1).fill(0);
    let seen = 0;
    for (const [, b] of pairs) {
      let atMost = 0; // already-seen lower ends <= b
      for (let k = b + 1; k > 0; k -= k & -k) atMost += tree[k]!;
      total += seen - atMost;
      for (let k = b + 1; k <= size; k += k & -k) tree[k]!++;
      seen++;
    }
  }
  return total;
}

/**
 * x of every vertex (its centre). Start packed from the left, then a few sweeps where each row
 * moves as close as it can (least squares) to the mean x of its neighbours in the row above,
 * then below, keeping its order and gaps.
 */
function placeX(vs: Vertex[], rows: number[][], gapX: number): void {
  for (const row of rows) {
    let x = 0;
    for (const i of row) {
      vs[i]!.x = x + vs[i]!.width / 2;
      x += vs[i]!.width + gapX;
    }
  }
  for (let s = 0; s < 4; s++) {
    for (let l = 1; l < rows.length; l++) alignRow(vs, rows[l]!, 'up', gapX);
    for (let l = rows.length - 2; l >= 0; l--) alignRow(vs, rows[l]!, 'down', gapX);
  }
}

function alignRow(vs: Vertex[], row: number[], side: 'up' | 'down', gapX: number): void {
  if (row.length === 0) return;
  // x_k = y_k + offset_k where offset_k is the packed distance from the row's first vertex; the
  // gaps then say y is non-decreasing, and the closest such y is an isotonic regression.
  const offset: number[] = [0];
  for (let k = 1; k < row.length; k++) offset.push(offset[k - 1]! + (vs[row[k - 1]!]!.width + vs[row[k]!]!.width) / 2 + gapX);
  const target = row.map((i, k) => {
    const nb = vs[i]![side];
    const want = nb.length === 0 ? vs[i]!.x : nb.reduce((s, j) => s + vs[j]!.x, 0) / nb.length;
    return want - offset[k]!;
  });
  // Dummies weigh less than boxes, so real boxes line up and long edges bend around them.
  const weight = row.map((i) => (vs[i]!.height === 0 ? 0.25 : 1));
  const y = isotonic(target, weight);
  row.forEach((i, k) => (vs[i]!.x = y[k]! + offset[k]!));
}

/** Weighted least-squares non-decreasing fit of `values` (pool adjacent violators). */
function isotonic(values: readonly number[], weights: readonly number[]): number[] {
  const mean: number[] = [];
  const weight: number[] = [];
  const count: number[] = [];
  values.forEach((v, k) => {
    mean.push(v);
    weight.push(weights[k]!);
    count.push(1);
    while (mean.length > 1 && mean[mean.length - 2]! > mean[mean.length - 1]!) {
      const w = weight.pop()!;
      const m = mean.pop()!;
      const c = count.pop()!;
      const j = mean.length - 1;
      mean[j] = (mean[j]! * weight[j]! + m * w) / (weight[j]! + w);
      weight[j]! += w;
      count[j]! += c;
    }
  });
  return mean.flatMap((m, j) => new Array<number>(count[j]!).fill(m));
}

/**
 * Where each edge leaves its source and enters its target: a box with k edges on one side has
 * k ports spaced evenly along it, given out in the order of the edges' other ends, so edges
 * into one box do not cross just above it.
 */
function spreadPorts(vs: Vertex[], chains: readonly number[][], shift: number): { out: number[]; in: number[] } {
  const out = new Array<number>(chains.length).fill(0);
  const inn = new Array<number>(chains.length).fill(0);
  const bySource = new Map<number, number[]>();
  const byTarget = new Map<number, number[]>();
  chains.forEach((c, e) => {
    const s = c[0]!;
    const t = c[c.length - 1]!;
    if (!bySource.has(s)) bySource.set(s, []);
    if (!byTarget.has(t)) byTarget.set(t, []);
    bySource.get(s)!.push(e);
    byTarget.get(t)!.push(e);
  });
  const assign = (groups: Map<number, number[]>, into: number[], other: (c: readonly number[]) => number) => {
    for (const [v, es] of groups) {
      const { x, width } = vs[v]!;
      es.sort((a, b) => vs[other(chains[a]!)]!.x - vs[other(chains[b]!)]!.x || a - b);
      // Ports stay in the middle 80% so lines do not run along a rounded corner.
      const span = width * 0.8;
      es.forEach((e, k) => (into[e] = x - span / 2 + (span * (k + 1)) / (es.length + 1) + shift));
    }
  };
  assign(bySource, out, (c) => c[1]!);
  assign(byTarget, inn, (c) => c[c.length - 2]!);
  return { out, in: inn };
}
