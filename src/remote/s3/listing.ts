/**
 * Listing an S3 prefix for the Remote contract: the whole repository (top-level folders side by
 * side, or ranges cut at known keys: list-parallel.ts), a folder scope page by page, and the raw
 * pages of the batched overwrite guard (presence.ts). Services that list out of byte order
 * (s3rver) are sorted here, unless the caller files objects in any order (ListHints.anyOrder).
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { compareKeys, inScope } from '../../core/paths.js';
import type { ListHints, RemoteObject } from '../remote.js';
import { sendCached } from './client.js';
import { chooseSplits, listParallel, listRanges, type PageQuery, type RawItem, type RawPage } from './list-parallel.js';
import { unquoteEtag } from './meta.js';
import type { ListPage } from './presence.js';
import type { Quirks } from './quirks.js';

/** The remote's own bookkeeping under the prefix: never listed. */
export const BOOKKEEPING = '.lsync/';
/** Keys per ListObjectsV2 page (the S3 maximum and default): ranges cut at every 1,000th known key are one request each. */
const LIST_PAGE = 1000;

function* prefixed(prefix: string, paths: Iterable<string>): Iterable<string> {
  for (const p of paths) yield prefix + p;
}

/** One key of a listing page, with what lsync reads of it. */
type ListedItem = RawItem & { readonly size: number; readonly etag: string; readonly lastModifiedMs: number };

export interface ListingSettings {
  readonly client: S3Client;
  readonly bucket: string;
  /** '' or ending in '/'. */
  readonly prefix: string;
  readonly quirks: Quirks;
  /** Folders listed at once by a whole-prefix listing. */
  readonly parallelism: number;
  /** The error to throw for a failed request (the remote's mapping); `path` names the scope. */
  readonly fail: (err: unknown, what: string, path?: string) => unknown;
}

export class S3Listing {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly quirks: Quirks;
  private readonly listParallelism: number;
  private readonly fail: ListingSettings['fail'];

  constructor(s: ListingSettings) {
    this.client = s.client;
    this.bucket = s.bucket;
    this.prefix = s.prefix;
    this.quirks = s.quirks;
    this.listParallelism = s.parallelism;
    this.fail = s.fail;
  }

  async *list(under = '', signal?: AbortSignal, hints?: ListHints): AsyncIterable<RemoteObject> {
    if (this.quirks.sortedListing) {
      const splits = under === '' && hints?.known !== undefined ? chooseSplits(prefixed(this.prefix, hints.known.keys()), LIST_PAGE) : [];
      yield* splits.length > 0 ? this.listAllRanges(splits, signal) : this.listPages(under, signal);
      return;
    }
    if (hints?.anyOrder === true) {
      yield* this.listPages(under, signal);
      return;
    }
    const all: RemoteObject[] = [];
    for await (const o of this.listPages(under, signal)) all.push(o);
    yield* all.sort((a, b) => compareKeys(a.path, b.path));
  }

  /**
   * One ListObjectsV2 page, as the three listings here use it (the whole prefix in parallel, a
   * scope page by page, the batched overwrite guard). `what` names the path in an error message.
   */
  private async page(q: PageQuery, signal: AbortSignal | undefined, what: string): Promise<RawPage<ListedItem>> {
    let res;
    try {
      res = await sendCached(
        this.client,
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: q.prefix,
          ...(q.delimiter !== undefined ? { Delimiter: q.delimiter } : {}),
          ...(q.startAfter !== undefined ? { StartAfter: q.startAfter } : {}),
          ...(q.token !== undefined ? { ContinuationToken: q.token } : {}),
        }),
        signal,
      );
    } catch (err) {
      throw this.fail(err, 'list', what);
    }
    const items: ListedItem[] = [];
    for (const o of res.Contents ?? []) {
      if (o.Key === undefined) continue;
      items.push({ key: o.Key, size: o.Size ?? 0, etag: unquoteEtag(o.ETag), lastModifiedMs: o.LastModified?.getTime() ?? 0 });
    }
    const commonPrefixes = (res.CommonPrefixes ?? []).flatMap((p) => (p.Prefix !== undefined ? [p.Prefix] : []));
    return { items, commonPrefixes, next: res.IsTruncated === true ? res.NextContinuationToken : undefined };
  }

  /** The whole prefix, top-level folders listed side by side where the service allows (list-parallel.ts). */
  private listAllParallel(signal: AbortSignal | undefined): AsyncIterable<RemoteObject> {
    const page = (q: PageQuery): Promise<RawPage<ListedItem>> => this.page(q, signal, '');
    return this.repositoryObjects(listParallel(page, this.prefix, this.listParallelism, [this.prefix + BOOKKEEPING]));
  }

  /** The whole prefix as ranges between known keys, side by side (list-parallel.ts listRanges). */
  private listAllRanges(splits: readonly string[], signal: AbortSignal | undefined): AsyncIterable<RemoteObject> {
    const page = (q: PageQuery): Promise<RawPage<ListedItem>> => this.page(q, signal, '');
    return this.repositoryObjects(listRanges(page, this.prefix, splits, this.listParallelism));
  }

  /** Listed keys as repository objects: the prefix taken off, the remote's own bookkeeping left out. */
  private async *repositoryObjects(items: AsyncIterable<ListedItem>): AsyncIterable<RemoteObject> {
    for await (const item of items) {
      if (!item.key.startsWith(this.prefix)) continue;
      const path = item.key.slice(this.prefix.length);
      if (path.startsWith(BOOKKEEPING)) continue;
      yield { path, size: item.size, etag: item.etag, lastModifiedMs: item.lastModifiedMs };
    }
  }

  /** The listing as the service returns it, page by page. */
  private async *listPages(under: string, signal: AbortSignal | undefined): AsyncIterable<RemoteObject> {
    if (under === '' && this.quirks.delimiterListing && this.quirks.sortedListing) {
      yield* this.listAllParallel(signal);
      return;
    }
    const listPrefix = this.prefix + under;
    // In byte order the scope `under/…` is one run of keys: past it, stop paginating.
    const folder = under === '' ? undefined : listPrefix + '/';
    let token: string | undefined;
    do {
      const page = await this.page({ prefix: listPrefix, ...(token !== undefined ? { token } : {}) }, signal, under);
      for (const item of page.items) {
        const key = item.key;
        if (!key.startsWith(this.prefix)) continue;
        if (folder !== undefined && this.quirks.sortedListing && !key.startsWith(folder) && compareKeys(key, folder) > 0) return;
        const path = key.slice(this.prefix.length);
        if (path.startsWith(BOOKKEEPING) || !inScope(path, under)) continue;
        yield { path, size: item.size, etag: item.etag, lastModifiedMs: item.lastModifiedMs };
      }
      token = page.next;
    } while (token !== undefined);
  }

  /** One ListObjectsV2 page of raw keys, for the batched overwrite guard. */
  async listPage(prefix: string, startAfter: string | undefined): Promise<ListPage> {
    const page = await this.page({ prefix, ...(startAfter !== undefined ? { startAfter } : {}) }, undefined, prefix.slice(this.prefix.length));
    const objects = new Map<string, string>();
    let lastKey: string | undefined;
    for (const item of page.items) {
      objects.set(item.key, item.etag);
      if (lastKey === undefined || compareKeys(item.key, lastKey) > 0) lastKey = item.key;
    }
    return { objects, truncated: page.next !== undefined, lastKey };
  }
}
