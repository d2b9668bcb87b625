/**
 * The graph view of issue 8: a network (Graph) or a built engine (Engine) as one self-contained
 * SVG string, laid out in layers top to bottom (./layout.ts).
 *
 * - A graph node is a box with its op and name; an engine layer adds its tactic and precision,
 *   and a fused layer (one standing for several source nodes) is drawn as a group with the
 *   source nodes it absorbed listed inside.
 * - Boxes are coloured by op family or by precision (`color`), with a legend of the colours used.
 * - Edges carry the tensor's shape, written once where the tensor leaves its producer.
 * - Large graphs: `collapse` folds repeated blocks into one "×k" box (./collapse.ts), and
 *   graphHtml wraps the SVG in a scrolling, zoomable viewport (./pan-zoom.ts).
 *
 * Only presentation attributes, no <style>, <defs> or ids: CSS or ids inside an inline SVG leak
 * into the whole notebook page and clash between two views of one document. Every text comes
 * from the model, so all of it is escaped (./svg.ts). Machine-readable data-* attributes (name,
 * op, family, precision, tactic, origin) let tests and tools read the drawing back.
 */
import type { Engine } from '../engine/engine.js';
import type { Graph } from '../ir/graph.js';
import { collapseRepeats } from './collapse.js';
import { COLOR_FAMILIES, viewOf, type ColorFamily, type ViewBox, type ViewGraph } from './graph-model.js';
import { layeredLayout, type Placed, type Point } from './layout.js';
import { panZoomHtml } from './pan-zoom.js';
import { attrs, escapeXml, fmt, textWidth, truncate } from './svg.js';

export interface GraphViewOptions {
  /** Colour boxes by op family (default) or by the precision they run in. */
  readonly color?: 'family' | 'precision';
  /**
   * Fold repeated blocks into one "×k" box: true, false, or 'auto' (the default), which folds
   * when there are more than COLLAPSE_ABOVE nodes or layers.
   */
  readonly collapse?: boolean | 'auto';
  /** For an engine: the network it was built from, so the absorbed source nodes show their ops. */
  readonly source?: Graph;
  /** Write tensor shapes on the edges (default true). */
  readonly shapes?: boolean;
  /** Most absorbed source nodes listed inside a fused layer; the rest are counted (default 8). */
  readonly maxOrigins?: number;
  /** A heading above the drawing (default: the graph's name and its size). */
  readonly title?: string;
  /** Nodes to mark (names): drawn with a thick orange outline, e.g. what a pass changed. */
  readonly highlight?: Iterable<string>;
}

/** The outline of a highlighted box. */
export const HIGHLIGHT = { stroke: '#e8590c', width: 3 };

/** Node or layer count above which `collapse: 'auto'` folds repeated blocks. */
export const COLLAPSE_ABOVE = 300;

export const FAMILY_COLORS: Readonly<Record<ColorFamily, { fill: string; stroke: string }>> = {
  conv: { fill: '#cfe2f3', stroke: '#3d6fa5' },
  gemm: { fill: '#d9d2e9', stroke: '#6a4fa0' },
  pointwise: { fill: '#d9ead3', stroke: '#4f8a3c' },
  pool: { fill: '#fce5cd', stroke: '#c27c0e' },
  norm: { fill: '#fff2cc', stroke: '#a68a00' },
  layout: { fill: '#eeeeee', stroke: '#777777' },
  quantize: { fill: '#f4cccc', stroke: '#b03a2e' },
  other: { fill: '#d0e0e3', stroke: '#3b7a85' },
};

export const PRECISION_COLORS: Readonly<Record<string, { fill: string; stroke: string }>> = {
  fp32: { fill: '#cfe2f3', stroke: '#3d6fa5' },
  fp16: { fill: '#d9ead3', stroke: '#4f8a3c' },
  int8: { fill: '#fce5cd', stroke: '#c0580e' },
  other: { fill: '#eeeeee', stroke: '#777777' },
};

const FONT = 11;
const OP_FONT = 12;
const SMALL_FONT = 9;
const LINE = 15;
const PAD = 6;
const ORIGIN_ROW = 16;
const MIN_WIDTH = 80;
const LEGEND_HEIGHT = 44;
const FONT_FAMILY = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

/** A self-contained SVG document of a graph (one box per node) or an engine (one box per layer). */
export function graphSvg(subject: Graph | Engine, opts: GraphViewOptions = {}): string {
  let view = viewOf(subject, opts.source);
  const units = view.boxes.filter((b) => b.kind === 'node' || b.kind === 'layer').length;
  const collapse = opts.collapse ?? 'auto';
  if (collapse === true || (collapse === 'auto' && units > COLLAPSE_ABOVE)) view = collapseRepeats(view);
  const heading = opts.title ?? defaultTitle(subject, units, view);
  return renderSvg(view, heading, opts);
}

/**
 * The SVG in a scrolling viewport with zoom (buttons, ctrl+wheel) and drag to pan; a few lines
 * of inline script, no external resource, so it works offline and in exported notebook HTML.
 * Without script (a viewer that strips it) the viewport still scrolls.
 */
export function graphHtml(subject: Graph | Engine, opts: GraphViewOptions & { readonly height?: number } = {}): string {
  return panZoomHtml(graphSvg(subject, opts), { height: opts.height ?? 640 });
}

/**
 * A network and its engine side by side, before and after fusion: one call in a notebook
 * (`fusionHtml(network, build(network))`). The engine's fused layers name the ops they absorbed.
 */
export function fusionHtml(network: Graph, engine: Engine, opts: GraphViewOptions & { readonly height?: number } = {}): string {
  const pane = (html: string) => `<div style="flex:1 1 0;min-width:0">${html}</div>`;
  return `<div style="display:flex;gap:8px;align-items:flex-start">${pane(graphHtml(network, opts))}${pane(graphHtml(engine, { ...opts, source: opts.source ?? network }))}</div>`;
}

function defaultTitle(subject: Graph | Engine, units: number, view: ViewGraph): string {
  const folded = view.boxes.filter((b) => b.kind === 'fold').length;
  const foldNote = folded > 0 ? `, ${folded} repeated blocks folded` : '';
  if ('layers' in subject) return `${subject.graph.name}: engine, ${units} layers from ${subject.sourceNodes} source nodes${foldNote}`;
  return `${subject.name}: ${units} nodes${foldNote}`;
}

interface Text {
  readonly text: string;
  readonly size: number;
  readonly bold?: boolean;
  readonly italic?: boolean;
}

/** What goes inside one box: text lines and, for a fused layer, its absorbed source nodes. */
interface Content {
  readonly lines: readonly Text[];
  /** Rows inside a fused box: the source node's name (absent on the "+k more" row) and its label. */
  readonly origins: readonly { readonly name?: string; readonly label: string }[];
  readonly width: number;
  readonly height: number;
}

function contentOf(b: ViewBox, opts: GraphViewOptions): Content {
  const lines: Text[] = [];
  let origins: { name?: string; label: string }[] = [];
  switch (b.kind) {
    case 'input':
    case 'output':
      lines.push({ text: `${b.op} ${truncate(b.name, 28)}`, size: FONT, bold: true }, { text: b.shape ?? '', size: FONT });
      break;
    case 'node':
      lines.push({ text: truncate(b.op, 32), size: OP_FONT, bold: true }, { text: truncate(b.name, 32), size: FONT });
      break;
    case 'layer':
      lines.push(
        { text: `${truncate(b.op, 24)}  ${b.precision}`, size: OP_FONT, bold: true },
        { text: truncate(b.name, 32), size: FONT },
        { text: truncate(b.tactic ?? '', 36), size: FONT, italic: true },
      );
      break;
    case 'fold':
      lines.push({ text: `×${b.repeat ?? 1}  block of ${b.block?.length ?? 0}`, size: OP_FONT, bold: true });
      for (const l of wrapOps(b.op, 36)) lines.push({ text: l, size: FONT });
      lines.push({ text: truncate(b.name, 36), size: FONT, italic: true });
      break;
  }
  if ((b.kind === 'node' || b.kind === 'layer') && isFused(b)) {
    const max = opts.maxOrigins ?? 8;
    origins = b.origin.slice(0, max).map((o) => ({ name: o.name, label: truncate(o.op ? `${o.name} · ${o.op}` : o.name, 34) }));
    if (b.origin.length > max) origins.push({ label: `+${b.origin.length - max} more` });
  }
  const textW = Math.max(...lines.map((l) => textWidth(l.text, l.size)), ...origins.map((o) => textWidth(o.label, FONT) + 2 * PAD));
  const width = Math.max(MIN_WIDTH, Math.ceil(textW + 2 * PAD));
  const height = PAD + lines.length * LINE + (origins.length > 0 ? PAD + origins.length * ORIGIN_ROW : 0) + PAD;
  return { lines, origins, width, height };
}

/** A node that stands for more than itself: a fused layer, or a node a pass made from several. */
function isFused(b: ViewBox): boolean {
  return b.origin.length > 1 || (b.origin.length === 1 && b.origin[0]!.name !== b.name);
}

/** An op sequence "A → B → C" broken into lines of about `width` characters, at most four. */
function wrapOps(sequence: string, width: number): string[] {
  const lines: string[] = [];
  for (const op of sequence.split(' → ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + op.length + 3 <= width) lines[lines.length - 1] = `${last} → ${op}`;
    else lines.push(op);
  }
  return lines.length <= 4 ? lines : [...lines.slice(0, 3), `${truncate(lines[3]!, width - 2)} …`];
}

function colorOf(b: ViewBox, by: 'family' | 'precision'): { fill: string; stroke: string } {
  if (b.kind === 'input' || b.kind === 'output') return { fill: '#ffffff', stroke: '#555555' };
  return by === 'family' ? FAMILY_COLORS[b.family] : PRECISION_COLORS[b.precision] ?? PRECISION_COLORS['other']!;
}

function renderSvg(view: ViewGraph, heading: string, opts: GraphViewOptions): string {
  const by = opts.color ?? 'family';
  const contents = view.boxes.map((b) => contentOf(b, opts));
  const layout = layeredLayout(contents, view.edges);
  const key = legend(view, heading, by);
  const width = Math.max(layout.width, 360, textWidth(truncate(heading, 120), 13) + 24, key.width + 12);
  const height = layout.height + LEGEND_HEIGHT;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg"${attrs({ class: 'wgrt-graph', viewBox: `0 0 ${fmt(width)} ${fmt(height)}`, width: fmt(width), height: fmt(height), 'font-family': FONT_FAMILY, 'font-size': FONT, 'data-color': by })}>`);
  out.push(`<title>${escapeXml(heading)}</title>`);
  out.push(`<rect x="0" y="0"${attrs({ width: fmt(width), height: fmt(height) })} fill="#ffffff"/>`);
  out.push(key.svg);
  out.push(`<g transform="translate(0,${LEGEND_HEIGHT})">`);
  out.push(edgesSvg(view, layout.edges, opts.shapes ?? true));
  out.push('<g class="nodes">');
  const hl = new Set(opts.highlight ?? []);
  const marked = (b: ViewBox): boolean => hl.has(b.name) || (b.block ?? []).some(marked);
  view.boxes.forEach((b, i) => out.push(boxSvg(b, i, layout.boxes[i]!, contents[i]!, colorOf(b, by), hl.size > 0 && marked(b))));
  out.push('</g></g></svg>');
  return out.join('\n');
}

/** The heading and a key per colour used, in one row; `width` is where the row ends. */
function legend(view: ViewGraph, heading: string, by: 'family' | 'precision'): { svg: string; width: number } {
  const body = view.boxes.filter((b) => b.kind !== 'input' && b.kind !== 'output');
  const keys = by === 'family'
    ? COLOR_FAMILIES.filter((f) => body.some((b) => b.family === f))
    : [...new Set(body.map((b) => (PRECISION_COLORS[b.precision] ? b.precision : 'other')))].sort();
  const parts = [`<g class="legend">`, `<text x="12" y="16" font-size="13" font-weight="bold">${escapeXml(truncate(heading, 120))}</text>`];
  let x = 12;
  for (const k of keys) {
    const c = by === 'family' ? FAMILY_COLORS[k as ColorFamily] : PRECISION_COLORS[k]!;
    parts.push(`<g class="legend-key"${attrs({ 'data-key': k })}><rect${attrs({ x, y: 24, width: 12, height: 12, rx: 2, fill: c.fill, stroke: c.stroke })}/><text${attrs({ x: x + 16, y: 34 })}>${escapeXml(k)}</text></g>`);
    x += 16 + textWidth(k, FONT) + 14;
  }
  parts.push('</g>');
  return { svg: parts.join(''), width: x };
}

function edgesSvg(view: ViewGraph, routes: readonly (readonly Point[])[], shapes: boolean): string {
  const parts = ['<g class="edges" fill="none">'];
  // The shape once per tensor, where it leaves its producer: on the rightmost of the tensor's
  // edges, so that the text runs to the right, clear of the other edges' lines.
  const labelled = new Map<string, number>();
  view.edges.forEach((e, i) => {
    const key = `${e.from} ${e.tensor}`;
    const had = labelled.get(key);
    if (had === undefined || routes[i]![0]!.x > routes[had]![0]!.x) labelled.set(key, i);
  });
  view.edges.forEach((e, i) => {
    const pts = routes[i]!;
    const start = pts[0]!;
    const end = pts[pts.length - 1]!;
    const label = shapes && e.shape !== '' && labelled.get(`${e.from} ${e.tensor}`) === i;
    parts.push(
      `<g class="edge"${attrs({ 'data-from': e.from, 'data-to': e.to, 'data-tensor': e.tensor, 'data-shape': e.shape })}>` +
        `<title>${escapeXml(`${e.tensor}${e.shape ? `: ${e.shape}` : ''}`)}</title>` +
        `<path${attrs({ d: pathOf(pts), stroke: '#8a8a8a', 'stroke-width': 1.2 })}/>` +
        `<path${attrs({ d: `M${fmt(end.x - 3.5)},${fmt(end.y - 6)}L${fmt(end.x + 3.5)},${fmt(end.y - 6)}L${fmt(end.x)},${fmt(end.y)}Z`, fill: '#8a8a8a' })}/>` +
        (label ? `<text${attrs({ x: start.x + 4, y: start.y + 12, 'font-size': SMALL_FONT, fill: '#555555', stroke: 'none' })}>${escapeXml(e.shape)}</text>` : '') +
        '</g>',
    );
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** Straight down through the dummy runs (same x), smooth vertical-tangent curves between layers. */
function pathOf(pts: readonly Point[]): string {
  let d = `M${fmt(pts[0]!.x)},${fmt(pts[0]!.y)}`;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    if (Math.abs(a.x - b.x) < 0.05) d += `L${fmt(b.x)},${fmt(b.y)}`;
    else {
      const my = (a.y + b.y) / 2;
      d += `C${fmt(a.x)},${fmt(my)} ${fmt(b.x)},${fmt(my)} ${fmt(b.x)},${fmt(b.y)}`;
    }
  }
  return d;
}

function boxSvg(b: ViewBox, index: number, at: Placed, c: Content, color: { fill: string; stroke: string }, highlighted: boolean): string {
  const io = b.kind === 'input' || b.kind === 'output';
  const fused = c.origins.length > 0;
  const cls = (io ? 'io' : b.kind === 'fold' ? 'node fold' : fused ? 'node fused' : 'node') + (highlighted ? ' highlight' : '');
  const data = {
    class: cls,
    'data-index': index,
    'data-kind': b.kind,
    'data-name': b.name,
    'data-op': b.op,
    'data-family': io ? undefined : b.family,
    'data-precision': io ? undefined : b.precision,
    'data-tactic': b.tactic,
    'data-origin': b.origin.length > 0 ? JSON.stringify(b.origin.map((o) => o.name)) : undefined,
    'data-repeat': b.repeat,
    'data-members': b.block ? b.block.length * (b.repeat ?? 1) : undefined,
    transform: `translate(${fmt(at.x)},${fmt(at.y)})`,
  };
  const parts = [`<g${attrs(data)}>`, `<title>${escapeXml(tooltip(b))}</title>`];
  if (b.kind === 'fold') {
    // Two cards behind the box: this one stands for several.
    for (const o of [6, 3]) parts.push(`<rect${attrs({ x: o, y: -o, width: at.width, height: at.height, rx: 4, fill: color.fill, stroke: color.stroke, 'stroke-width': 1 })}/>`);
  }
  const stroke = highlighted ? { stroke: HIGHLIGHT.stroke, 'stroke-width': HIGHLIGHT.width } : { stroke: color.stroke, 'stroke-width': fused ? 1.6 : 1 };
  parts.push(`<rect${attrs({ x: 0, y: 0, width: at.width, height: at.height, rx: io ? 10 : 4, fill: color.fill, ...stroke, 'stroke-dasharray': fused ? '5 3' : undefined })}/>`);
  c.lines.forEach((l, k) => {
    parts.push(`<text${attrs({ x: PAD, y: PAD + k * LINE + 11, 'font-size': l.size, 'font-weight': l.bold ? 'bold' : undefined, 'font-style': l.italic ? 'italic' : undefined, fill: '#222222' })}>${escapeXml(l.text)}</text>`);
  });
  const top = PAD + c.lines.length * LINE + PAD;
  c.origins.forEach((o, k) => {
    const y = top + k * ORIGIN_ROW;
    parts.push(
      `<g class="origin"${attrs({ 'data-name': o.name })}><rect${attrs({ x: PAD, y, width: at.width - 2 * PAD, height: ORIGIN_ROW - 3, rx: 2, fill: '#ffffff', 'fill-opacity': 0.8, stroke: color.stroke, 'stroke-width': 0.6 })}/>` +
        `<text${attrs({ x: PAD + 4, y: y + 10, 'font-size': SMALL_FONT + 1, fill: '#333333' })}>${escapeXml(o.label)}</text></g>`,
    );
  });
  parts.push('</g>');
  return parts.join('');
}

function tooltip(b: ViewBox): string {
  const lines = [`${b.name} (${b.kind === 'fold' ? `${b.repeat}× block` : b.op})`];
  if (b.tactic) lines.push(`tactic: ${b.tactic}`);
  if (b.kind !== 'input' && b.kind !== 'output') lines.push(`precision: ${b.precision}`);
  if (b.shape) lines.push(`shape: ${b.shape}`);
  if (isFused(b)) lines.push(`absorbs ${b.origin.length}: ${b.origin.map((o) => (o.op ? `${o.name} (${o.op})` : o.name)).join(', ')}`);
  if (b.block) lines.push(`repeats: ${b.op}`);
  return lines.join('\n');
}
