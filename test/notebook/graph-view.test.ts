// The graph view (src/notebook/graph-view.ts): the SVG is well-formed XML with one node element
// per graph node or engine layer, edges join existing boxes and carry shapes, fused layers list
// the source nodes they absorbed, colours follow op family or precision, boxes of one layer do
// not overlap, names are escaped, repeated blocks fold, and ResNet-50 and DenseNet-121 render
// before and after fusion. The SVG is read back with a small XML parser below (no DOM here).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeEngine } from '../../src/engine/describe.js';
import { build } from '../../src/engine/engine.js';
import { network } from '../../src/frontend/fluent/index.js';
import { loadOnnx } from '../../src/frontend/onnx/index.js';
import { Graph, node } from '../../src/ir/graph.js';
import { inferTypes } from '../../src/ir/index.js';
import { randomInput } from '../../src/ir/random.js';
import { shapeToString } from '../../src/ir/tensor.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { COLLAPSE_ABOVE, FAMILY_COLORS, PRECISION_COLORS, fusionHtml, graphHtml, graphSvg } from '../../src/notebook/graph-view.js';
import { layeredLayout } from '../../src/notebook/layout.js';
import { textWidth } from '../../src/notebook/svg.js';

const model = (name: string) => fileURLToPath(new URL(`../data/onnx-conformance/light/${name}/model.onnx`, import.meta.url));

// ---- a minimal XML reader: enough to prove well-formedness and to query the drawing ----

interface El {
  readonly name: string;
  readonly attrs: Map<string, string>;
  readonly children: El[];
  text: string;
}

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescape(s: string, where: string): string {
  return s.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`bare & in ${where}`);
    if (body in ENTITY) return ENTITY[body]!;
    if (/^#[0-9]+$/.test(body)) return String.fromCodePoint(Number(body.slice(1)));
    if (/^#x[0-9a-f]+$/i.test(body)) return String.fromCodePoint(parseInt(body.slice(2), 16));
    throw new Error(`unknown entity &${body}; in ${where}`);
  });
}

/** Parses one XML document (elements, attributes, text; no comments, CDATA or doctype, which the view never writes). */
function parseXml(xml: string): El {
  const stack: El[] = [];
  let root: El | undefined;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (text.includes('>')) throw new Error(`raw > in text near ${i}`);
    const decoded = unescape(text, `text near ${i}`);
    if (stack.length > 0) stack[stack.length - 1]!.text += decoded;
    else if (decoded.trim() !== '') throw new Error(`text outside the root element near ${i}`);
    if (lt < 0) break;
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error(`unclosed tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1).trim()) throw new Error(`</${tag.slice(1)}> closes <${open?.name}> at ${lt}`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^[A-Za-z][\w:.-]*/.exec(body)?.[0];
    if (!name) throw new Error(`bad tag name at ${lt}`);
    const el: El = { name, attrs: new Map(), children: [], text: '' };
    const rest = body.slice(name.length);
    const attrRe = /\s+([A-Za-z_:][\w:.-]*)="([^"<]*)"|\s+([A-Za-z_:][\w:.-]*)='([^'<]*)'|\s*$/y;
    for (let at = 0; at < rest.length; ) {
      attrRe.lastIndex = at;
      const m = attrRe.exec(rest);
      if (!m || m[0] === '') throw new Error(`bad attribute syntax in <${name}> at ${lt}: ${rest.slice(at, at + 40)}`);
      const key = m[1] ?? m[3];
      if (key !== undefined) {
        if (el.attrs.has(key)) throw new Error(`duplicate attribute ${key} in <${name}>`);
        el.attrs.set(key, unescape(m[2] ?? m[4]!, `attribute ${key}`));
      }
      at = attrRe.lastIndex;
    }
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    else if (root) throw new Error('a second root element');
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

function all(el: El, pred: (e: El) => boolean, out: El[] = []): El[] {
  if (pred(el)) out.push(el);
  for (const c of el.children) all(c, pred, out);
  return out;
}
const hasClass = (c: string) => (e: El) => (e.attrs.get('class') ?? '').split(' ').includes(c);
const nodesOf = (svg: El) => all(svg, (e) => e.name === 'g' && hasClass('node')(e));
const edgesOf = (svg: El) => all(svg, (e) => e.name === 'g' && hasClass('edge')(e));
const boxesOf = (svg: El) => all(svg, (e) => e.name === 'g' && e.attrs.has('data-index'));
/** The box's own rectangle (folded boxes draw two cards behind it). */
const mainRect = (g: El) => g.children.find((c) => c.name === 'rect' && c.attrs.get('x') === '0' && c.attrs.get('y') === '0')!;
const translate = (g: El) => g.attrs.get('transform')!.match(/translate\(([-\d.]+),([-\d.]+)\)/)!.slice(1).map(Number) as [number, number];

/** Every edge joins two boxes that exist; returns the box indices. */
function checkEdges(svg: El): Set<string> {
  const ids = new Set(boxesOf(svg).map((b) => b.attrs.get('data-index')!));
  expect(ids.size).toBe(boxesOf(svg).length);
  for (const e of edgesOf(svg)) {
    expect(ids.has(e.attrs.get('data-from')!), `edge from ${e.attrs.get('data-from')}`).toBe(true);
    expect(ids.has(e.attrs.get('data-to')!), `edge to ${e.attrs.get('data-to')}`).toBe(true);
  }
  return ids;
}

/** No two boxes placed on the same row overlap horizontally. */
function checkNoOverlap(svg: El): void {
  const rows = new Map<number, [number, number][]>();
  for (const b of boxesOf(svg)) {
    const [x, y] = translate(b);
    const w = Number(mainRect(b).attrs.get('width'));
    rows.set(y, [...(rows.get(y) ?? []), [x, x + w]]);
  }
  for (const [y, spans] of rows) {
    spans.sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < spans.length; k++) expect(spans[k]![0], `boxes overlap in the row at y=${y}`).toBeGreaterThanOrEqual(spans[k - 1]![1]);
  }
}

function cnn(): Graph {
  const net = network('cnn', { seed: 3 });
  const x = net.input('x', [2, 3, 10, 10]);
  const h = x.conv2d(8, { kernel: 3, pad: 1, name: 'conv1' }).relu().conv2d(8, { kernel: 3, pad: 1, name: 'conv2' }).relu();
  net.output('y', h.globalAvgPool().flatten().dense(4, { name: 'fc' }));
  return inferTypes(net.build());
}

describe('graphSvg of a Graph', () => {
  const g = loadOnnx(model('light_resnet50'));
  const svgText = graphSvg(g, { collapse: false });
  const svg = parseXml(svgText);

  it('is one well-formed SVG document with a viewBox', () => {
    expect(svg.name).toBe('svg');
    expect(svg.attrs.get('xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(svg.attrs.get('viewBox')).toMatch(/^0 0 [\d.]+ [\d.]+$/);
  });

  it('has exactly one node element per graph node, named and typed as the node', () => {
    const nodes = nodesOf(svg);
    expect(nodes).toHaveLength(g.nodes.length);
    expect(nodes.map((n) => n.attrs.get('data-name')).sort()).toEqual(g.nodes.map((n) => n.name).sort());
    const op = new Map(g.nodes.map((n) => [n.name, n.op]));
    for (const n of nodes) expect(n.attrs.get('data-op')).toBe(op.get(n.attrs.get('data-name')!));
    expect(all(svg, (e) => e.name === 'g' && hasClass('io')(e)).map((e) => e.attrs.get('data-kind')).sort()).toEqual(['input', 'output']);
  });

  it('draws an edge per tensor read between existing boxes, with the shape of the tensor', () => {
    checkEdges(svg);
    const reads = g.nodes.reduce((s, n) => s + new Set(n.inputs.filter((t) => t && !g.initializers.has(t))).size, 0);
    const edges = edgesOf(svg);
    expect(edges).toHaveLength(reads + g.outputs.length);
    for (const e of edges) expect(e.attrs.get('data-shape')).toBe(shapeToString(g.type(e.attrs.get('data-tensor')!).shape));
    // The shape is written once per tensor, where it leaves its producer.
    const labels = edges.flatMap((e) => e.children.filter((c) => c.name === 'text').map((t) => [e.attrs.get('data-tensor'), t.text]));
    expect(labels.length).toBe(new Set(edges.map((e) => `${e.attrs.get('data-from')} ${e.attrs.get('data-tensor')}`)).size);
    for (const [t, text] of labels) expect(text).toBe(shapeToString(g.type(t!).shape));
  });

  it('colours nodes by op family', () => {
    const fill = (op: string) => mainRect(nodesOf(svg).find((n) => n.attrs.get('data-op') === op)!).attrs.get('fill');
    expect(fill('Conv')).toBe(FAMILY_COLORS.conv.fill);
    expect(fill('BatchNormalization')).toBe(FAMILY_COLORS.norm.fill);
    expect(fill('Relu')).toBe(FAMILY_COLORS.pointwise.fill);
    expect(fill('MaxPool')).toBe(FAMILY_COLORS.pool.fill);
    expect(fill('Gemm')).toBe(FAMILY_COLORS.gemm.fill);
    expect(new Set([fill('Conv'), fill('BatchNormalization'), fill('Relu'), fill('MaxPool'), fill('Gemm')]).size).toBe(5);
    const legend = all(svg, hasClass('legend-key')).map((k) => k.attrs.get('data-key'));
    expect(legend).toEqual(expect.arrayContaining(['conv', 'gemm', 'pointwise', 'pool', 'norm']));
  });

  it('is wide enough for its legend, however narrow the graph (a chain of every family)', () => {
    const net = network('legend', { seed: 1 });
    const y = net.input('x', [1, 3, 8, 8]).conv2d(4, { kernel: 3 }).batchNorm().relu().maxPool({ kernel: 2 }).flatten();
    net.output('y', y.dense(2).reshape([1, 1, 2]));
    const narrow = parseXml(graphSvg(net.build(), { collapse: false }));
    const keys = all(narrow, hasClass('legend-key'));
    expect(keys.length).toBeGreaterThanOrEqual(5);
    const last = keys[keys.length - 1]!.children.find((c) => c.name === 'text')!;
    const end = Number(last.attrs.get('x')) + textWidth(last.text, 11);
    expect(Number(narrow.attrs.get('width'))).toBeGreaterThanOrEqual(end);
  });

  it('lays boxes out top to bottom without overlaps, producers above readers', () => {
    checkNoOverlap(svg);
    const y = new Map(boxesOf(svg).map((b) => [b.attrs.get('data-index')!, translate(b)[1]]));
    for (const e of edgesOf(svg)) expect(y.get(e.attrs.get('data-from')!)!).toBeLessThan(y.get(e.attrs.get('data-to')!)!);
  });

  it('is deterministic and names no machine path', () => {
    expect(graphSvg(g, { collapse: false })).toBe(svgText);
    expect(svgText).not.toContain(process.cwd());
    expect(svgText).not.toContain('onnx-conformance');
  });

  it('escapes names from the model, so hostile names stay text', () => {
    const evil = '<script>alert("x" & \'y\')</script>\u0001';
    const h = inferTypes(new Graph({
      name: 'a & b <c>',
      inputs: [{ name: 'in"put', type: { dtype: 'f32', shape: [1, 4] } }],
      outputs: ['out<'],
      nodes: [node({ name: evil, op: 'Relu', inputs: ['in"put'], outputs: ['mid&'] }), node({ name: 'n]]>', op: 'Sigmoid', inputs: ['mid&'], outputs: ['out<'] })],
    }));
    const text = graphSvg(h);
    expect(text).not.toContain('<script');
    const doc = parseXml(text);
    expect(nodesOf(doc).map((n) => n.attrs.get('data-name'))).toEqual(['<script>alert("x" & \'y\')</script>\uFFFD', 'n]]>']);
    expect(edgesOf(doc).map((e) => e.attrs.get('data-tensor'))).toEqual(['in"put', 'mid&', 'out<']);
    expect(all(doc, (e) => e.name === 'title')[0]!.text).toContain('a & b <c>');
  });
});

describe('graphSvg of an Engine', () => {
  const g = loadOnnx(model('light_resnet50'));
  const engine = build(g);
  const svg = parseXml(graphSvg(engine, { collapse: false, source: g, maxOrigins: 100 }));

  it('has one node element per layer, with its tactic and precision', () => {
    const nodes = nodesOf(svg);
    expect(nodes).toHaveLength(engine.layers.length);
    expect(nodes.map((n) => n.attrs.get('data-name'))).toEqual(engine.layers.map((l) => l.name));
    expect(nodes.map((n) => n.attrs.get('data-tactic'))).toEqual(engine.layers.map((l) => l.tactic));
    expect(nodes.map((n) => n.attrs.get('data-precision'))).toEqual(engine.layers.map(() => 'fp32'));
    for (const [k, n] of nodes.entries()) expect(all(n, (e) => e.name === 'text').map((t) => t.text)).toContain(engine.layers[k]!.tactic);
    checkEdges(svg);
    checkNoOverlap(svg);
  });

  it('draws a fused layer as a group listing the source nodes it absorbed, with their ops', () => {
    const fusedLayers = engine.layers.filter((l) => l.origin.length > 1);
    expect(fusedLayers.length).toBeGreaterThan(40);
    const byName = new Map(nodesOf(svg).map((n) => [n.attrs.get('data-name')!, n]));
    const sourceOp = new Map(g.nodes.map((n) => [n.name, n.op]));
    for (const l of fusedLayers) {
      const el = byName.get(l.name)!;
      expect(hasClass('fused')(el)).toBe(true);
      expect(JSON.parse(el.attrs.get('data-origin')!)).toEqual(l.origin);
      const rows = all(el, hasClass('origin'));
      expect(rows.map((r) => r.attrs.get('data-name'))).toEqual(l.origin);
      for (const r of rows) expect(r.children.find((c) => c.name === 'text')!.text).toContain(sourceOp.get(r.attrs.get('data-name')!) ?? r.attrs.get('data-name'));
    }
    const plain = engine.layers.find((l) => l.origin.length === 1)!;
    expect(all(byName.get(plain.name)!, hasClass('origin'))).toHaveLength(0);
  });

  it('lists at most maxOrigins absorbed nodes and counts the rest', () => {
    const small = parseXml(graphSvg(engine, { collapse: false, maxOrigins: 2 }));
    const four = nodesOf(small).find((n) => JSON.parse(n.attrs.get('data-origin') ?? '[]').length === 4)!;
    const rows = all(four, hasClass('origin'));
    expect(rows).toHaveLength(3);
    expect(rows[2]!.children.find((c) => c.name === 'text')!.text).toBe('+2 more');
  });

  it('ResNet-50 before and after fusion renders in one call', () => {
    const html = fusionHtml(g, engine);
    const svgs = html.split('<svg').length - 1;
    expect(svgs).toBe(2);
    expect(html).toContain(`${g.nodes.length} nodes`);
    expect(html).toContain(`${engine.layers.length} layers`);
  });
});

describe('colour by precision', async () => {
  const g = cnn();
  const table = await calibrate(g, [{ x: randomInput({ dtype: 'f32', shape: [2, 3, 10, 10] }, 1) }], { method: 'minmax' });

  it('int8 layers differ from fp32 ones, as describeEngine reports them; Q/DQ are the quantize family', () => {
    const engine = build(g, { precision: 'int8', calibration: table });
    const described = describeEngine(engine).layers;
    const svg = parseXml(graphSvg(engine, { color: 'precision' }));
    expect(svg.attrs.get('data-color')).toBe('precision');
    const nodes = nodesOf(svg);
    expect(nodes.map((n) => n.attrs.get('data-precision'))).toEqual(described.map((l) => (l.precision === 'f32' ? 'fp32' : l.precision === 'i8' ? 'int8' : l.precision)));
    const int8 = nodes.filter((n) => n.attrs.get('data-precision') === 'int8');
    const fp32 = nodes.filter((n) => n.attrs.get('data-precision') === 'fp32');
    expect(int8.length).toBeGreaterThan(0);
    expect(fp32.length).toBeGreaterThan(0);
    for (const n of int8) expect(mainRect(n).attrs.get('fill')).toBe(PRECISION_COLORS['int8']!.fill);
    for (const n of fp32) expect(mainRect(n).attrs.get('fill')).toBe(PRECISION_COLORS['fp32']!.fill);
    expect(PRECISION_COLORS['int8']!.fill).not.toBe(PRECISION_COLORS['fp32']!.fill);
    const byFamily = nodesOf(parseXml(graphSvg(engine)));
    const q = byFamily.filter((n) => ['QuantizeLinear', 'DequantizeLinear'].includes(n.attrs.get('data-op')!));
    expect(q.length).toBeGreaterThan(0);
    for (const n of q) expect(mainRect(n).attrs.get('fill')).toBe(FAMILY_COLORS.quantize.fill);
  });

  it('fp16 layers get the fp16 colour', () => {
    const engine = build(g, { precision: 'fp16', features: ['shader-f16'] });
    const nodes = nodesOf(parseXml(graphSvg(engine, { color: 'precision' })));
    const fp16 = nodes.filter((n) => n.attrs.get('data-precision') === 'fp16');
    expect(fp16.length).toBeGreaterThan(0);
    for (const n of fp16) expect(mainRect(n).attrs.get('fill')).toBe(PRECISION_COLORS['fp16']!.fill);
  });
});

describe('large graphs: DenseNet-121', () => {
  const g = loadOnnx(model('light_densenet121'));
  const engine = build(g);

  it('renders every node unfolded when asked, and folds repeated blocks by default', () => {
    const full = parseXml(graphSvg(g, { collapse: false }));
    expect(nodesOf(full)).toHaveLength(g.nodes.length);
    checkEdges(full);
    checkNoOverlap(full);

    expect(g.nodes.length).toBeGreaterThan(COLLAPSE_ABOVE);
    const folded = parseXml(graphSvg(g));
    const nodes = nodesOf(folded);
    const folds = nodes.filter(hasClass('fold'));
    // The four dense blocks: 6, 12, 24 and 16 dense layers of seven nodes each.
    expect(folds.map((f) => Number(f.attrs.get('data-repeat')))).toEqual([6, 12, 24, 16]);
    for (const f of folds) expect(f.attrs.get('data-op')).toBe('BatchNormalization → Mul → Add → Relu → Conv → BatchNormalization → Mul → Add → Relu → Conv → Concat');
    const members = nodes.reduce((s, n) => s + Number(n.attrs.get('data-members') ?? 1), 0);
    expect(members).toBe(g.nodes.length);
    expect(nodes.length).toBeLessThan(60);
    checkEdges(folded);
    checkNoOverlap(folded);
  });

  it('renders the optimized engine, unfolded and folded', () => {
    const full = parseXml(graphSvg(engine, { collapse: false }));
    expect(nodesOf(full)).toHaveLength(engine.layers.length);
    checkEdges(full);
    const folded = parseXml(graphSvg(engine, { collapse: true }));
    const members = nodesOf(folded).reduce((s, n) => s + Number(n.attrs.get('data-members') ?? 1), 0);
    expect(members).toBe(engine.layers.length);
    expect(nodesOf(folded).filter(hasClass('fold')).length).toBeGreaterThanOrEqual(4);
  });

  it('leaves ResNet-50 (under the threshold) unfolded by default, and folds its identity blocks when asked', () => {
    const r = loadOnnx(model('light_resnet50'));
    expect(nodesOf(parseXml(graphSvg(r)))).toHaveLength(r.nodes.length);
    const folds = nodesOf(parseXml(graphSvg(build(r), { collapse: true }))).filter(hasClass('fold'));
    // Identity blocks after each stage's projecting block: 2, 3, 5, 2.
    expect(folds.map((f) => Number(f.attrs.get('data-repeat')))).toEqual([2, 3, 5, 2]);
  });
});

describe('graphHtml', () => {
  const g = cnn();

  it('wraps the SVG in a scrolling, zoomable viewport with no external resource', () => {
    const html = graphHtml(g, { height: 400 });
    const svg = graphSvg(g);
    expect(html).toContain(svg);
    expect(html).toContain('overflow:auto');
    expect(html).toContain('max-height:400px');
    expect(html).toMatch(/<script>[\s\S]*addEventListener\('wheel'[\s\S]*<\/script>/);
    const key = /data-wgrt-view="(wgrt-[0-9a-f]{8})"/.exec(html)![1]!;
    expect(html).toContain(`[data-wgrt-view="${key}"]`);
    expect(html.replace(svg, '')).not.toMatch(/\s(src|href)=|url\(|@import|https?:\/\//);
    expect(svg.match(/https?:\/\/[^"]*/g)).toEqual(['http://www.w3.org/2000/svg']);
  });
});

describe('layeredLayout', () => {
  it('puts every edge downwards, from the bottom of its source to the top of its target, through dummies', () => {
    const boxes = [40, 60, 30, 50, 20].map((w) => ({ width: w, height: 20 }));
    const edges = [{ from: 0, to: 1 }, { from: 0, to: 2 }, { from: 1, to: 3 }, { from: 2, to: 3 }, { from: 0, to: 4 }, { from: 3, to: 4 }];
    const l = layeredLayout(boxes, edges);
    expect(l.boxes.map((b) => b.layer)).toEqual([0, 1, 1, 2, 3]);
    edges.forEach((e, k) => {
      const pts = l.edges[k]!;
      const from = l.boxes[e.from]!;
      const to = l.boxes[e.to]!;
      expect(pts[0]!.y).toBe(from.y + from.height);
      expect(pts[pts.length - 1]!.y).toBe(to.y);
      expect(pts[0]!.x).toBeGreaterThan(from.x);
      expect(pts[0]!.x).toBeLessThan(from.x + from.width);
      expect(pts.length).toBe(2 + 2 * (to.layer - from.layer - 1));
    });
    const row1 = [l.boxes[1]!, l.boxes[2]!].sort((a, b) => a.x - b.x);
    expect(row1[1]!.x).toBeGreaterThanOrEqual(row1[0]!.x + row1[0]!.width);
  });

  it('names the cycle when given one', () => {
    expect(() => layeredLayout([{ width: 1, height: 1 }, { width: 1, height: 1 }], [{ from: 0, to: 1 }, { from: 1, to: 0 }])).toThrow(/cycle/);
  });
});
