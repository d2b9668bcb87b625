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

/**
 * The full WGSL of a kernel: the common prelude, then the kernel file, where each line
 * `// #include common/<file>.wgsl` stands for that file (a library of functions, e.g. the unary
 * functions that the pointwise kernel and the conv and GEMM epilogues share).
 */
export function kernelSource(path: string): string {
  const body = read(path).replace(/^\/\/ #include (\S+)[ \t]*$/gm, (_, lib: string) => read(lib));
  return `${read('common/prelude.wgsl')}\n${body}`;
}

/** Content hash of a kernel's full source, recorded in engine files. */
export function kernelHash(path: string): string {
  return createHash('sha256').update(kernelSource(path)).digest('hex').slice(0, 16);
}
