/**
 * Listing a large prefix in parallel, in byte order.
 *
 * ListObjectsV2 is one page of 1,000 keys per round trip, so 100,000 keys listed one page after
 * another take 100 round trips end to end. Where the key space has several top-level folders they
 * can be listed side by side: after a first ordinary page (a prefix that fits in it costs exactly
 * one request, as before), one listing with Delimiter='/' names the top-level folders and the loose
 * keys after that page, then each folder is listed on its own, several at once, and the results are
 * yielded in order (every key of folder `a/` lies between its neighbours in byte order, so
 * concatenating the units in order is the sorted listing).
 *
 * Only for services whose delimiter listings are right and whose listings are sorted
 * (quirks.ts `delimiterListing`): a folder missed here would look like deleted files.
 */
import pLimit from 'p-limit';
import { compareKeys } from '../../core/paths.js';

export interface RawItem {
  readonly key: string;
}

export interface RawPage<T extends RawItem> {
  readonly items: readonly T[];
  readonly commonPrefixes: readonly string[];
  /** Continuation token when the page is truncated. */
  readonly next: string | undefined;
}

export interface PageQuery {
  readonly prefix: string;
  readonly startAfter?: string;
  readonly delimiter?: '/';
  readonly token?: string;
}

export type PageFn<T extends RawItem> = (q: PageQuery) => Promise<RawPage<T>>;

/** Every key under `prefix`, in byte order; folders listed `parallel` at a time; folders in `skip` left out. */
export async function* listParallel<T extends RawItem>(page: PageFn<T>, prefix: string, parallel: number, skip: readonly string[] = []): AsyncIterable<T> {
  const first = await page({ prefix });
  yield* first.items;
  if (first.next === undefined) return;
  const last = first.items[first.items.length - 1]?.key;
  if (last === undefined) {
    // A truncated empty page: nothing to split on; follow the pages as they come.
    yield* follow(page, { prefix }, first.next);
    return;
  }
  // The folder the first page stopped in is finished from where it stopped.
  const rest = last.slice(prefix.length);
  const cut = rest.indexOf('/');
  const open = cut >= 0 ? prefix + rest.slice(0, cut + 1) : undefined;

  type Unit = { readonly at: string; readonly item?: T; readonly folder?: string };
  const units: Unit[] = [];
  if (open !== undefined) units.push({ at: open, folder: open });
  let token: string | undefined;
  do {
    const p = await page({ prefix, delimiter: '/', startAfter: last, ...(token !== undefined ? { token } : {}) });
    for (const item of p.items) if (compareKeys(item.key, last) > 0) units.push({ at: item.key, item });
    for (const cp of p.commonPrefixes) if (cp !== open && compareKeys(cp, last) > 0 && !skip.includes(cp)) units.push({ at: cp, folder: cp });
    token = p.next;
  } while (token !== undefined);
  units.sort((a, b) => compareKeys(a.at, b.at));

  const limit = pLimit(Math.max(1, parallel));
  const collect = async (folder: string): Promise<T[]> => {
    const out: T[] = [];
    for await (const item of follow(page, { prefix: folder, ...(folder === open ? { startAfter: last } : {}) }, undefined)) out.push(item);
    return out;
  };
  const pending = units.map((u) => (u.folder !== undefined ? limit(() => collect(u.folder ?? '')) : Promise.resolve(u.item !== undefined ? [u.item] : [])));
  // Failures surface in order; later ones must not count as unhandled meanwhile.
  for (const p of pending) p.catch(() => undefined);
  try {
    for (const p of pending) yield* await p;
  } finally {
    limit.clearQueue();
  }
}

/** Pages one after another from `token` (undefined: from the start). */
async function* follow<T extends RawItem>(page: PageFn<T>, q: PageQuery, token: string | undefined): AsyncIterable<T> {
  let next = token;
  do {
    const p = await page({ ...q, ...(next !== undefined ? { token: next } : {}) });
    yield* p.items;
    next = p.next;
  } while (next !== undefined);
}

/**
 * Every key under `prefix`, in byte order, listed as ranges cut at `splits` side by side,
 * `parallel` ranges at a time.
 *
 * Range i holds the keys in (splits[i-1], splits[i]] (the first from the start, the last to the
 * end): each is listed from StartAfter = its lower bound until a key passes its upper bound, so
 * together they are the listing exactly, whatever the splits are (keys that no longer exist, or
 * none of the keys at all) and whatever was added or removed meanwhile. Splits only decide the
 * speed: cut at every 1,000th key of the last synced state, an unchanged range is one request,
 * and 100,000 keys are 100 requests in flight 8 at a time rather than 100 round trips in a row.
 *
 * Only for services whose listings are sorted (quirks.ts `sortedListing`): the early stop at the
 * upper bound relies on it. Unlike `listParallel`, it needs no delimiter listing and works just as
 * well on a flat prefix of 100,000 keys in one folder.
 *
 * `splits` must be sorted (compareKeys) and distinct, each starting with `prefix`.
 */
export async function* listRanges<T extends RawItem>(page: PageFn<T>, prefix: string, splits: readonly string[], parallel: number): AsyncIterable<T> {
  const limit = pLimit(Math.max(1, parallel));
  const collect = async (after: string | undefined, upTo: string | undefined): Promise<T[]> => {
    const out: T[] = [];
    let token: string | undefined;
    do {
      const p = await page({ prefix, ...(token !== undefined ? { token } : after !== undefined ? { startAfter: after } : {}) });
      for (const item of p.items) {
        if (upTo !== undefined && compareKeys(item.key, upTo) > 0) return out;
        out.push(item);
      }
      const last = p.items[p.items.length - 1]?.key;
      // The page ended exactly at the upper bound: nothing of this range can follow.
      if (upTo !== undefined && last !== undefined && compareKeys(last, upTo) >= 0) return out;
      token = p.next;
    } while (token !== undefined);
    return out;
  };
  const bounds: (string | undefined)[] = [undefined, ...splits, undefined];
  const pending: Promise<T[]>[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) pending.push(limit(() => collect(bounds[i], bounds[i + 1])));
  // Failures surface in order; later ones must not count as unhandled meanwhile.
  for (const p of pending) p.catch(() => undefined);
  try {
    for (const p of pending) yield* await p;
  } finally {
    limit.clearQueue();
  }
}

/**
 * Split points for `listRanges`: every `every`-th of the keys the caller expects (in the order
 * given, which is byte order for a database's keys), sorted and without duplicates. An unsorted
 * input only makes the ranges uneven, never the listing wrong.
 */
export function chooseSplits(known: Iterable<string>, every: number): string[] {
  const picked: string[] = [];
  let i = 0;
  for (const key of known) {
    if (++i % every === 0) picked.push(key);
  }
  picked.sort(compareKeys);
  return picked.filter((k, j) => j === 0 || k !== picked[j - 1]);
}
