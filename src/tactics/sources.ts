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

// ---- kernels that do not live under kernels/ ------------------------------------------------
// A plugin's WGSL comes as text (src/plugins): it is registered under the id
// 'plugin:<plugin name>/<file>', which plans name as their `kernel` like any path under kernels/.

export const PLUGIN_KERNEL_PREFIX = 'plugin:';
const registered = new Map<string, string>();

export function isPluginKernel(path: string): boolean {
  return path.startsWith(PLUGIN_KERNEL_PREFIX);
}

/** Makes `text` the WGSL of kernel id `id` (which starts with 'plugin:'). */
export function registerKernelSource(id: string, text: string): void {
  if (!isPluginKernel(id)) throw new DeviceError(`kernel id '${id}' must start with '${PLUGIN_KERNEL_PREFIX}' (paths without it name files under kernels/)`);
  registered.set(id, text);
}

export function unregisterKernelSource(id: string): boolean {
  return registered.delete(id);
}

/** How messages name a kernel: its file under kernels/, or its plugin id. */
export function kernelLabel(path: string): string {
  return isPluginKernel(path) ? path : `kernels/${path}`;
}

function body(path: string): string {
  if (!isPluginKernel(path)) return read(path);
  const text = registered.get(path);
  if (text === undefined) {
    const plugin = path.slice(PLUGIN_KERNEL_PREFIX.length).split('/')[0];
    throw new DeviceError(`kernel '${path}' is not registered: plugin '${plugin}' must be registered (registerPlugin(...)) before its layers are built or run`);
  }
  return text;
}

/**
 * The full WGSL of a kernel: the common prelude, then the kernel file (or a plugin's text),
 * where each line `// #include common/<file>.wgsl` stands for that file (a library of functions,
 * e.g. the unary functions that the pointwise kernel and the conv and GEMM epilogues share).
 */
export function kernelSource(path: string): string {
  const text = body(path).replace(/^\/\/ #include (\S+)[ \t]*$/gm, (_, lib: string) => read(lib));
  // WGSL wants `enable` directives (e.g. `enable subgroups;`) before any declaration: above the prelude.
  const enables = text.match(/^enable [^;]+;[ \t]*$/gm) ?? [];
  const rest = text.replace(/^enable [^;]+;[ \t]*$/gm, '');
  return `${enables.join('\n')}${enables.length ? '\n' : ''}${read('common/prelude.wgsl')}\n${rest}`;
}

/**
 * What identifies a kernel's compiled pipeline: the path for files under kernels/ (fixed for the
 * process), the id and content hash for a plugin's (its text may be registered again, changed).
 */
export function kernelCacheKey(path: string): string {
  return isPluginKernel(path) ? `${path}#${kernelHash(path)}` : path;
}

/** Content hash of a kernel's full source, recorded in engine files. */
export function kernelHash(path: string): string {
  return createHash('sha256').update(kernelSource(path)).digest('hex').slice(0, 16);
}
