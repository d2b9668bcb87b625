// Mutated real model files (bit flips, truncation, byte runs, re-encoded field changes): each
// import ends in a typed WgrtError or a valid graph, never a crash, a hang or a huge allocation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WgrtError } from '../../../src/errors.js';
import { importOnnx } from '../../../src/frontend/onnx/index.js';
import { onnx } from '../../../src/frontend/onnx/proto.js';
import { verify } from '../../../src/ir/verify.js';
import { rng } from '../../helpers/data.js';
import { CORPUS } from '../../conformance/cases.js';

const MODELS = [
  'light/light_squeezenet',
  'node/test_conv_with_strides_padding',
  'node/test_logsoftmax_axis_0_expanded',
  'node/test_layer_normalization_4d_axis1_expanded',
  'node/test_maxpool_2d_pads',
  'node/test_concat_3d_axis_1',
  'node/test_gemm_alpha',
  'node/test_constant',
].map((p) => new Uint8Array(readFileSync(join(CORPUS, p, 'model.onnx'))));

type Outcome = 'graph' | 'typed error';

function tryImport(bytes: Uint8Array): Outcome {
  const heapBefore = process.memoryUsage().heapUsed;
  try {
    const g = importOnnx(bytes, { source: 'fuzzed.onnx' });
    verify(g);
    return 'graph';
  } catch (e) {
    if (e instanceof WgrtError) return 'typed error';
    throw new Error(`untyped ${(e as Error).name}: ${(e as Error).message}`, { cause: e });
  } finally {
    // Nothing the limits forbid was allocated (weights of these models are far below 512 MiB).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(512 * 2 ** 20);
  }
}

function mutateBytes(src: Uint8Array, r: () => number): Uint8Array {
  const b = new Uint8Array(src);
  const kind = Math.floor(r() * 4);
  if (kind === 0) {
    const flips = 1 + Math.floor(r() * 8);
    for (let i = 0; i < flips; i++) b[Math.floor(r() * b.length)]! ^= 1 << Math.floor(r() * 8);
    return b;
  }
  if (kind === 1) return b.subarray(0, Math.floor(r() * b.length));
  if (kind === 2) {
    const at = Math.floor(r() * b.length);
    const len = 1 + Math.floor(r() * 16);
    for (let i = at; i < Math.min(b.length, at + len); i++) b[i] = Math.floor(r() * 256);
    return b;
  }
  // an inserted varint-looking run (lengths that claim far more than the file has)
  const at = Math.floor(r() * b.length);
  const run = Uint8Array.from({ length: 5 }, (_, i) => (i < 4 ? 0xff : 0x0f));
  const out = new Uint8Array(b.length + run.length);
  out.set(b.subarray(0, at));
  out.set(run, at);
  out.set(b.subarray(at), at + run.length);
  return out;
}

const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;
const HOSTILE_INTS = [-1, 0, 2 ** 31, 2 ** 40, -(2 ** 33), 7, 1e9];

/** Decodes, changes one field to a hostile value, re-encodes. */
function mutateFields(src: Uint8Array, r: () => number): Uint8Array {
  const m = onnx.ModelProto.decode(src);
  const g = m.graph!;
  const nodes = g.node ?? [];
  const inits = g.initializer ?? [];
  switch (Math.floor(r() * 10)) {
    case 0: if (inits.length) pick(inits, r).dims = [pick(HOSTILE_INTS, r), 3]; break;
    case 1: if (inits.length) pick(inits, r).dataType = Math.floor(r() * 30); break;
    case 2: if (nodes.length) pick(nodes, r).opType = pick(['Conv', 'Loop', 'Foo', '', 'Reshape', 'Split'], r); break;
    case 3: if (nodes.length) pick(nodes, r).input!.push(pick(['', 'nowhere', nodes[0]!.output![0] ?? 'x'], r)); break;
    case 4: if (nodes.length) { const n = pick(nodes, r); n.output = [...(n.output ?? []), pick(nodes, r).output?.[0] ?? 'y']; } break;
    case 5: m.opsetImport = [{ domain: '', version: pick([0, 1, 6, 13, 99, 2 ** 40], r) }]; break;
    case 6: if (nodes.length) { const a = pick(nodes, r).attribute ?? []; if (a.length) { const x = pick(a, r); x.type = Math.floor(r() * 15); x.ints = [pick(HOSTILE_INTS, r)]; x.i = pick(HOSTILE_INTS, r); } } break;
    case 7: { const i = g.input ?? []; if (i.length) { const d = pick(i, r).type?.tensorType?.shape?.dim ?? []; if (d.length) pick(d, r).dimValue = pick(HOSTILE_INTS, r); } break; }
    case 8: if (nodes.length > 1) { const a = pick(nodes, r); const b = pick(nodes, r); a.input = [...(b.output ?? [])]; b.input = [...(a.output ?? [])]; } break; // cycles
    default: if (inits.length) { const t = pick(inits, r); t.rawData = t.rawData?.subarray(0, Math.floor(r() * (t.rawData?.length ?? 0))) ?? null; } break;
  }
  return onnx.ModelProto.encode(m).finish();
}

describe('ONNX import fuzzing', () => {
  it('ends every one of 2,400 mutated models in a typed error or a valid graph', () => {
    const r = rng(20261122);
    const outcomes = { graph: 0, 'typed error': 0 };
    for (let i = 0; i < 2400; i++) {
      const src = MODELS[i % MODELS.length]!;
      const bytes = i % 2 === 0 ? mutateBytes(src, r) : mutateFields(src, r);
      outcomes[tryImport(bytes)]++;
    }
    // Both outcomes occur: the mutations reach past the protobuf decoder into the importer.
    expect(outcomes.graph).toBeGreaterThan(50);
    expect(outcomes['typed error']).toBeGreaterThan(500);
  });

  it('imports every unmutated model', () => {
    for (const m of MODELS) expect(tryImport(m)).toBe('graph');
  });
});
