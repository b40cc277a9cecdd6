/**
 * The change feed's objects, as stored under `<prefix>/.lsync/feed/` (SPEC "The change feed").
 *
 *   head             {"v":1,"seq":N,"floor":F}   the newest record number a writer published, and
 *                                                 the oldest one still kept (trim)
 *   r/000000000042   {"v":1,"seq":42,"writer":"…","nonce":"…","at":"…","changes":[…]}
 *
 * Record numbers come from conditional creates (If-None-Match: *), so they give a total order that
 * does not depend on clocks: two writers racing for the same number cannot both win. `at` is for
 * people reading the feed, never for ordering. The head is only a hint that something changed (its
 * ETag is what readers poll); readers find records by probing numbers upward until one is missing.
 *
 * Pure: no I/O, so the reader and writer share one validator and tests need no server.
 */

export const FEED_VERSION = 1;
export const HEAD = 'head';

/** One remote path a run changed. `from`: the old path of a server-side move. */
export interface FeedChange {
  readonly op: 'put' | 'delete' | 'move';
  readonly path: string;
  readonly from?: string;
}

export interface FeedRecord {
  readonly seq: number;
  /** The repository that wrote it (a random id kept in its `.lsync/feed.json`): readers skip their own. */
  readonly writer: string;
  /** Random per write: tells a writer whether the record it reads back is its own (see writer.ts). */
  readonly nonce: string;
  readonly at: string;
  /** The paths changed; absent when there were too many to list (`many`): readers list in full. */
  readonly changes: readonly FeedChange[];
  readonly many?: boolean;
}

export interface FeedHead {
  readonly seq: number;
  /** The oldest record number still kept; a reader that has not seen `floor - 1` fell behind the trim. */
  readonly floor: number;
}

/** A record with more changes than this says `many` instead: one listing is cheaper than reading them. */
export const MAX_CHANGES = 2000;

/** Where conditional creates work: one name per number, claimed by If-None-Match. */
export function recordName(seq: number): string {
  return `r/${String(seq).padStart(12, '0')}`;
}

/**
 * Where they do not: the writer's nonce makes the name unique, so two writers that picked the same
 * number both keep their record (nothing is ever overwritten) and readers list the folder.
 */
export function uniqueRecordName(seq: number, nonce: string): string {
  return `${recordName(seq)}-${nonce}`;
}

/** The number in a record's name (either form), or undefined for anything else. */
export function recordSeq(path: string): number | undefined {
  const m = /^r\/(\d{12})(?:-[0-9a-f]{1,32})?$/.exec(path);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

export function encodeRecord(r: FeedRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: FEED_VERSION, ...r }));
}

export function encodeHead(h: FeedHead): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: FEED_VERSION, seq: h.seq, floor: h.floor }));
}

/** Thrown for any object that is not what this version writes: readers then list in full. */
export class FeedDamage extends Error {
  override readonly name = 'FeedDamage';
}

function parseObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new FeedDamage(`${what}: not JSON`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new FeedDamage(`${what}: not an object`);
  const o = raw as Record<string, unknown>;
  if (o['v'] !== FEED_VERSION) throw new FeedDamage(`${what}: version ${JSON.stringify(o['v'])}, expected ${FEED_VERSION}`);
  return o;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function decodeHead(bytes: Uint8Array): FeedHead {
  const o = parseObject(bytes, HEAD);
  const { seq, floor } = o;
  if (!isCount(seq) || !isCount(floor) || floor > seq + 1) throw new FeedDamage(`${HEAD}: bad seq/floor`);
  return { seq, floor };
}

function decodeChange(c: unknown, what: string): FeedChange {
  if (c === null || typeof c !== 'object') throw new FeedDamage(`${what}: bad change`);
  const { op, path, from } = c as Record<string, unknown>;
  if ((op !== 'put' && op !== 'delete' && op !== 'move') || typeof path !== 'string' || path === '') throw new FeedDamage(`${what}: bad change`);
  if (op === 'move') {
    if (typeof from !== 'string' || from === '') throw new FeedDamage(`${what}: move without from`);
    return { op, path, from };
  }
  return { op, path };
}

export function decodeRecord(bytes: Uint8Array, expectSeq: number): FeedRecord {
  const what = recordName(expectSeq);
  const o = parseObject(bytes, what);
  const { seq, writer, nonce, at, changes, many } = o;
  if (seq !== expectSeq) throw new FeedDamage(`${what}: holds seq ${JSON.stringify(seq)}`);
  if (typeof writer !== 'string' || typeof nonce !== 'string' || typeof at !== 'string') throw new FeedDamage(`${what}: bad writer`);
  if (!Array.isArray(changes)) throw new FeedDamage(`${what}: bad changes`);
  return { seq, writer, nonce, at, changes: changes.map((c) => decodeChange(c, what)), ...(many === true ? { many: true } : {}) };
}
