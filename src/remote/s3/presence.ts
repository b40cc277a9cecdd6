/**
 * The overwrite guard of services without conditional writes, batched.
 *
 * Such a service ignores If-None-Match / If-Match, so before a conditional put S3Remote must look
 * at the key itself. One HEAD per key doubles the requests of a push of many small files; here the
 * keys of the puts waiting at the same moment are looked up together, with one ListObjectsV2 page
 * per folder (Prefix = the longest common prefix of that folder's waiting keys, StartAfter just
 * before the first of them), since a listing carries each key's ETag.
 *
 * The guarantee is the one of the HEAD it replaces: a write that completed before `current(key)`
 * was called is seen. Every listing of a round is sent after every call it answers was made
 * (calls arriving while a round is in flight wait for the next round), so the window between the
 * look and the write is one listing's round trip, as it was one HEAD's. It relies on the listing
 * being read-after-write consistent (quirks.ts `consistentListing`); where that is not known, the
 * caller HEADs instead.
 *
 * Cost is bounded: a page that comes back truncated before it covered a key leaves that key
 * 'unknown', and the caller HEADs it, so a folder full of other keys costs one page more than the
 * HEADs alone, never a walk of the folder.
 */
import { compareKeys } from '../../core/paths.js';

/** What a look at one key found: no object, an object with this ETag, or no answer (HEAD it). */
export type Presence = { readonly state: 'absent' } | { readonly state: 'present'; readonly etag: string } | { readonly state: 'unknown' };

/** One page of ListObjectsV2 (raw keys, ETags unquoted). */
export interface ListPage {
  readonly objects: ReadonlyMap<string, string>;
  readonly truncated: boolean;
  /** The greatest key of the page in UTF-8 byte order (undefined when empty). */
  readonly lastKey: string | undefined;
}

export interface PresenceDeps {
  /** One ListObjectsV2 request (MaxKeys 1000). */
  listPage(prefix: string, startAfter: string | undefined): Promise<ListPage>;
  /** The service returns keys in byte order (quirks.ts sortedListing), so a page covers a contiguous range. */
  readonly sorted: boolean;
}

interface Waiter {
  readonly key: string;
  resolve(p: Presence): void;
  reject(e: unknown): void;
}

const ABSENT: Presence = { state: 'absent' };
const UNKNOWN: Presence = { state: 'unknown' };

export class PresenceCheck {
  private waiting: Waiter[] = [];
  private inFlight = false;
  private scheduled = false;

  constructor(private readonly deps: PresenceDeps) {}

  /** The state of `key` as a listing sent after this call sees it. */
  current(key: string, signal?: AbortSignal): Promise<Presence> {
    signal?.throwIfAborted();
    return new Promise<Presence>((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push({
        key,
        resolve: (p) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(p);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight || this.scheduled) return;
    this.scheduled = true;
    // One turn of the event loop: the puts started together (a burst of the executor's pool) share a round.
    setImmediate(() => {
      this.scheduled = false;
      void this.round();
    });
  }

  private async round(): Promise<void> {
    if (this.inFlight || this.waiting.length === 0) return;
    this.inFlight = true;
    const batch = this.waiting;
    this.waiting = [];
    const byFolder = new Map<string, Waiter[]>();
    for (const w of batch) {
      const folder = w.key.slice(0, w.key.lastIndexOf('/') + 1);
      const list = byFolder.get(folder);
      if (list === undefined) byFolder.set(folder, [w]);
      else list.push(w);
    }
    await Promise.all([...byFolder.values()].map((group) => this.lookUp(group)));
    this.inFlight = false;
    if (this.waiting.length > 0) void this.round();
  }

  private async lookUp(group: readonly Waiter[]): Promise<void> {
    const keys = [...new Set(group.map((w) => w.key))].sort(compareKeys);
    const first = keys[0] ?? '';
    const last = keys[keys.length - 1] ?? '';
    const prefix = commonPrefix(first, last);
    // Just below the first key (a proper prefix of it sorts before it); useless when no longer than the Prefix.
    const below = first.slice(0, isLowSurrogate(first.charCodeAt(first.length - 1)) ? -2 : -1);
    const startAfter = below.length > prefix.length ? below : undefined;
    let page: ListPage;
    try {
      page = await this.deps.listPage(prefix, startAfter);
    } catch (e) {
      for (const w of group) w.reject(e);
      return;
    }
    for (const w of group) {
      const etag = page.objects.get(w.key);
      if (etag !== undefined) w.resolve({ state: 'present', etag });
      else if (!page.truncated) w.resolve(ABSENT);
      // A sorted page covers every key up to its last one: one not in it does not exist.
      else if (this.deps.sorted && page.lastKey !== undefined && compareKeys(w.key, page.lastKey) < 0) w.resolve(ABSENT);
      else w.resolve(UNKNOWN);
    }
  }
}

/** Longest common prefix of the least and greatest key: that of every key between them too. */
function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // Never end between the two halves of a surrogate pair (the Prefix must be valid UTF-8).
  if (i > 0 && i < a.length && isHighSurrogate(a.charCodeAt(i - 1))) i--;
  return a.slice(0, i);
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
