/**
 * Reading the three sides: scan the local tree and list the remote in parallel, keep only what
 * this repository may touch, and fill in the content hashes the planner needs (as few HEAD
 * requests as possible: a listing's ETag already identifies single-part content).
 */
import { join } from 'node:path';
import pLimit from 'p-limit';
import { CASE_AND_FORM_SENSITIVE, checkNames, isRefused, type FsBehaviour, type NameProblem } from '../core/names.js';
import { kindChangeOf } from './kind-sides.js';
import { compareKeys, inAnyScope, pathProblem } from '../core/paths.js';
import type { BaseEntry, LocalEntry, RemoteEntry, Snapshot } from '../core/types.js';
import type { Remote, RemoteObject } from '../remote/remote.js';
import { hashLater, scanLocal, type LocalScan, type ScanOptions } from '../scan/local.js';
import type { EventSink } from '../exec/events.js';
import { matchesMultipartEtag } from './multipart-etag.js';

export interface SnapshotOptions {
  readonly root: string;
  readonly remote: Remote;
  readonly base: ReadonlyMap<string, BaseEntry>;
  /** Repository-relative scopes; [] = everything. */
  readonly scopes: readonly string[];
  readonly useGitignore: boolean;
  /** --links: symbolic links are entries (see EntryKind); otherwise skipped with a warning. */
  readonly links?: boolean;
  readonly concurrency: number;
  readonly emit: EventSink;
  readonly signal?: AbortSignal;
  /** How the local file system compares names: decides which remote spellings collide (default: tells every spelling apart). */
  readonly fs?: FsBehaviour;
  /** Bytes of the remote's key prefix, when keys have a length limit (S3); undefined otherwise. */
  readonly keyPrefixBytes?: number;
  /** Files the scan may leave unhashed (ScanOptions.deferHash); hashed here where the plan needs them. */
  readonly deferHash?: (size: number) => boolean;
  /**
   * The remote is taken to be the base, unlisted (the change feed showed nothing new since a full
   * listing found them equal: app/feed-listing.ts). Only for whole-repository runs. A promise
   * while the feed is still being asked: the walk starts meanwhile.
   */
  readonly remoteIsBase?: boolean | Promise<boolean>;
  /**
   * The local tree already scanned, with these options' root, scopes and ignore settings, instead
   * of a scan here (`remote list`: one walk for every remote). Its hashes may have been judged
   * against another base; files it left unhashed are hashed here where this base needs them.
   */
  readonly scan?: LocalScan;
}

export interface TakenSnapshot extends Snapshot {
  /** Names refused (colliding or too long), each already reported as a warning; left out of all three sides. */
  readonly names: readonly NameProblem[];
}

const PLAIN_MD5 = /^[0-9a-f]{32}$/;

/**
 * Every remote object in scope, each handed to `take` once. The whole prefix comes as the service
 * lists it (`anyOrder`: the caller files objects by path), page by page, so the caller's work on
 * one page overlaps the wait for the next; scopes are deduplicated and handed out in byte order.
 */
async function listRemote(remote: Remote, scopes: readonly string[], base: ReadonlyMap<string, BaseEntry>, take: (o: RemoteObject) => void, signal?: AbortSignal): Promise<void> {
  if (scopes.length === 0) {
    // The last synced state tells the remote where its keys are: it may list ranges between them side by side.
    for await (const o of remote.list('', signal, { known: base, anyOrder: true })) take(o);
    return;
  }
  const found = new Map<string, RemoteObject>();
  await Promise.all(
    scopes.map(async (scope) => {
      // A scope may name a file or a folder: ask for both.
      const [single] = await Promise.all([
        remote.stat(scope, signal),
        (async () => {
          for await (const o of remote.list(scope, signal)) found.set(o.path, o);
        })(),
      ]);
      if (single !== undefined) found.set(single.path, single);
    }),
  );
  for (const o of [...found.values()].sort((a, b) => compareKeys(a.path, b.path))) take(o);
}

/** The base as the listing would show it: files as objects, folders as their `dir/` markers. */
function baseAsListing(base: ReadonlyMap<string, BaseEntry>, take: (o: RemoteObject) => void): void {
  for (const b of base.values()) {
    const path = b.kind === 'dir' ? `${b.path}/` : b.path;
    take({ path, size: b.kind === 'dir' ? 0 : b.size, etag: b.etag, lastModifiedMs: b.mtimeMs, ...(b.versionId !== undefined ? { versionId: b.versionId } : {}) });
  }
}

function isInside(path: string, folders: readonly string[]): boolean {
  for (const f of folders) if (path.startsWith(`${f}/`)) return true;
  return false;
}

function isAtOrInside(path: string, paths: ReadonlySet<string>, folders: readonly string[]): boolean {
  return paths.has(path) || isInside(path, folders);
}

/** Every folder above each path (`a/b/c` → `a`, `a/b`). */
function foldersAbove(paths: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const p of paths) for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) out.add(p.slice(0, i));
  return out;
}

/**
 * Paths the walk skipped (symlinks, special files, unreadable folders, files changing while
 * scanned) are unknown, not absent: on all three sides they are left out of the plan, so a skipped
 * file is never taken for a deletion, and nothing is ever written through a symlink. Folders
 * holding something the walk could not judge (skipped entries, nested repositories) exist here
 * whatever the entries say: their markers and dir records are left alone.
 */
interface UnknownPaths {
  readonly blocked: readonly string[];
  readonly blockedSet: ReadonlySet<string>;
  readonly occupied: ReadonlySet<string>;
}

/** Names that are not UTF-8: left out like refused names (exit 1), named by their escaped bytes, each told once. */
function badNameProblems(scan: LocalScan, o: SnapshotOptions): NameProblem[] {
  const problems: NameProblem[] = [];
  for (const s of scan.skipped) {
    if (s.badName !== true) continue;
    const message = `"${s.path}": ${s.reason}; left out: rename it to a UTF-8 name`;
    problems.push({ kind: 'not-utf8', path: s.path, message });
    o.emit({ type: 'warning', path: s.path, message });
  }
  return problems;
}

function unknownPaths(scan: LocalScan): UnknownPaths {
  const blocked = scan.skipped.map((s) => s.path);
  return { blocked, blockedSet: new Set(blocked), occupied: foldersAbove([...blocked, ...scan.nested]) };
}

/** Where the filer puts what it keeps. */
interface Filed {
  readonly remote: Map<string, RemoteEntry>;
  /** Folder markers (`dir/` keys), apart: S3 can hold a file `a` and a marker `a/` at once. */
  readonly markers: Map<string, RemoteEntry>;
  /** Objects (not markers) the base does not describe (new, or another ETag): the only ones `identifyRemote` looks at. */
  readonly changed: string[];
}

/** Files each listed object into `remote` or `markers`, or leaves it out (with a warning where a user should know). */
function remoteFiler(scan: LocalScan, unknown: UnknownPaths, o: SnapshotOptions, filed: Filed): (obj: RemoteObject) => void {
  const { blocked, blockedSet, occupied } = unknown;
  const { remote, markers, changed } = filed;
  return (obj) => {
    const marker = obj.path.endsWith('/');
    const path = marker ? obj.path.slice(0, -1) : obj.path;
    // A file the walk found here has a usable name, in scope, neither ignored nor inside a nested
    // repository or a skipped folder: the checks below can only agree (most of a large no-op).
    if (!marker && scan.entries.has(path)) {
      fileObject(obj, path, o.base.get(path), filed);
      return;
    }
    const problem = pathProblem(path);
    if (problem !== undefined) {
      // A shared bucket is input from other people: never let a key escape the tree or reach .lsync/.
      o.emit({ type: 'warning', path: obj.path, message: `remote key ${JSON.stringify(obj.path)} ignored: ${problem}` });
      return;
    }
    if (marker && obj.size > 0) {
      // Not a folder marker but data under a name no local file can have: never deleted, never fetched.
      o.emit({ type: 'warning', path: obj.path, message: `remote key ${JSON.stringify(obj.path)} ignored: it ends in "/" but holds ${obj.size} bytes` });
      return;
    }
    if (scan.ignore.ignores(path, marker)) return;
    if (isInside(path, scan.nested)) return;
    if (isAtOrInside(path, blockedSet, blocked)) return;
    if (marker && occupied.has(path)) return;
    if (marker) markers.set(path, remoteEntry(obj, path, 'dir'));
    else fileObject(obj, path, o.base.get(path), filed);
  };
}

function remoteEntry(obj: RemoteObject, path: string, kind: RemoteEntry['kind'], hash?: string): RemoteEntry {
  // Filled in place rather than spread: one object per listed key (spreads made two or three).
  const entry: { -readonly [K in keyof RemoteEntry]: RemoteEntry[K] } = { path, kind, size: obj.size, etag: obj.etag, lastModifiedMs: obj.lastModifiedMs };
  if (obj.versionId !== undefined) entry.versionId = obj.versionId;
  if (hash !== undefined) entry.hash = hash;
  return entry;
}

/** An object unchanged since the base is what the base says it is (its kind and content hash); any other is `changed`. */
function fileObject(obj: RemoteObject, path: string, b: BaseEntry | undefined, filed: Filed): void {
  if (b !== undefined && b.etag === obj.etag) {
    filed.remote.set(path, remoteEntry(obj, path, b.kind, b.hash));
  } else {
    filed.remote.set(path, remoteEntry(obj, path, 'file'));
    filed.changed.push(path);
  }
}

/** What the local walk is told: the snapshot's options, and where its hashing is reported. */
function scanOptions(o: SnapshotOptions): ScanOptions {
  return {
    base: o.base,
    scopes: o.scopes,
    useGitignore: o.useGitignore,
    links: o.links ?? false,
    ...(o.deferHash !== undefined ? { deferHash: o.deferHash } : {}),
    // A big changed file takes seconds to hash: the progress line says which and how far.
    onHashed: (path, bytes, size) => o.emit({ type: 'hashing', path, bytes, size }),
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
  };
}

/**
 * Files the scan left unhashed (`deferHash`: new, and read by their upload anyway) are hashed
 * now where the plan compares their content: an object at the same path on the remote, or a
 * file of the same size gone from here since the base (a rename, done on the remote as a copy).
 */
async function hashDeferred(o: SnapshotOptions, unhashed: readonly string[], local: Map<string, LocalEntry>, remote: ReadonlyMap<string, RemoteEntry>): Promise<void> {
  if (unhashed.length === 0) return;
  const goneSizes = new Set<number>();
  for (const [path, b] of o.base) if (b.kind === 'file' && !local.has(path)) goneSizes.add(b.size);
  const deferred: LocalEntry[] = [];
  for (const path of unhashed) {
    const l = local.get(path);
    if (l !== undefined && l.kind === 'file' && l.hash === undefined && (remote.has(l.path) || goneSizes.has(l.size))) deferred.push(l);
  }
  const hashing = pLimit(8);
  await Promise.all(
    deferred.map((l) =>
      hashing(async () => {
        const hashed = await hashLater(o.root, l, o.signal);
        if (hashed !== undefined) local.set(l.path, hashed);
      }),
    ),
  );
}

/**
 * Content hashes for remote objects: from the base when the ETag is unchanged, from the ETag
 * when it is a plain MD5; otherwise a HEAD (lsync's metadata), only when a local file has to
 * be compared with it.
 */
async function identifyRemote(o: SnapshotOptions, local: ReadonlyMap<string, LocalEntry>, remote: Map<string, RemoteEntry>, changed: readonly string[]): Promise<void> {
  if (changed.length === 0) return;
  // Also for a new object nobody here has yet whose size is that of a file the remote lost since
  // the base: it may be that file renamed, and only its content hash can tell (a rename is done
  // locally as a rename, never fetched again). Multipart uploads and file:// remotes have no MD5
  // ETag, so without this HEAD a renamed large file would be downloaded again.
  const vanishedSizes = new Set<number>();
  for (const [path, b] of o.base) if (b.kind === 'file' && !remote.has(path) && local.has(path)) vanishedSizes.add(b.size);
  // Kinds: a listing cannot tell a link object from a file (only its metadata can). An unchanged
  // object keeps its base's kind; a changed one is taken for a file unless a HEAD says otherwise,
  // and one is sent wherever a local link is compared with it (links are few). A download finds
  // out from the GET's own metadata anyway (exec/executor.ts).
  const heads: string[] = [];
  // Under SSE-KMS / SSE-C an ETag looks like an MD5 but is not one: only lsync's metadata tells.
  const md5Etag = (etag: string): boolean => o.remote.capabilities.etagIsMd5 !== false && PLAIN_MD5.test(etag);
  // Objects the base describes were filed with its kind and hash (remoteFiler); markers have no content.
  for (const path of changed) {
    const r = remote.get(path);
    if (r === undefined || r.kind === 'dir') continue; // refused since, or a marker of that name kept instead
    const b = o.base.get(path);
    if (local.get(path)?.kind === 'link') heads.push(path);
    else if (md5Etag(r.etag)) remote.set(path, { ...r, hash: r.etag });
    else if (local.has(path)) heads.push(path);
    else if (b === undefined && vanishedSizes.has(r.size)) heads.push(path);
  }
  const limit = pLimit(Math.max(1, o.concurrency));
  await Promise.all(
    heads.map((path) =>
      limit(async () => {
        const st = await o.remote.stat(path, o.signal);
        const r = remote.get(path);
        if (st === undefined || r === undefined) return;
        const extra: { hash?: string; mtimeMs?: number; mode?: number; kind?: 'link' } = {};
        if (st.meta?.md5 !== undefined && st.etag === r.etag) extra.hash = st.meta.md5;
        else if (md5Etag(r.etag)) extra.hash = r.etag;
        if (st.meta?.link === true && st.etag === r.etag) extra.kind = 'link';
        if (st.meta?.mtimeMs !== undefined) extra.mtimeMs = st.meta.mtimeMs;
        if (st.meta?.mode !== undefined) extra.mode = st.meta.mode;
        remote.set(path, { ...r, ...extra });
      }),
    ),
  );

  // Multipart objects written by other tools carry no MD5: recompute their ETag from the local file
  // of the same size, so identical content is still recognised.
  await Promise.all(
    heads.map((path) =>
      limit(async () => {
        const r = remote.get(path);
        const l = local.get(path);
        if (r === undefined || r.hash !== undefined || l?.hash === undefined || l.size !== r.size || o.remote.capabilities.etagIsMd5 === false) return;
        const file = join(o.root, ...path.split('/'));
        if (await matchesMultipartEtag(file, l.size, r.etag, o.signal).catch(() => false)) remote.set(path, { ...r, hash: l.hash });
      }),
    ),
  );
}

/** The base within scope, less what this run cannot judge (ignored, nested, skipped, refused). */
function scopedBase(o: SnapshotOptions, scan: LocalScan, unknown: UnknownPaths, refused: (path: string) => boolean): Map<string, BaseEntry> {
  const { blocked, blockedSet, occupied } = unknown;
  const base = new Map<string, BaseEntry>();
  for (const [path, b] of o.base) {
    // What the walk found here is in scope and neither ignored, nested nor skipped (as in remoteFiler).
    if (scan.entries.has(path)) {
      if (!refused(path)) base.set(path, b);
      continue;
    }
    if (!inAnyScope(path, o.scopes)) continue;
    const dir = b.kind === 'dir';
    if (scan.ignore.ignores(path, dir) || isInside(path, scan.nested) || isAtOrInside(path, blockedSet, blocked)) continue;
    if (dir && occupied.has(path)) continue;
    if (refused(path)) continue;
    base.set(path, b);
  }
  return base;
}

export async function takeSnapshot(o: SnapshotOptions): Promise<TakenSnapshot> {
  const filed: Filed = { remote: new Map(), markers: new Map(), changed: [] };
  const { remote, markers } = filed;
  // Remote objects are filed as they arrive once the walk is done (which keys count depends on
  // its ignore rules and skipped paths); those that arrive before wait here.
  let file: ((obj: RemoteObject) => void) | undefined;
  const early: RemoteObject[] = [];
  const take = (obj: RemoteObject): void => {
    if (file !== undefined) file(obj);
    else early.push(obj);
  };
  // The listing first: its first request goes out before the walk's first synchronous stretch.
  // Whether the base stands in for it may still be being asked of the change feed: the walk does
  // not wait for that answer (a round trip to the server).
  const baseOrList = (isBase: boolean): Promise<void> => (isBase && o.scopes.length === 0 ? Promise.resolve(baseAsListing(o.base, take)) : listRemote(o.remote, o.scopes, o.base, take, o.signal));
  const [, scanned] = await Promise.all([
    o.remoteIsBase instanceof Promise ? o.remoteIsBase.then(baseOrList) : baseOrList(o.remoteIsBase === true),
    (o.scan !== undefined ? Promise.resolve(o.scan) : scanLocal(o.root, scanOptions(o))).then((scan) => {
      for (const s of scan.skipped) if (s.badName !== true) o.emit({ type: 'warning', path: s.path, message: `${s.path}: skipped (${s.reason})` });
      const unknown = unknownPaths(scan);
      file = remoteFiler(scan, unknown, o, filed);
      for (const obj of early) file(obj);
      early.length = 0;
      return { ...unknown, scan };
    }),
  ]);
  const { scan } = scanned;

  // Names that would collide here, or keys S3 cannot hold: refused, never merged. Checked before
  // any HEAD so refused objects cost nothing, and left out of all three sides like skipped paths.
  const names = checkNames({
    local: scan.entries.keys(),
    remote: remote.keys(),
    localDirs: scan.emptyDirs,
    remoteDirs: markers.keys(),
    fs: o.fs ?? CASE_AND_FORM_SENSITIVE,
    ...(o.keyPrefixBytes !== undefined ? { keyPrefixBytes: o.keyPrefixBytes } : {}),
    kindChange: kindChangeOf(scan.entries, scan.emptyDirs, remote, markers, o.base), // one side's file ↔ folder: carried out
  });
  for (const p of names.problems) o.emit({ type: 'warning', path: p.kind === 'too-long' || p.kind === 'not-utf8' ? p.path : p.kind === 'file-folder' ? p.file.path : (p.spellings[0]?.path ?? ''), message: p.message });
  const local = new Map<string, LocalEntry>(scan.entries);
  // A folder with nothing to synchronise in it is an entry of its own (its stat says nothing the
  // rules use: a folder has no content).
  for (const path of scan.emptyDirs) local.set(path, { path, kind: 'dir', size: 0, mtimeMs: 0, mode: 0 });
  // A file and a marker of one name were refused above; otherwise each path has one or the other.
  for (const [path, m] of markers) if (!remote.has(path)) remote.set(path, m);
  if (names.problems.length > 0) {
    for (const path of [...remote.keys()]) if (isRefused(names, path)) remote.delete(path);
    for (const path of [...local.keys()]) if (isRefused(names, path)) local.delete(path);
  }
  const refused = (path: string): boolean => names.problems.length > 0 && isRefused(names, path);

  await hashDeferred(o, scan.unhashed, local, remote);
  await identifyRemote(o, local, remote, filed.changed);
  const base = scopedBase(o, scan, scanned, refused);
  return { local, base, remote, names: [...badNameProblems(scan, o), ...names.problems] };
}

