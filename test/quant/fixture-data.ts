// The calibration datasets of fixtures/calibrators.json, made again in TypeScript: the same recipes
// as make_batch() in fixtures/make_fixtures.py, from mulberry32 with + - * / and sqrt only (all
// correctly rounded), so both languages produce the same float32 values bit for bit.
import { mulberry32 } from '../../src/frontend/fluent/init.js';

export interface BatchSpec {
  readonly kind: 'normal' | 'heavy' | 'uniform' | 'relu' | 'spike' | 'zeros';
  readonly n: number;
  readonly seed: number;
  readonly scale: number;
}

export function makeBatch(b: BatchSpec): Float32Array {
  const r = mulberry32(b.seed);
  const out = new Float32Array(b.n);
  for (let i = 0; i < b.n; i++) {
    const u = Array.from({ length: 13 }, r);
    let z = u[0]!;
    for (let j = 1; j < 12; j++) z += u[j]!; // Irwin-Hall: close to N(0, 1), and exact
    z -= 6;
    const last = u[12]!;
    switch (b.kind) {
      case 'normal': out[i] = b.scale * z; break;
      case 'heavy': out[i] = (b.scale * z) / Math.sqrt(1 - last); break;
      case 'uniform': out[i] = (2 * last - 1) * b.scale; break;
      case 'relu': out[i] = Math.max(b.scale * z, 0); break;
      case 'spike': out[i] = last < 0.9 ? 0 : b.scale * z; break;
      case 'zeros': out[i] = 0; break;
    }
  }
  return out;
}
