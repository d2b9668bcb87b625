import { readFileSync } from 'node:fs';
import { allocate, BYTES_PER_ELEMENT } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import { randomInput } from '../ir/random.js';
import { fromNumbers, sizeOf, tensor, type Tensor } from '../ir/tensor.js';
import { CliError } from './load.js';

export { randomInput };

/** Feeds for a graph from `NAME=FILE` options; inputs not given get seeded random data. */
export function readInputs(g: Graph, specs: readonly string[], seed: number): Record<string, Tensor> {
  const inputs = g.inputs.filter((i) => !g.initializers.has(i.name));
  const feeds: Record<string, Tensor> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, eq);
    const file = spec.slice(eq + 1);
    const inp = inputs.find((i) => i.name === name);
    if (eq < 1 || !inp) throw new CliError(`--input '${spec}': expected NAME=FILE with NAME one of ${inputs.map((i) => i.name).join(', ')}`);
    const n = sizeOf(inp.type.shape);
    let raw: Buffer;
    try {
      raw = readFileSync(file);
    } catch (e) {
      throw new CliError(`--input ${name}: cannot read '${file}' (${(e as Error).message})`);
    }
    if (file.endsWith('.json')) {
      let values: unknown;
      try {
        values = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new CliError(`--input ${name}: '${file}' is not valid JSON`);
      }
      const flat = Array.isArray(values) ? (values.flat(Infinity) as unknown[]) : [];
      if (flat.length !== n || !flat.every((v) => typeof v === 'number')) {
        throw new CliError(`--input ${name}: '${file}' must hold ${n} numbers for shape [${inp.type.shape.join(', ')}], found ${flat.length}`);
      }
      feeds[name] = tensor(inp.type.dtype, inp.type.shape, fromNumbers(inp.type.dtype, flat as number[]));
    } else {
      const need = n * BYTES_PER_ELEMENT[inp.type.dtype];
      if (raw.length !== need) throw new CliError(`--input ${name}: '${file}' has ${raw.length} bytes; ${inp.type.dtype}[${inp.type.shape.join(', ')}] needs ${need}`);
      const data = allocate(inp.type.dtype, n);
      new Uint8Array(data.buffer).set(raw);
      feeds[name] = tensor(inp.type.dtype, inp.type.shape, data);
    }
  }
  for (const [i, inp] of inputs.entries()) feeds[inp.name] ??= randomInput(inp.type, seed + i);
  return feeds;
}
