// The text views of `wgrt inspect` (and the script step `inspect`): an engine's layers and memory, a network's nodes.
import type { EngineDescription } from '../engine/describe.js';
import type { LintFinding } from '../engine/lint.js';
import type { Graph } from '../ir/graph.js';
import { shapeToString } from '../ir/tensor.js';
import { bytes, table } from './table.js';

const io = (ts: EngineDescription['inputs']) => ts.map((i) => `${i.name} ${i.dtype}[${i.shape.join('x')}]`).join(', ');

/** Layers (op, origin, tactic, precision, layout, slots), layouts, memory plan and kernels. */
export function formatEngine(d: EngineDescription): string {
  const channelLast = d.layers.filter((l) => l.layout === 'nhwc').length;
  const packed = d.layers.filter((l) => l.packed).length;
  return [
    `engine '${d.name}': ${d.layers.length} layers, standing for ${d.sourceNodes} source nodes`,
    `inputs:  ${io(d.inputs)}`,
    `outputs: ${io(d.outputs)}\n`,
    table(['#', 'layer', 'op', 'origin', 'tactic', 'prec', 'layout', 'in', 'out', 'slot'], d.layers.map((l, i) => [
      i, l.name, l.op, l.origin.join(','), l.tactic, l.precision, l.layout, l.inputs.join(' '), l.output, l.slot.join(','),
    ])),
    `\nlayouts: ${channelLast} layer${channelLast === 1 ? '' : 's'} write channel-last (nhwc${packed ? `; ${packed} of them int8, packed 4 channels to a word` : ''}), ${d.layers.length - channelLast} row-major; ${d.reformats} reformat layer${d.reformats === 1 ? '' : 's'}`,
    ...(d.precisionReformats.layers.length ? [`precision: ${d.precisionReformats.quantize} quantize and ${d.precisionReformats.dequantize} dequantize layer${d.precisionReformats.layers.length === 1 ? '' : 's'} where int8 meets float (${d.precisionReformats.layers.join(', ')})`] : []),
    `memory: ${d.memory.slots} activation buffers, ${bytes(d.memory.peakBytes)} planned vs ${bytes(d.memory.unplannedBytes)} without reuse; scratch ${bytes(d.memory.scratchBytes)}; weights ${bytes(d.weightsBytes)}`,
    `kernels: ${Object.keys(d.kernels).join(', ')}`,
    ...(d.adapter ? [`tuned on: ${d.adapter}`] : []),
  ].join('\n');
}

/** A typed network's nodes: op, inputs, outputs with their types. */
export function formatNetwork(g: Graph): string {
  const typeOf = (t: string) => (t && g.types.has(t) ? `${t}: ${g.type(t).dtype}${shapeToString(g.type(t).shape)}` : t || '_');
  const weights = [...g.initializers.values()].reduce((s, t) => s + t.data.byteLength, 0);
  return [
    `network '${g.name}': ${g.nodes.length} nodes, ${g.initializers.size} weights (${bytes(weights)})`,
    `inputs:  ${g.inputs.filter((i) => !g.initializers.has(i.name)).map((i) => typeOf(i.name)).join(', ')}`,
    `outputs: ${g.outputs.map(typeOf).join(', ')}\n`,
    table(['#', 'node', 'op', 'in', 'out'], g.nodes.map((n, i) => [i, n.name, n.op, n.inputs.map((t) => t || '_').join(' '), n.outputs.map(typeOf).join(', ')])),
  ].join('\n');
}

/** `inspect --lint`: the findings rule by rule, each with its layers and what to change. */
export function formatLint(name: string, findings: readonly LintFinding[]): string {
  if (!findings.length) return `engine '${name}': no patterns that cost speed found`;
  const rules = [...new Set(findings.map((f) => f.rule))];
  return [
    `engine '${name}': ${findings.length} finding${findings.length === 1 ? '' : 's'} (${rules.map((r) => `${findings.filter((f) => f.rule === r).length} ${r}`).join(', ')})`,
    ...findings.map((f) => `\n[${f.rule}] ${f.layers.join(', ')}\n  ${f.message}\n  fix: ${f.fix}`),
  ].join('\n');
}
