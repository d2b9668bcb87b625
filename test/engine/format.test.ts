import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { build, Engine } from '../../src/engine/engine.js';
import { EngineFormatError } from '../../src/errors.js';
import { demoNetwork } from '../../src/cli/demo-network.js';
import { rng } from '../helpers/data.js';

const engine = build(demoNetwork());
const bytes = engine.serialize();

function expectTyped(mutated: Uint8Array, label: string): void {
  let err: unknown;
  try {
    Engine.deserialize(mutated);
  } catch (e) {
    err = e;
  }
  expect(err, `${label}: was accepted`).toBeInstanceOf(EngineFormatError);
}

function reseal(b: Uint8Array): Uint8Array {
  const out = b.slice();
  out.set(createHash('sha256').update(out.subarray(0, out.length - 32)).digest(), out.length - 32);
  return out;
}

describe('engine file', () => {
  it('is deterministic: the same graph gives the same bytes', () => {
    expect(Buffer.from(build(demoNetwork()).serialize()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('round-trips the graph, the layers and the memory plan', () => {
    const back = Engine.deserialize(bytes);
    expect(back.layers).toEqual(engine.layers);
    expect(back.memory).toEqual(engine.memory);
    expect(Buffer.from(back.serialize()).equals(Buffer.from(bytes))).toBe(true);
  });

  it('rejects wrong magic, wrong version, truncation and trailing data with typed errors', () => {
    const magic = bytes.slice();
    magic[0] = 0x50;
    expect(() => Engine.deserialize(magic)).toThrow(/wrong magic/);
    const version = bytes.slice();
    new DataView(version.buffer).setUint32(8, 99, true);
    expect(() => Engine.deserialize(reseal(version))).toThrow(/version 99/);
    expect(() => Engine.deserialize(bytes.slice(0, bytes.length - 1))).toThrow(EngineFormatError);
    expect(() => Engine.deserialize(bytes.slice(0, 10))).toThrow(/too short/);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expect(() => Engine.deserialize(longer)).toThrow(/trailing data/);
    const flipped = bytes.slice();
    flipped[bytes.length >> 1] = flipped[bytes.length >> 1]! ^ 0x10;
    expect(() => Engine.deserialize(flipped)).toThrow(/checksum/);
  });

  it('gives a typed error for 1,000 random corruptions (flips, truncations, splices), never a crash', () => {
    const r = rng(1234);
    for (let k = 0; k < 1000; k++) {
      const kind = k % 4;
      let m: Uint8Array;
      if (kind === 0) {
        m = bytes.slice();
        for (let j = 0; j < 1 + Math.floor(r() * 4); j++) {
          const at = Math.floor(r() * m.length);
          m[at] = m[at]! ^ (1 << Math.floor(r() * 8));
        }
      } else if (kind === 1) {
        m = bytes.slice(0, Math.floor(r() * bytes.length));
      } else if (kind === 2) {
        const at = Math.floor(r() * bytes.length);
        const junk = Uint8Array.from({ length: 1 + Math.floor(r() * 64) }, () => Math.floor(r() * 256));
        m = new Uint8Array([...bytes.subarray(0, at), ...junk, ...bytes.subarray(at)]);
      } else {
        // Header fields rewritten and the checksum made valid again: the size checks must hold.
        m = bytes.slice();
        new DataView(m.buffer).setUint32(8 + 4 * Math.floor(r() * 4), Math.floor(r() * 2 ** 32), true);
        m = reseal(m);
      }
      expectTyped(m, `mutation ${k} (kind ${kind})`);
    }
  });

  it('validates the manifest itself: 600 re-sealed manifest edits load or fail typed', () => {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const len = view.getUint32(12, true);
    const json = new TextDecoder().decode(bytes.subarray(24, 24 + len));
    const r = rng(99);
    const tokens = ['0', '-1', '1e9', '"x"', 'null', '[]', '{}', 'true', '"Relu"', '"f64"', '4294967296', '[1,2]'];
    let loaded = 0;
    for (let k = 0; k < 600; k++) {
      // Replace one JSON value (a number, string, list or object literal start) with a hostile token.
      const spots = [...json.matchAll(/-?\d+(\.\d+)?|"[^"]*"|\[\]|\{\}/g)];
      const s = spots[Math.floor(r() * spots.length)]!;
      const edited = json.slice(0, s.index) + tokens[Math.floor(r() * tokens.length)]! + json.slice(s.index! + s[0].length);
      const enc = new TextEncoder().encode(edited);
      const pad = Math.ceil((24 + enc.length) / 64) * 64;
      const blobLen = view.getUint32(16, true);
      const blobStart = Math.ceil((24 + len) / 64) * 64;
      const m = new Uint8Array(pad + blobLen + 32);
      m.set(bytes.subarray(0, 24));
      new DataView(m.buffer).setUint32(12, enc.length, true);
      m.set(enc, 24);
      m.set(bytes.subarray(blobStart, blobStart + blobLen), pad);
      try {
        Engine.deserialize(reseal(m));
        loaded++;
      } catch (e) {
        expect(e, `edit ${k}: ${edited.slice(Math.max(0, s.index! - 40), s.index! + 40)}`).toBeInstanceOf(EngineFormatError);
      }
    }
    expect(loaded).toBeLessThan(600);
  });
});
