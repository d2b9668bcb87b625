import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DeviceError } from '../errors.js';

// kernels/ sits two folders above this file both in src/tactics and in dist/tactics (and in
// bundles staged under .gpu/app for the GPU machine).
const KERNELS_ROOT = new URL('../../kernels/', import.meta.url);
const cache = new Map<string, string>();

function read(path: string): string {
  let s = cache.get(path);
  if (s === undefined) {
    try {
      s = readFileSync(new URL(path, KERNELS_ROOT), 'utf8');
    } catch (e) {
      throw new DeviceError(`kernel source 'kernels/${path}' cannot be read (${(e as Error).message}); is the package installed whole?`);
    }
    cache.set(path, s);
  }
  return s;
}

/** The full WGSL of a kernel: the common prelude, then the kernel file. */
export function kernelSource(path: string): string {
  return `${read('common/prelude.wgsl')}\n${read(path)}`;
}

/** Content hash of a kernel's full source, recorded in engine files. */
export function kernelHash(path: string): string {
  return createHash('sha256').update(kernelSource(path)).digest('hex').slice(0, 16);
}
