/**
 * Following the feed: one small GET of the head per poll, and only the new records when it changed.
 *
 * The outcome of a poll tells the watcher what to do:
 *   - `idle`: nothing new (the head is unchanged, or only this repository's own records are new);
 *   - `changes`: the paths other writers changed, to sync just those;
 *   - `full`: list in full, because the reader fell behind the trim, found a record or the head
 *     damaged, or a writer changed too many paths to list them (`many`).
 * The feed is an optimisation, never the truth: every doubt becomes `full`.
 */
import { RemoteError, type IfChanged, type Remote } from '../remote/remote.js';
import { decodeHead, decodeRecord, FeedDamage, HEAD, recordName, type FeedHead, type FeedRecord } from './format.js';
import { sleep } from '../remote/backoff.js';
import { readSmall } from './store.js';
import { listRecords } from './writer.js';

export type PollOutcome =
  | { readonly kind: 'idle' }
  | { readonly kind: 'changes'; readonly paths: ReadonlySet<string>; readonly records: number }
  | { readonly kind: 'full'; readonly reason: string };

/** Without conditional creates, records this many numbers below a fresh reader's start are still read. */
const WINDOW = 8;

/** How long to wait before reading a head that did not parse once more (see poll). */
const HEAD_REREAD_MS = 150;

/** The head is a few dozen bytes; anything much larger is not one (damage, read as such). */
const HEAD_MAX_BYTES = 64 * 1024;

export interface ReaderPosition {
  /** The newest record number taken into account. */
  readonly seq: number;
  /**
   * Without conditional creates: the records already there when the position was read. Each was
   * written after the changes it names, so the full listing that follows the start covers them:
   * the window re-reads only records that arrive later (a watcher started on s3rver otherwise
   * re-synced the last few records' paths one by one: 2,010 requests for a 1,000-file push).
   */
  readonly covered?: readonly string[];
}

export class FeedReader {
  private seq: number;
  private headEtag: string | undefined;
  /** Without conditional creates: the record names already read (or covered), and whether none was listed yet. */
  private readonly seen = new Set<string>();
  private fresh = true;
  /** Without conditional creates: damaged records already reported (kept across reset()). */
  private readonly damaged = new Set<string>();

  constructor(
    private readonly store: Remote,
    private readonly writer: string,
    start: ReaderPosition,
  ) {
    this.seq = start.seq;
    for (const p of start.covered ?? []) this.seen.add(p);
  }

  get position(): ReaderPosition {
    return { seq: this.seq };
  }

  /**
   * Where a fresh reader starts: the head's number now. Read before a full listing, so a record
   * written while the listing runs is read again afterwards (syncing a path twice is harmless).
   */
  static async start(store: Remote, signal?: AbortSignal): Promise<ReaderPosition> {
    const got = await readSmall(store, HEAD, signal);
    const head = got === undefined ? undefined : tryDecodeHead(got.bytes);
    const seq = head === undefined || head instanceof FeedDamage ? 0 : head.seq;
    if (got === undefined || store.capabilities.conditionalWrites) return { seq };
    // Listed after the head: a record that lands in between is covered too (it, too, follows its changes).
    return { seq, covered: (await listRecords(store, signal)).map((r) => r.path) };
  }

  /** After a full listing: everything up to `pos` is covered. */
  reset(pos: ReaderPosition): void {
    this.seq = pos.seq;
    this.seen.clear();
    for (const p of pos.covered ?? []) this.seen.add(p);
    this.fresh = true;
  }

  async poll(signal?: AbortSignal): Promise<PollOutcome> {
    let got = await this.readHead(signal);
    if (got === 'unchanged') return { kind: 'idle' };
    if (got === undefined) {
      // No feed yet (nobody wrote one), or someone removed it: a reader that saw records lists in full.
      return this.seq > 0 && this.headEtag !== undefined ? this.full('the feed head is gone') : { kind: 'idle' };
    }
    if (got.etag === this.headEtag) return { kind: 'idle' };
    let head = tryDecodeHead(got.bytes);
    if (head instanceof FeedDamage) {
      // A head read while a writer replaces it in place (s3rver does; so may a NAS share) is torn
      // for a moment: read it once more before calling the feed damaged and listing in full.
      await sleep(HEAD_REREAD_MS, signal);
      const again = await this.readHead(signal);
      if (again === 'unchanged') return { kind: 'idle' };
      if (again !== undefined) {
        got = again;
        head = tryDecodeHead(got.bytes);
      }
    }
    if (head instanceof FeedDamage) {
      const out = this.full(`the feed is damaged (${head.message})`);
      // One listing per damaged head, not one per poll: the next writer's record rewrites the head.
      this.headEtag = got.etag;
      return out;
    }
    if (head.floor > this.seq + 1) return this.full(`this watcher fell behind the feed (it keeps records from ${head.floor}, last read ${this.seq})`);
    let records: FeedRecord[];
    try {
      const read = this.store.capabilities.conditionalWrites ? await this.numbered(head, signal) : await this.listed(signal);
      if (typeof read === 'string') return this.full(read);
      records = read;
    } catch (e) {
      if (e instanceof FeedDamage) return this.full(`the feed is damaged (${e.message})`);
      throw e;
    }
    this.headEtag = got.etag;
    return this.outcome(records);
  }

  /**
   * The head, unless it still has the ETag last read: where the remote can ask conditionally (S3:
   * If-None-Match, answered 304 with no body) an idle poll is one request that transfers nothing.
   */
  private async readHead(signal?: AbortSignal): Promise<{ bytes: Uint8Array; etag: string } | 'unchanged' | undefined> {
    if (this.store.getIfChanged === undefined) return readSmall(this.store, HEAD, signal);
    let got: IfChanged;
    try {
      got = await this.store.getIfChanged(HEAD, this.headEtag, { maxBytes: HEAD_MAX_BYTES, ...(signal !== undefined ? { signal } : {}) });
    } catch (err) {
      // A directory remote whose feed folder was never made holds no feed yet (as in readSmall).
      if (err instanceof RemoteError && err.kind === 'no-bucket') return undefined;
      throw err;
    }
    if (got.state === 'unchanged') return 'unchanged';
    if (got.state === 'missing') return undefined;
    return { bytes: got.data, etag: got.object.etag };
  }

  private full(reason: string): PollOutcome {
    // The caller lists in full and then calls reset() with a fresh start position.
    this.headEtag = undefined;
    return { kind: 'full', reason };
  }

  private outcome(records: readonly FeedRecord[]): PollOutcome {
    const paths = new Set<string>();
    let count = 0;
    for (const r of records) {
      if (r.writer === this.writer) continue;
      count++;
      if (r.many === true) return { kind: 'full', reason: `record ${r.seq} changed too many paths to list` };
      for (const c of r.changes) {
        paths.add(c.path);
        if (c.from !== undefined) paths.add(c.from);
      }
    }
    return count === 0 ? { kind: 'idle' } : { kind: 'changes', paths, records: count };
  }

  /** Conditional creates: the records after this reader's number, asked for one by one. */
  private async numbered(head: FeedHead, signal?: AbortSignal): Promise<FeedRecord[] | string> {
    const records: FeedRecord[] = [];
    for (;;) {
      const next = this.seq + 1;
      const r = await readSmall(this.store, recordName(next), signal);
      if (r === undefined) {
        // The head promises records up to head.seq: one missing below that is a hole (trimmed or deleted).
        return next <= head.seq ? `feed record ${next} is missing` : records;
      }
      records.push(decodeRecord(r.bytes, next));
      this.seq = next;
    }
  }

  /**
   * Without conditional creates, records have unique names and two may share a number (writer.ts):
   * list the feed folder and read every record not seen before. A record that arrives late with a
   * number below this reader's is still new to it; only at the start, records more than WINDOW
   * numbers below the start position count as covered by the first full listing.
   */
  private async listed(signal?: AbortSignal): Promise<FeedRecord[]> {
    const names = await listRecords(this.store, signal);
    const records: FeedRecord[] = [];
    const present = new Set<string>();
    for (const { path, seq } of names.sort((a, b) => a.seq - b.seq || (a.path < b.path ? -1 : 1))) {
      present.add(path);
      if (this.seen.has(path) || this.damaged.has(path)) continue;
      this.seen.add(path);
      if (this.fresh && seq <= this.seq - WINDOW) continue;
      const r = await readSmall(this.store, path, signal);
      if (r === undefined) continue; // trimmed between the listing and the read
      try {
        records.push(decodeRecord(r.bytes, seq));
      } catch (e) {
        // Listed in full once; a fresh reader's window must not find it again after every listing.
        if (e instanceof FeedDamage) this.damaged.add(path);
        throw e;
      }
      this.seq = Math.max(this.seq, seq);
    }
    this.fresh = false;
    for (const p of this.seen) if (!present.has(p)) this.seen.delete(p);
    return records;
  }
}

function tryDecodeHead(bytes: Uint8Array): FeedHead | FeedDamage {
  try {
    return decodeHead(bytes);
  } catch (e) {
    if (e instanceof FeedDamage) return e;
    throw e;
  }
}
