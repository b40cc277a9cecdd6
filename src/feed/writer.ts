/**
 * Appending one record to the feed.
 *
 * Where the service honours conditional writes, the record number is claimed by creating
 * `r/<seq>` with If-None-Match: a writer that loses the race gets 'precondition' and tries the next
 * number, so every record has its own number whatever the clocks say, and readers find records by
 * asking for the next number. Elsewhere a create-if-absent cannot be trusted, so nothing relies on
 * it: the writer lists the feed, takes the next number and writes `r/<seq>-<nonce>`, a name no
 * other writer can pick; two writers racing get the same number and both records stay, and
 * readers list the feed folder (reader.ts). Either way the head is written after the record: it only
 * tells pollers that something changed.
 */
import { randomBytes } from 'node:crypto';
import { backoff, retrying } from '../remote/backoff.js';
import { RemoteError, type Remote } from '../remote/remote.js';
import { decodeHead, encodeHead, encodeRecord, FeedDamage, HEAD, MAX_CHANGES, recordName, recordSeq, uniqueRecordName, type FeedChange, type FeedHead } from './format.js';
import { readSmall } from './store.js';

/** Records kept after a trim: a reader more than this many records behind lists in full. */
export const KEEP = 1000;
/** A trim runs on every record number divisible by this, so trimming costs no extra state. */
const TRIM_EVERY = 50;
/** Numbers tried past the head before giving up (the head lags only by crashed or racing writers). */
const MAX_PROBES = 200;

export interface AppendOptions {
  readonly writer: string;
  readonly changes: readonly FeedChange[];
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
  /** Records kept by a trim (default KEEP; tests use small values). */
  readonly keep?: number;
}

const isPrecondition = (e: unknown): boolean => e instanceof RemoteError && e.kind === 'precondition';

/** Every record in the feed folder: name and number. */
export async function listRecords(store: Remote, signal?: AbortSignal): Promise<{ path: string; seq: number }[]> {
  const out: { path: string; seq: number }[] = [];
  try {
    for await (const o of store.list('r', signal)) {
      const seq = recordSeq(o.path);
      if (seq !== undefined) out.push({ path: o.path, seq });
    }
  } catch (e) {
    // A directory remote's feed folder that was never made: no records.
    if (!(e instanceof RemoteError && e.kind === 'no-bucket')) throw e;
  }
  return out;
}

/** The head, or what a writer rebuilds when it is missing or damaged (from the records listed). */
async function readHead(store: Remote, signal?: AbortSignal): Promise<FeedHead | undefined> {
  const got = await readSmall(store, HEAD, signal);
  if (got === undefined) return undefined;
  try {
    return decodeHead(got.bytes);
  } catch (e) {
    if (e instanceof FeedDamage) return undefined;
    throw e;
  }
}

function headOf(records: readonly { seq: number }[]): FeedHead {
  let seq = 0;
  let floor = Infinity;
  for (const r of records) {
    seq = Math.max(seq, r.seq);
    floor = Math.min(floor, r.seq);
  }
  return { seq, floor: floor === Infinity ? seq + 1 : floor };
}

/** Append one record of `changes`; returns its number. */
export async function appendRecord(store: Remote, o: AppendOptions): Promise<number> {
  const nonce = randomBytes(8).toString('hex');
  const at = (o.now?.() ?? new Date()).toISOString();
  const many = o.changes.length > MAX_CHANGES;
  const body = (seq: number): Uint8Array => encodeRecord({ seq, writer: o.writer, nonce, at, changes: many ? [] : o.changes, ...(many ? { many } : {}) });
  const signal = o.signal !== undefined ? { signal: o.signal } : {};
  let head: FeedHead;
  let seq: number;
  let listed: { path: string; seq: number }[] | undefined;
  if (store.capabilities.conditionalWrites) {
    head = (await readHead(store, o.signal)) ?? headOf((listed = await listRecords(store, o.signal)));
    seq = await claim(store, head.seq, body, o.signal);
  } else {
    listed = await listRecords(store, o.signal);
    const found = headOf(listed);
    const h = await readHead(store, o.signal);
    head = { seq: Math.max(found.seq, h?.seq ?? 0), floor: h?.floor ?? found.floor };
    seq = head.seq + 1;
    await store.put(uniqueRecordName(seq, nonce), { kind: 'bytes', data: body(seq) }, { meta: {}, ...signal });
  }
  const keep = Math.max(1, o.keep ?? KEEP);
  const floor = Math.max(1, seq % TRIM_EVERY === 0 ? Math.max(head.floor, seq - keep + 1) : head.floor);
  await store.put(HEAD, { kind: 'bytes', data: encodeHead({ seq, floor }) }, { meta: {}, ...signal });
  if (floor > head.floor) await trim(store, floor, listed ?? (await listRecords(store, o.signal)), o.signal);
  return seq;
}

/**
 * appendRecord, tried again as a whole after a transient failure (a connection cut under load): a
 * lost record costs watchers a wait until their next rescan. A retry after a create whose answer
 * was lost writes the record twice under two numbers: readers then sync its paths twice, harmlessly.
 */
export function appendWithRetry(store: Remote, o: AppendOptions, attempts = 3): Promise<number> {
  const retryable = (e: unknown): boolean => e instanceof RemoteError && e.kind === 'transient';
  return retrying(backoff({ attempts, baseMs: 250, maxMs: 2000 }), { retryable, ...(o.signal !== undefined ? { signal: o.signal } : {}) }, () => appendRecord(store, o));
}

/** Conditional creates: the first free number after `after`. */
async function claim(store: Remote, after: number, body: (seq: number) => Uint8Array, signal?: AbortSignal): Promise<number> {
  for (let seq = after + 1; seq <= after + MAX_PROBES; seq++) {
    try {
      await store.put(recordName(seq), { kind: 'bytes', data: body(seq) }, { meta: {}, ifNoneMatch: true, ...(signal !== undefined ? { signal } : {}) });
      return seq;
    } catch (e) {
      if (!isPrecondition(e)) throw e;
    }
  }
  throw new RemoteError('transient', `feed in ${store.display}: no free record number after ${MAX_PROBES} tries`);
}

/** Delete records below the new floor (the head already says they are gone). */
async function trim(store: Remote, below: number, records: readonly { path: string; seq: number }[], signal?: AbortSignal): Promise<void> {
  for (const r of records) if (r.seq < below) await store.delete(r.path, signal !== undefined ? { signal } : {});
}
