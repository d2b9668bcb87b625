/**
 * The timing cache: what the autotuner measured, so the next build on the same adapter is quick
 * and picks the same tactics. One record per (adapter fingerprint, layer signature): the chosen
 * tactic and parameters and every candidate's times. The file is JSON with its records sorted by
 * key, written whole or not at all.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { TimingCacheError } from '../errors.js';
import type { AdapterSummary } from '../runtime/device.js';
import type { TacticParams } from '../tactics/types.js';

/** One candidate as the autotuner saw it: its times, or why it could not run. */
export interface CandidateTiming {
  readonly tactic: string;
  readonly params: TacticParams;
  readonly meanMs?: number;
  readonly stdMs?: number;
  readonly runs?: number;
  readonly dropped?: boolean;
  readonly error?: string;
}

export interface TimingRecord {
  readonly adapter: string;
  readonly signature: string;
  readonly tactic: string;
  readonly params: TacticParams;
  /** What every candidate's outputs were checked against before timing ('the reference', or the first candidate); absent when not checked. */
  readonly checkedAgainst?: string;
  readonly candidates: readonly CandidateTiming[];
}

const FORMAT = 'wgrt-timing-cache';
const VERSION = 1;

/** The adapter's identity for timing purposes: vendor, architecture, device and description. */
export function adapterFingerprint(a: AdapterSummary): string {
  return [a.vendor, a.architecture, a.device, a.description].join(' | ');
}

function keyOf(adapter: string, signature: string): string {
  return createHash('sha256').update(adapter).update('\0').update(signature).digest('hex').slice(0, 32);
}

export class TimingCache {
  private readonly records = new Map<string, TimingRecord>();

  get size(): number {
    return this.records.size;
  }

  get(adapter: string, signature: string): TimingRecord | undefined {
    return this.records.get(keyOf(adapter, signature));
  }

  set(record: TimingRecord): void {
    this.records.set(keyOf(record.adapter, record.signature), record);
  }

  /** Every record, sorted by key. */
  entries(): TimingRecord[] {
    return [...this.records.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, r]) => r);
  }

  /** A cache with the records of both; where both have a key, this cache's record is kept. */
  merge(other: TimingCache): TimingCache {
    const out = new TimingCache();
    for (const r of [...other.entries(), ...this.entries()]) out.set(r);
    return out;
  }

  toJSON(): string {
    return `${JSON.stringify({ format: FORMAT, version: VERSION, records: this.entries() }, null, 1)}\n`;
  }

  /** Reads a cache from its JSON text; `source` names it in errors. */
  static parse(text: string, source = 'timing cache'): TimingCache {
    const bad = (what: string) => new TimingCacheError(`${source}: ${what}; delete it (a new one is written by the next tuned build) or pass another file`);
    let root: unknown;
    try {
      root = JSON.parse(text);
    } catch (e) {
      throw bad(`is not JSON (${(e as Error).message})`);
    }
    const o = root as { format?: unknown; version?: unknown; records?: unknown };
    if (typeof root !== 'object' || root === null || o.format !== FORMAT) throw bad(`is not a wgrt timing cache (format ${JSON.stringify(o?.format)})`);
    if (o.version !== VERSION) throw bad(`has version ${JSON.stringify(o.version)}; this wgrt reads version ${VERSION}`);
    if (!Array.isArray(o.records)) throw bad('has no records list');
    const cache = new TimingCache();
    o.records.forEach((r: unknown, i: number) => {
      const x = r as Partial<TimingRecord>;
      const params = x?.params as Record<string, unknown> | undefined;
      const ok = typeof r === 'object' && r !== null && typeof x.adapter === 'string' && typeof x.signature === 'string' &&
        typeof x.tactic === 'string' && typeof params === 'object' && params !== null && Object.values(params).every((v) => typeof v === 'number') &&
        Array.isArray(x.candidates);
      if (!ok) throw bad(`record ${i} is malformed (it needs adapter, signature, tactic, numeric params and candidates)`);
      cache.set(x as TimingRecord);
    });
    return cache;
  }

  static load(path: string): TimingCache {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new TimingCacheError(`timing cache ${path}: cannot be read (${(e as Error).message})`);
    }
    return TimingCache.parse(text, `timing cache ${path}`);
  }

  /** Writes the cache to `path` through a temporary file, so a failed write leaves the old file whole. */
  save(path: string): void {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, this.toJSON());
    renameSync(tmp, path);
  }
}
