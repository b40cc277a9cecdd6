/**
 * The local side of a sync: walk the tree, and give every file a content hash, reading only the
 * files whose stat differs from the base record (or whose base record is racy).
 */

import { createHash } from 'node:crypto';
import { lstat, readlink, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { compareKeys } from '../core/paths.js';
import type { BaseEntry, ContentHash, LocalEntry } from '../core/types.js';
import { errnoCode } from './errno.js';
import { hashFile } from './hash.js';
import type { IgnoreRules } from './ignore.js';
import { walk, type Skipped, type WalkResult } from './walk.js';

export { hashFile } from './hash.js';
export type { Skipped } from './walk.js';

const lstatAsync = promisify(lstat);
const readlinkAsync = promisify(readlink);

/** Directories read at once; more buys nothing on one disk and costs memory on wide trees. */
const DIR_CONCURRENCY = 8;

export interface ScanOptions {
  /** The database records: a file whose size and mtime match its (non-racy) record is not read. */
  readonly base: ReadonlyMap<string, BaseEntry>;
  /** Repository-relative paths (files or folders) limiting the scan; empty or absent = all. */
  readonly scopes?: readonly string[];
  /** Also honour the `.gitignore` files in the tree. */
  readonly useGitignore?: boolean;
  /** Symbolic links are entries (kind 'link', content = target); otherwise skipped. */
  readonly links?: boolean;
  /** Files hashed at once (default 8). */
  readonly hashConcurrency?: number;
  /**
   * Leave unhashed a file of this size that has no record in the base: a new file whose upload
   * hashes it anyway (a small one read whole into memory, a large one hashed whole and part by
   * part in one pass, md5-thread.ts fileDigests), so hashing it here too would read it twice. The
   * snapshot hashes it after all where the plan needs its content (`hashLater`).
   */
  readonly deferHash?: (size: number) => boolean;
  /**
   * Hears of the bytes read from a big file being hashed (a progress line: a changed file of
   * gigabytes takes seconds). The counts of one file add up to its size exactly once, whatever
   * happens (a retry, a failure), so a listener knows when it is over.
   */
  readonly onHashed?: (path: string, bytes: number, size: number) => void;
  readonly signal?: AbortSignal;
}

/** Files from this size up are reported to `onHashed`: a smaller one is read in an instant. */
const REPORT_HASH_FROM = 8 * 1024 * 1024;

/** `onHashed` for one file: counts clamped to its size, and the rest reported when it is over. */
function hashReport(path: string, size: number, onHashed: NonNullable<ScanOptions['onHashed']>): { onBytes: (n: number) => void; end: () => void } {
  let read = 0;
  const add = (n: number): void => {
    const more = Math.min(n, size - read);
    if (more <= 0) return;
    read += more;
    onHashed(path, more, size);
  };
  return { onBytes: add, end: () => add(size - read) };
}

export interface LocalScan {
  /** Every regular file in scope that is not ignored, by path (in no particular order). */
  readonly entries: Map<string, LocalEntry>;
  /** The ignore rules found in the tree; apply them to remote paths too. */
  readonly ignore: IgnoreRules;
  /** Subdirectories holding their own `.lsync/`: other repositories, excluded entirely. */
  readonly nested: string[];
  /**
   * Paths left out with the reason (links, special files, unreadable folders or files, names that
   * are not UTF-8, files that kept changing). Their state is unknown: never treat them as deleted.
   */
  readonly skipped: Skipped[];
  /** Folders (not the root) in which nothing but ignored entries was found. */
  readonly emptyDirs: string[];
  /** Files left unhashed (`deferHash`): the only entries without a hash. */
  readonly unhashed: string[];
}

export async function scanLocal(root: string, options: ScanOptions): Promise<LocalScan> {
  const absRoot = resolve(root);
  const { base, signal } = options;
  const entries = new Map<string, LocalEntry>();
  const unhashed: string[] = [];
  const hashSkipped: Skipped[] = [];
  const limit = pLimit(Math.max(1, options.hashConcurrency ?? 8));
  const hashing: Promise<void>[] = [];

  const onFile = (path: string, st: Stats): void => {
    if (st.isSymbolicLink()) {
      // A link's "content" is its target: one readlink, never a read through it. No stat
      // shortcut: readlink costs about what the lstat did.
      const task = limit(async () => {
        const r = await readLinkSettled(`${absRoot}/${path}`, st);
        if (r.kind === 'ok') entries.set(path, { path, kind: 'link', size: r.target.byteLength, mtimeMs: r.stats.mtimeMs, mode: r.stats.mode & 0o7777, hash: md5(r.target) });
        else if (r.kind === 'skipped') hashSkipped.push({ path, reason: r.reason });
      });
      task.catch(() => undefined);
      hashing.push(task);
      return;
    }
    const record = base.get(path);
    if (record !== undefined && record.racy !== true && record.size === st.size && record.mtimeMs === st.mtimeMs) {
      entries.set(path, toEntry(path, st, record.hash));
      return;
    }
    if (record === undefined && options.deferHash?.(st.size) === true) {
      entries.set(path, { path, kind: 'file', size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777 });
      unhashed.push(path);
      return;
    }
    const task = limit(async () => {
      const report = options.onHashed !== undefined && st.size >= REPORT_HASH_FROM ? hashReport(path, st.size, options.onHashed) : undefined;
      const r = await hashSettled(`${absRoot}/${path}`, st, signal, report?.onBytes).finally(() => report?.end());
      if (r.kind === 'ok') entries.set(path, toEntry(path, r.stats, r.hash));
      else if (r.kind === 'skipped') hashSkipped.push({ path, reason: r.reason });
    });
    // Only an abort rejects; it is reported through `Promise.all` below, possibly after the walk
    // ends, so it must not count as unhandled meanwhile.
    task.catch(() => undefined);
    hashing.push(task);
  };

  let walked: WalkResult;
  try {
    walked = await walk(absRoot, { scopes: options.scopes ?? [], useGitignore: options.useGitignore ?? false, links: options.links ?? false, concurrency: DIR_CONCURRENCY, ...(signal ? { signal } : {}) }, onFile);
  } catch (e) {
    // Let started hashes finish (they stop at the next chunk when aborted) so nothing runs on
    // after the scan has failed.
    limit.clearQueue();
    await Promise.allSettled(hashing);
    throw e;
  }
  await Promise.all(hashing);

  const skipped = [...walked.skipped, ...hashSkipped].sort((a, b) => compareKeys(a.path, b.path));
  return {
    entries,
    ignore: walked.ignore,
    nested: walked.nested.sort(compareKeys),
    skipped,
    emptyDirs: walked.emptyDirs.sort(compareKeys),
    unhashed,
  };
}

/**
 * The entry of a file the scan left unhashed (ScanOptions.deferHash), now hashed; undefined when
 * the file changed since the scan or cannot be read (the caller keeps it unhashed: the plan then
 * treats its content as unknown, which never overwrites anything).
 */
export async function hashLater(root: string, entry: LocalEntry, signal?: AbortSignal): Promise<LocalEntry | undefined> {
  const abs = `${resolve(root)}/${entry.path}`;
  let st: Stats;
  try {
    st = await lstatAsync(abs);
  } catch {
    return undefined;
  }
  if (!st.isFile() || st.size !== entry.size || st.mtimeMs !== entry.mtimeMs) return undefined;
  const r = await hashSettled(abs, st, signal);
  return r.kind === 'ok' && r.stats.size === entry.size && r.stats.mtimeMs === entry.mtimeMs ? toEntry(entry.path, r.stats, r.hash) : undefined;
}

function toEntry(path: string, st: Stats, hash: ContentHash): LocalEntry {
  return { path, kind: 'file', size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o7777, hash };
}

type Hashed =
  | { readonly kind: 'ok'; readonly hash: ContentHash; readonly stats: Stats }
  | { readonly kind: 'gone' }
  | { readonly kind: 'skipped'; readonly reason: string };

/**
 * Hashes a file and checks it did not change meanwhile (same size, mtime and inode after the read
 * as before), trying once more if it did. A file deleted meanwhile is simply gone.
 */
async function hashSettled(abs: string, first: Stats, signal: AbortSignal | undefined, onBytes?: (bytes: number) => void): Promise<Hashed> {
  let before = first;
  for (let attempt = 0; attempt < 2; attempt++) {
    let hash: ContentHash | undefined;
    try {
      hash = await hashFile(abs, signal, onBytes);
    } catch (e) {
      signal?.throwIfAborted();
      const code = errnoCode(e);
      // Missing, or replaced by a link or a pipe since the stat: look again below.
      if (code !== 'ENOENT' && code !== 'ELOOP' && code !== 'EAGAIN') return { kind: 'skipped', reason: `unreadable file (${code ?? String(e)})` };
    }
    let after: Stats;
    try {
      after = await lstatAsync(abs);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return { kind: 'gone' };
      return { kind: 'skipped', reason: `cannot stat (${errnoCode(e) ?? String(e)})` };
    }
    if (!after.isFile()) break;
    if (hash !== undefined && sameFile(before, after)) return { kind: 'ok', hash, stats: after };
    before = after;
  }
  return { kind: 'skipped', reason: 'changing while scanned' };
}

function md5(data: Uint8Array): ContentHash {
  return createHash('md5').update(data).digest('hex');
}

type ReadLink = { readonly kind: 'ok'; readonly target: Buffer; readonly stats: Stats } | { readonly kind: 'gone' } | { readonly kind: 'skipped'; readonly reason: string };

/** The target of the link at `abs` (raw bytes: a target need not be UTF-8), checked unchanged by a second lstat. */
async function readLinkSettled(abs: string, first: Stats): Promise<ReadLink> {
  try {
    const target = await readlinkAsync(abs, { encoding: 'buffer' });
    const after = await lstatAsync(abs);
    if (!after.isSymbolicLink() || !sameFile(first, after)) return { kind: 'skipped', reason: 'changing while scanned' };
    return { kind: 'ok', target, stats: after };
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') return { kind: 'gone' };
    // EINVAL: no longer a link (replaced since the listing); the next run sees what it is.
    return { kind: 'skipped', reason: `unreadable link (${code ?? String(e)})` };
  }
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}
