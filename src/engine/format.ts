import { createHash } from 'node:crypto';
import { EngineFormatError } from '../errors.js';

/**
 * Engine file layout (little-endian):
 *   0  magic "WGRTENG\0"          8 bytes
 *   8  format version             u32
 *  12  manifest length (bytes)    u32
 *  16  weight blob length (bytes) u32
 *  20  reserved (0)               u32
 *  24  manifest (UTF-8 JSON), zero-padded to a multiple of 64
 *   …  weight blob (each weight 64-byte aligned inside it)
 *   …  SHA-256 of everything before it, 32 bytes
 * Nothing is allocated from a file before the sizes and the checksum agree.
 */
export const MAGIC = new TextEncoder().encode('WGRTENG\0');
export const FORMAT_VERSION = 1;
const HEADER = 24;
const DIGEST = 32;
export const WEIGHT_ALIGN = 64;

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function pack(manifest: unknown, blob: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const manifestEnd = alignUp(HEADER + json.length, WEIGHT_ALIGN);
  const total = manifestEnd + blob.length + DIGEST;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  view.setUint32(16, blob.length, true);
  out.set(json, HEADER);
  out.set(blob, manifestEnd);
  out.set(createHash('sha256').update(out.subarray(0, total - DIGEST)).digest(), total - DIGEST);
  return out;
}

/** Checks magic, version, sizes and checksum; returns the parsed manifest and the blob view. */
export function unpack(bytes: Uint8Array, source = 'engine file'): { manifest: unknown; blob: Uint8Array } {
  const fail = (why: string, todo = 'rebuild the engine with `wgrt build`') => new EngineFormatError(`${source}: ${why}; ${todo}`);
  if (bytes.length < HEADER + DIGEST) throw fail(`only ${bytes.length} bytes, too short for an engine (truncated?)`);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw fail('not a wgrt engine (wrong magic bytes)', 'pass a file written by `wgrt build` or engine.serialize()');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) throw fail(`format version ${version}, this wgrt reads version ${FORMAT_VERSION}`);
  const manifestLen = view.getUint32(12, true);
  const blobLen = view.getUint32(16, true);
  const manifestEnd = alignUp(HEADER + manifestLen, WEIGHT_ALIGN);
  const expected = manifestEnd + blobLen + DIGEST;
  if (view.getUint32(20, true) !== 0) throw fail('reserved header field is not zero (corrupt header)');
  if (expected !== bytes.length) {
    throw fail(`header says ${expected} bytes, the file has ${bytes.length} (${bytes.length < expected ? 'truncated' : 'trailing data'})`);
  }
  const digest = createHash('sha256').update(bytes.subarray(0, bytes.length - DIGEST)).digest();
  if (!digest.every((b, i) => bytes[bytes.length - DIGEST + i] === b)) throw fail('checksum mismatch (the file is corrupt)');
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + manifestLen)));
  } catch (e) {
    throw fail(`manifest is not valid JSON (${(e as Error).message})`);
  }
  return { manifest, blob: bytes.subarray(manifestEnd, manifestEnd + blobLen) };
}
