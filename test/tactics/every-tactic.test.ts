// The op suite once per tactic: every ONNX conformance node case is built again with each tactic
// pinned wherever it supports a layer (a selector, as `--force-tactic` does by name), run on
// WebGPU and compared with ONNX's expected outputs. So every variant is tested on the whole
// suite, not only the one the default choice or the autotuner would pick. A tactic the suite
// cannot reach (it needs a layout or a fused op that no single-op case produces) must say which
// test covers it instead.
import { afterAll, describe, expect, it } from 'vitest';
import { build } from '../../src/engine/engine.js';
import { releaseDevices } from '../../src/runtime/device.js';
import { TACTICS, type Tactic } from '../../src/tactics/index.js';
import { corpus, hasCorpus, loadCase, mismatch, RANDOM_CASES, type CaseInfo } from '../conformance/cases.js';

/** Tactics no conformance case reaches, and the test that runs them instead. */
const COVERED_ELSEWHERE: Readonly<Record<string, string>> = {
  'conv.implicit_gemm': 'the conformance convs are smaller than it claims (K and batch x pixels >= 16): test/tactics/conv-implicit-gemm.test.ts',
  'conv.implicit_gemm_nhwc': 'channel-last layouts come from fusion passes: test/tactics/conv-implicit-gemm.test.ts',
  'conv.fused': 'FusedConv comes from fusion: test/tactics/fused.test.ts',
  'conv.depthwise': 'no conformance case is a depthwise conv: test/tactics/conv-depthwise.test.ts',
  'conv.int8_implicit_gemm': 'Int8Conv comes from Q/DQ rewriting: test/tactics/int8-conv.test.ts',
  'conv.int8_direct': 'Int8Conv comes from Q/DQ rewriting: test/tactics/int8-conv.test.ts',
  'conv.int8_mma': 'needs subgroup matrices (the H100): test/tactics/int8-conv.test.ts runs it where the adapter has them, test/bench/int8-gemm.ts on the H100',
  'conv.int8_nhwc': 'Int8Conv on channel-last activations comes from Q/DQ rewriting and choose-layout: test/tactics/int8-nhwc.test.ts, test/passes/choose-layout.test.ts',
  'gemm.vec4': 'no conformance Gemm/MatMul has K and N multiples of 4 with constant operands: test/tactics/gemm.test.ts',
  'gemm.blocked': 'no conformance Gemm/MatMul has K and N multiples of 4: test/tactics/gemm.test.ts',
  'gemm.fused': 'FusedGemm and FusedMatMul come from fusion: test/tactics/fused.test.ts',
  'conv.implicit_gemm_f16': 'fp16 tactics run only in fp16 builds, to f16 tolerances, not the conformance ones: test/tactics/fp16.test.ts',
  'gemm.tiled_f16': 'fp16 tactics run only in fp16 builds, to f16 tolerances, not the conformance ones: test/tactics/fp16.test.ts',
  'norm.layer': 'every conformance LayerNormalization also outputs its statistics (norm.layer_stats): test/tactics/norm.test.ts',
  'norm.lrn': 'the corpus has no LRN case: test/tactics/lrn.test.ts',
  'pointwise.chain': 'PointwiseChain comes from fusion: test/tactics/pointwise-chain.test.ts',
  'view.concat': 'ConcatView comes from concat elimination: test/passes/eliminate-concat.test.ts',
  'view.split': 'SplitView comes from concat elimination: test/passes/eliminate-concat.test.ts',
};

afterAll(async () => {
  await releaseDevices();
});

const cases = hasCorpus() ? corpus().filter((c) => c.group === 'node' && !RANDOM_CASES[c.name]) : [];

/**
 * Runs case `c` with `t` pinned where it applies, once as the case is and once with every input
 * but the first a constant (weights, as in a model: some tactics need constant operands).
 * Returns undefined when `t` ran nowhere new, else the mismatches ('' when it passed).
 */
async function runPinned(c: CaseInfo, t: Tactic): Promise<string | undefined> {
  let result: string | undefined;
  for (const constantOperands of [false, true]) {
    let loaded;
    try {
      loaded = loadCase(c, { constantOperands });
    } catch {
      continue; // the case does not import this way (the conformance suite reports those)
    }
    const pinned = build(loaded.graph, { select: (_, cands) => (cands.includes(t) ? t.id : undefined) });
    const plain = build(loaded.graph);
    if (!pinned.layers.some((l, i) => l.tactic === t.id && plain.layers[i]?.tactic !== t.id)) continue; // not used, or the default already
    const ctx = await pinned.createContext({ backend: 'webgpu' });
    try {
      const out = await ctx.run(loaded.feeds);
      const why = loaded.graph.outputs.map((name, i) => mismatch(out[name], loaded.expected[i]!, c.tolerance) && `output '${name}': ${mismatch(out[name], loaded.expected[i]!, c.tolerance)}`).find(Boolean);
      result = [result, why && `${constantOperands ? 'constant operands, ' : ''}${why}`].filter(Boolean).join('; ');
    } finally {
      ctx.release();
    }
  }
  return result;
}

describe.runIf(cases.length > 0)('every tactic on the ONNX node cases of its ops', () => {
  it('COVERED_ELSEWHERE names registered tactics', () => {
    expect(Object.keys(COVERED_ELSEWHERE).filter((id) => !TACTICS.some((t) => t.id === id))).toEqual([]);
  });
  for (const t of TACTICS) {
    it(t.id, async () => {
      const mine = cases.filter((c) => t.ops.some((op) => c.primary_op === op || c.name.toLowerCase().includes(op.toLowerCase())));
      const failures: string[] = [];
      let ran = 0;
      for (const c of mine) {
        const r = await runPinned(c, t);
        if (r === undefined) continue;
        ran++;
        if (r) failures.push(`${c.name}: ${r}`);
      }
      expect(failures).toEqual([]);
      // Either the default everywhere (the plain suite runs it), newly run here, or covered elsewhere.
      const isDefaultSomewhere = mine.some((c) => [false, true].some((constantOperands) => {
        try {
          return build(loadCase(c, { constantOperands }).graph).layers.some((l) => l.tactic === t.id);
        } catch {
          return false;
        }
      }));
      expect(ran > 0 || isDefaultSomewhere || t.id in COVERED_ELSEWHERE, `${t.id} runs on no conformance case: add a case, or say in COVERED_ELSEWHERE which test runs it`).toBe(true);
    }, 300_000);
  }
});
