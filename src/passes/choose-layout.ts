// Memory-layout choice: which 4-D activations are stored channel-last ('nhwc', src/ir/layout.ts)
// instead of row-major. Channel-last lets a convolution run on conv.implicit_gemm_nhwc (every
// load and store a vec4), and an Int8Conv on conv.int8_nhwc (a packed word of 4 channels one
// vec4 load), when both its input and its output are channel-last. A tensor goes channel-last when
//   - a Conv/FusedConv/Int8Conv, a window pool (MaxPool, AveragePool) or a QuantizeLinear /
//     DequantizeLinear (element by element: its output as its input) writes it, it is a float or
//     an 8-bit integer tensor, and it is no graph output and no view's input or output
//     (a concat slice or a split part must stay a contiguous block of its row-major parent);
//   - its producer and every reader have a kernel for the layouts that results (the tactic
//     registry decides: a FusedConv reads its residual in its output's layout, a global pool reads
//     either, most ops only row-major);
//   - and it pays: some convolution reading or writing it gets a vec4 kernel, or a window pool or
//     a Q/DQ reads it whose output pays (the ResNet stem: conv, max pool, then vec4 convs; an
//     INT8 residual block's f32 output, quantized for the next block's first conv).
// Tensors are dropped from the channel-last set until all three hold (a fixpoint), so producers
// and readers always agree and no reformat (copy) layer is ever needed; `reformats: 0` in the
// trace says so. It runs last: views and fusions are final.
import { node, type Graph, type Node } from '../ir/graph.js';
import { LAYOUT_ATTR } from '../ir/layout.js';
import { layerInfo } from '../ir/layer.js';
import { isFloat } from '../ir/dtype.js';
import { candidates, type LayerInfo, type Tactic } from '../tactics/index.js';

/**
 * The candidates an fp32 build may use: a layout is chosen only where those can run it, so that
 * fp16 tactics (which take every layout, and need shader-f16) never decide it.
 */
const floatCandidates = (layer: LayerInfo): Tactic[] => candidates(layer).filter((t) => t.precision !== 'fp16');
import { VIEW_PRODUCERS } from './eliminate-concat.js';
import type { Pass } from './types.js';

/** Convolutions, with the input index of their residual. */
const CONVS = new Map([['Conv', 3], ['FusedConv', 3], ['Int8Conv', 6]]);
/** Ops whose output pays when their output does: window pools, and Q/DQ (output laid out as input). */
const PASS_THROUGH = new Set(['MaxPool', 'AveragePool', 'QuantizeLinear', 'DequantizeLinear']);
const VIEWS = new Set([...VIEW_PRODUCERS, 'ConcatView']);
const VEC4_CONVS = new Set(['conv.implicit_gemm_nhwc', 'conv.int8_nhwc']);

/** `g` with the producers of `channelLast` writing channel-last (and nothing else). */
function withLayouts(g: Graph, channelLast: ReadonlySet<string>): Graph {
  return g.with({
    nodes: g.nodes.map((n) => {
      const { [LAYOUT_ATTR]: _, ...rest } = n.attrs;
      const want = n.outputs.length === 1 && channelLast.has(n.outputs[0]!);
      return want || _ !== undefined ? node({ ...n, attrs: want ? { ...rest, [LAYOUT_ATTR]: 'nhwc' } : rest }) : n;
    }),
  });
}

function eligible(g: Graph, n: Node): boolean {
  const y = n.outputs[0];
  if (!(CONVS.has(n.op) || PASS_THROUGH.has(n.op)) || n.outputs.length !== 1 || !y || g.outputs.includes(y)) return false;
  const t = g.type(y);
  return t.shape.length === 4 && (isFloat(t.dtype) || t.dtype === 'i8' || t.dtype === 'u8') && !g.consumers(y).some((c) => VIEWS.has(c.op));
}

export const chooseLayout: Pass = {
  name: 'choose-layout',
  description: 'store convolution, window-pool and Q/DQ outputs channel-last where producer and readers agree and a vec4 conv kernel gains',
  run(g, ctx) {
    const set = new Set(g.nodes.filter((n) => eligible(g, n)).map((n) => n.outputs[0]!));
    for (let changed = true; changed && set.size > 0; ) {
      changed = false;
      const h = withLayouts(g, set);
      const drop = (t: string) => void (set.delete(t) && (changed = true));
      for (const n of h.nodes) {
        const touched = [...n.inputs, ...n.outputs].filter((t) => set.has(t));
        if (touched.length === 0) continue;
        const c = floatCandidates(layerInfo(h, n));
        if (c.length === 0) touched.forEach(drop); // no kernel for these layouts
      }
      if (changed) continue;
      // What pays: the input, residual and output of a convolution on a vec4 kernel.
      const gain = new Set<string>();
      for (const n of h.nodes) {
        const residual = CONVS.get(n.op);
        if (residual !== undefined && VEC4_CONVS.has(floatCandidates(layerInfo(h, n))[0]?.id ?? '')) [n.inputs[0]!, n.inputs[residual] ?? '', n.outputs[0]!].forEach((t) => gain.add(t));
      }
      for (const n of [...h.nodes].reverse()) {
        if (PASS_THROUGH.has(n.op) && set.has(n.outputs[0]!) && gain.has(n.outputs[0]!)) gain.add(n.inputs[0]!);
      }
      for (const t of [...set]) if (!gain.has(t)) drop(t);
    }
    if (set.size === 0) return g;
    const out = withLayouts(g, set);
    for (const n of out.nodes) {
      if (n.outputs.length === 1 && set.has(n.outputs[0]!)) ctx.record({ rule: 'channel-last', replaced: [n.name], produced: [n.name] });
    }
    return out;
  },
};
