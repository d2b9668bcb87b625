/**
 * Fusion, one pass at a time: the optimizer's trace (src/passes/pipeline.ts, `optimize(g).trace`,
 * or `engine.trace`) as a sequence of steps, each pass that changed the graph drawn before and
 * after, with what it replaced and what it produced outlined (graph-view.ts `highlight`), and its
 * rewrites listed by rule. Passes that matched nothing are named after the step before them (or
 * at the top), so the whole pipeline is accounted for.
 */
import type { Graph } from '../ir/graph.js';
import type { TraceEntry } from '../passes/types.js';
import { graphHtml, type GraphViewOptions } from './graph-view.js';
import { escapeXml } from './svg.js';

export interface FusionStepsOptions extends GraphViewOptions {
  /** Height of each drawing's viewport in pixels (default 420). */
  readonly height?: number;
  /** Most rewrites listed per pass; the rest are counted (default 12). */
  readonly maxRewrites?: number;
}

/** One pass that changed the graph: its place in the pipeline, and the graphs around it. */
export interface FusionStep {
  readonly index: number;
  readonly entry: TraceEntry;
  readonly before: Graph;
  /** Passes after this one that matched nothing, up to the next step. */
  readonly quiet: readonly string[];
}

/** The passes of `trace` that rewrote something, each with the graph it started from. */
export function fusionSteps(network: Graph, trace: readonly TraceEntry[]): FusionStep[] {
  const steps: { index: number; entry: TraceEntry; before: Graph; quiet: string[] }[] = [];
  let before = network;
  trace.forEach((entry, index) => {
    if (entry.rewrites.length > 0) steps.push({ index, entry, before, quiet: [] });
    else steps[steps.length - 1]?.quiet.push(entry.pass); // those before the first step: fusionStepsHtml names them
    before = entry.graph;
  });
  return steps;
}

/**
 * The steps as HTML: per pass, a heading (pass, what it does, nodes before and after), its
 * rewrites, and the graph before (what it replaced outlined) beside the graph after (what it
 * produced outlined). One call in a notebook: `show(fusionStepsHtml(g, optimize(g).trace))`.
 */
export function fusionStepsHtml(network: Graph, trace: readonly TraceEntry[], opts: FusionStepsOptions = {}): string {
  const steps = fusionSteps(network, trace);
  const max = opts.maxRewrites ?? 12;
  const height = opts.height ?? 420;
  const quietBefore = trace.slice(0, steps[0]?.index ?? trace.length).map((e) => e.pass);
  const parts = [`<div class="wgrt-fusion-steps" style="font-family:sans-serif;font-size:13px">`];
  parts.push(`<p>${trace.length} passes ran; ${steps.length} changed the graph (${network.nodes.length} nodes → ${trace[trace.length - 1]?.nodesAfter ?? network.nodes.length}).${quietBefore.length ? ` Matched nothing first: ${escapeXml(quietBefore.join(', '))}.` : ''}</p>`);
  steps.forEach((s, k) => {
    const e = s.entry;
    const replaced = e.rewrites.flatMap((r) => r.replaced);
    const produced = e.rewrites.flatMap((r) => r.produced);
    const rows = e.rewrites.slice(0, max).map((r) => `<li><code>${escapeXml(r.rule)}</code>: ${escapeXml(r.replaced.join(', '))} → ${escapeXml(r.produced.join(', ') || '(removed)')}</li>`);
    if (e.rewrites.length > max) rows.push(`<li>… and ${e.rewrites.length - max} more</li>`);
    const pane = (html: string) => `<div style="flex:1 1 0;min-width:0">${html}</div>`;
    parts.push(
      `<section class="wgrt-fusion-step" data-pass="${escapeXml(e.pass)}" style="margin:12px 0 20px">` +
        `<h4 style="margin:4px 0">Step ${k + 1}: ${escapeXml(e.pass)} <span style="font-weight:normal;color:#555">(${e.nodesBefore} → ${e.nodesAfter} nodes)</span></h4>` +
        `<div style="color:#333">${escapeXml(e.description)}</div><ul style="margin:4px 0">${rows.join('')}</ul>` +
        `<div style="display:flex;gap:8px;align-items:flex-start">` +
        pane(graphHtml(s.before, { ...opts, height, highlight: replaced, title: `before ${e.pass}: ${s.before.nodes.length} nodes, outlined: replaced` })) +
        pane(graphHtml(e.graph, { ...opts, height, highlight: produced, title: `after ${e.pass}: ${e.graph.nodes.length} nodes, outlined: produced` })) +
        `</div>` +
        (s.quiet.length ? `<div style="color:#777;margin-top:4px">Then matched nothing: ${escapeXml(s.quiet.join(', '))}.</div>` : '') +
        `</section>`,
    );
  });
  parts.push('</div>');
  return parts.join('\n');
}
