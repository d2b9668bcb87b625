import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ModelFormatError } from '../../errors.js';
import { decodeModel, int, type Int64 } from './proto.js';

/** A graph input of an ONNX model as declared: a number per fixed dim, the dim's name (or '?') per symbolic one. */
export interface DeclaredInput {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

/** The inputs an .onnx file declares (not its initializers), read without importing the model. */
export function declaredInputs(path: string): DeclaredInput[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ModelFormatError(`cannot read '${path}': ${(e as Error).message}`);
  }
  const what = basename(path);
  const g = decodeModel(bytes, what).graph;
  if (!g) throw new ModelFormatError(`${what} has no graph`);
  const consts = new Set((g.initializer ?? []).map((t) => t.name));
  return (g.input ?? []).filter((vi) => !consts.has(vi.name)).map((vi) => ({
    name: vi.name ?? '',
    // `value` names the member of the dim's oneof that is set (protobufjs), as in import.ts.
    dims: (vi.type?.tensorType?.shape?.dim ?? []).map((d, i) => ((d as { value?: string }).value === 'dimValue' ? int(d.dimValue as Int64, `${what}: input '${vi.name}' dim ${i}`) : d.dimParam || '?')),
  }));
}
