/**
 * Fetching the rest of a large object as ranged GETs in parallel, appended to the partial file
 * strictly in order.
 *
 * One GET stream is slower than the service (and the link) can go; several in flight are not. But
 * the partial file must stay a contiguous prefix of the object (its size is where a later attempt
 * resumes, see download.ts), and the content MD5 is computed over the bytes in order. So ranges
 * are requested in parallel and committed in order: the range at the head of the file is written
 * (and hashed) as its bytes arrive; bytes of ranges further on wait in memory until the head reaches
 * them. That memory is bounded: a range that is not the head stops reading its body (TCP then
 * holds the server back) while more than `window` bytes wait, and the head never waits, so the
 * transfer always moves.
 *
 * Writes are batched (one writev per batch of received chunks rather than one write per socket
 * read: the per-call cost of 64 KiB writes was a quarter of a download's CPU).
 */
import type { Hash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { open } from 'node:fs/promises';
import { RemoteError, type Remote, type RemoteObject } from '../remote/remote.js';

/** Bytes of the head range written at once (one writev): far fewer calls than one per socket read. */
const BATCH = 1024 * 1024;

export interface RangePlan {
  /** Bytes per ranged GET. */
  readonly rangeSize: number;
  /** Ranged GETs in flight at once. */
  readonly inFlight: number;
  /** Bytes of later ranges that may wait in memory for the head. */
  readonly window: number;
}

export interface RangeFetch {
  readonly remote: Remote;
  readonly path: string;
  /** The object as listed: every range is asked for with If-Match on this ETag. */
  readonly etag: string;
  readonly size: number;
  /** The partial file; it holds exactly `from` bytes (appended to; created when `from` is 0). */
  readonly tmp: string;
  readonly from: number;
  /** Updated with every byte appended, in order. */
  readonly hash: Hash;
  readonly plan: RangePlan;
  /** Bytes appended to the file (and hashed). */
  readonly onCommit: (bytes: number) => void;
  /** Bytes received from the remote (whether or not they reach the file before a failure). */
  readonly onReceive?: (bytes: number) => void;
  readonly signal?: AbortSignal;
}

interface Range {
  readonly start: number;
  readonly end: number;
  chunks: Buffer[];
  waiting: number;
  received: number;
  done: boolean;
}

/**
 * Append bytes [from, size) of the object to `tmp`. Resolves with the object as the first GET
 * described it. On failure (a GET or a body failing, an abort) the ranges still in flight are
 * stopped, and the file holds a longer contiguous prefix than before, never a hole.
 */
export async function fetchRanges(f: RangeFetch): Promise<RemoteObject> {
  const { plan } = f;
  const ranges: Range[] = [];
  for (let start = f.from; start < f.size; start += plan.rangeSize) {
    ranges.push({ start, end: Math.min(f.size, start + plan.rangeSize), chunks: [], waiting: 0, received: 0, done: false });
  }
  const stop = new AbortController();
  const signal = f.signal !== undefined ? AbortSignal.any([f.signal, stop.signal]) : stop.signal;
  // Every GET in flight listens on it.
  setMaxListeners(0, signal);
  let head = 0;
  let buffered = 0;
  let object: RemoteObject | undefined;
  let failure: unknown;
  // One wake-up for whoever waits: the committer for data, readers for room in the window.
  let wake: (() => void) | undefined;
  let wakeWaiters: (() => void)[] = [];
  const notify = (): void => {
    wake?.();
    wake = undefined;
    const waiters = wakeWaiters;
    wakeWaiters = [];
    for (const w of waiters) w();
  };
  const fail = (err: unknown): void => {
    failure ??= err;
    stop.abort(err);
    notify();
  };

  const read = async (index: number): Promise<void> => {
    const range = ranges[index];
    if (range === undefined) return;
    const got = await f.remote.get(f.path, { ifMatch: f.etag, start: range.start, end: range.end, signal });
    object ??= got.object;
    for await (const chunk of got.body as AsyncIterable<Buffer>) {
      range.chunks.push(chunk);
      range.waiting += chunk.byteLength;
      range.received += chunk.byteLength;
      buffered += chunk.byteLength;
      f.onReceive?.(chunk.byteLength);
      // The committer writes batches: wake it for a full one only.
      if (index === head && range.waiting >= BATCH) notify();
      // Not the head and the window is full: stop reading until the head has moved on.
      while (index !== head && buffered > plan.window && failure === undefined) {
        await new Promise<void>((resolve) => wakeWaiters.push(resolve));
      }
      if (failure !== undefined) {
        got.body.destroy();
        return;
      }
    }
    if (range.received !== range.end - range.start) {
      throw new RemoteError('transient', `${f.path}: bytes ${range.start}-${range.end - 1} came back with ${range.received} bytes`, f.path);
    }
    range.done = true;
    notify();
  };

  let next = 0;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < ranges.length) {
      const index = next++;
      await read(index).catch(fail);
    }
  };

  // An abort stops the committer too, even when every byte has arrived already: the caller asked
  // to stop now, and what is not yet in the file is fetched again next time.
  const onAbort = (): void => fail(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const file = await open(f.tmp, f.from > 0 ? 'a' : 'w');
  const lanes = Array.from({ length: Math.min(plan.inFlight, ranges.length) }, () => lane());
  try {
    while (head < ranges.length && failure === undefined) {
      const range = ranges[head];
      if (range === undefined) break;
      if (range.waiting >= BATCH || (range.done && range.chunks.length > 0)) {
        const batch = range.chunks;
        const bytes = range.waiting;
        range.chunks = [];
        range.waiting = 0;
        for (const chunk of batch) f.hash.update(chunk);
        // Append mode: the position is the end of the file whatever it is.
        let written = 0;
        while (written < bytes) {
          const { bytesWritten } = await file.writev(written === 0 ? batch : remainder(batch, written));
          written += bytesWritten;
        }
        buffered -= bytes;
        f.onCommit(bytes);
        notify();
      } else if (range.done) {
        head++;
        notify();
      } else {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
  } catch (err) {
    fail(err);
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (failure !== undefined) stop.abort(failure);
    await Promise.allSettled(lanes);
    // fsync once complete, so the rename that follows never publishes data only in the page cache.
    if (failure === undefined) await file.sync().catch(fail);
    await file.close();
  }
  if (failure !== undefined) throw failure;
  if (object === undefined) throw new RemoteError('transient', `${f.path}: no range was fetched`, f.path);
  return object;
}

/** The chunks of `batch` from byte `skip` on (after a short writev). */
function remainder(batch: readonly Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const chunk of batch) {
    const end = at + chunk.byteLength;
    if (end > skip) out.push(at >= skip ? chunk : chunk.subarray(skip - at));
    at = end;
  }
  return out;
}
