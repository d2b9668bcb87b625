// The CLI on ONNX models: build and run with --shapes, inspect --coverage, export.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/commands.js';
import { importOnnx } from '../../src/frontend/onnx/index.js';
import { useGpu } from '../helpers/gpu.js';
import { CORPUS } from '../conformance/cases.js';
import { FLOAT, model, valueInfo } from '../frontend/onnx/model.js';

useGpu();
const dir = mkdtempSync(join(tmpdir(), 'wgrt-cli-onnx-'));

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    return { code: await main(args), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('wgrt CLI with ONNX models', () => {
  const dynamic = join(dir, 'dynamic.onnx');
  writeFileSync(dynamic, model({
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'ReduceSum', inputs: ['r'], outputs: ['y'], attrs: { keepdims: 0 } }],
    inputs: [valueInfo('x', FLOAT, ['batch', 4])],
    outputs: [valueInfo('y', FLOAT, [])],
  }));

  it('builds and runs a model whose input has a symbolic dim, given --shapes', async () => {
    await expect(cli('build', dynamic, '-o', join(dir, 'x.wgrt'))).rejects.toThrow(/symbolic dims \[batch, 4\]/);
    const engine = join(dir, 'dynamic.wgrt');
    expect((await cli('build', dynamic, '--shapes', 'x:8x4', '-o', engine)).code).toBe(0);
    const run = await cli('run', engine, '--backend', 'webgpu');
    expect(run.out).toMatch(/y: f32\[\] /);
    await expect(cli('build', dynamic, '--shapes', 'x=8x4', '-o', engine)).rejects.toThrow(/--shapes takes NAME:DIMxDIM/);
  });

  it('reports coverage: all nodes, or a table of the ones it cannot import', async () => {
    const ok = await cli('inspect', join(CORPUS, 'light/light_squeezenet/model.onnx'), '--coverage');
    expect(ok).toEqual({ code: 0, out: expect.stringMatching(/every node can be imported/) });
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, model({
      nodes: [{ op: 'NonMaxSuppression', inputs: ['x'], outputs: ['y'], name: 'nms' }],
      inputs: [valueInfo('x', FLOAT, [2, 4])],
      outputs: [valueInfo('y', FLOAT, [2])],
    }));
    const r = await cli('inspect', bad, '--coverage');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/1 node cannot be imported[\s\S]*nms\s+NonMaxSuppression\s+ai\.onnx\s+17\s+op NonMaxSuppression is not supported/);
  });

  it('exports a network to ONNX that imports back to the same graph', async () => {
    const file = join(dir, 'demo.onnx');
    expect((await cli('export', 'demo', '-o', file)).code).toBe(0);
    const g = importOnnx(new Uint8Array(readFileSync(file)));
    expect(g.name).toBe('demo-cnn');
    expect(g.outputs).toEqual(['probabilities']);
    expect(g.type('probabilities').shape).toEqual([1, 10]);
    const inspect = await cli('inspect', file);
    expect(inspect.out).toMatch(/engine 'demo-cnn': \d+ layers, standing for 23 source nodes/);
  });
});
