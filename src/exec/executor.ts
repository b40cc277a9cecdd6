/**
 * The executor: carries out a plan, and only a plan.
 *
 * - Each action re-checks its precondition just before its effect (the local file is still what
 *   the scan saw; the remote object is still what the listing saw, by conditional request), so a
 *   change that lands mid-run is skipped for the next run to see, never overwritten.
 * - Each finished action is recorded in the database as it finishes, never before (group-committed
 *   journal: a record lost to a crash costs only a "both sides equal" that the next run adopts).
 * - Transfers (and moves: server-side copy + delete, or a local rename) run first, under the
 *   concurrency limit; deletions run only when no transfer failed ("no deletes after an error in
 *   the same run").
 */
import { createHash, randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { readFileSync, renameSync, type Stats } from 'node:fs';
import { chmod, link, lstat, lutimes, mkdir, readFile, readlink, rename, rmdir, symlink, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { actsOnDir, dirBase } from '../core/dirs.js';
import { assertNever, EMPTY_HASH, type Action, type BaseEntry, type EntryKind, type LocalEntry, type RemoteEntry } from '../core/types.js';
import { mtimeSeconds } from '../core/mtime.js';
import type { KeepBoth } from '../core/settle.js';
import { RemoteError, type PartDigests, type Remote, type RemoteObject, type UploadCheckpoint } from '../remote/remote.js';
import type { Database } from '../state/database.js';
import { hashFile } from '../scan/hash.js';
import { fileDigests } from '../scan/md5-thread.js';
import { UploadCheckpoints } from './checkpoints.js';
import { fetchObject, Partials } from './download.js';
import type { EventSink, ExecActionType } from './events.js';
import { ensureDir, ensureParentDir, LocalPathError, lstatQuiet, removeEmptyParents, type Trash } from './localfs.js';

export type KeepBothAction = KeepBoth;

export type ExecAction = Action | KeepBothAction;

export interface ExecContext {
  readonly root: string;
  readonly metaDir: string;
  readonly stateDir?: string; // the remote's state folder (.lsync/remotes/<name>/, its upload checkpoints); default metaDir
  readonly remote: Remote;
  readonly db: Database;
  readonly trash: Trash;
  readonly emit: EventSink;
  readonly concurrency: number;
  /** --links: upload symbolic links as link objects, and recreate link objects as links. */
  readonly links?: boolean;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /** Aborts the multipart upload a stale checkpoint describes (S3); absent where uploads are whole. */
  readonly discardUpload?: (checkpoint: UploadCheckpoint) => Promise<void>;
}

export interface ExecResult {
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Deletions not attempted because an earlier action failed or the run was interrupted. */
  readonly postponed: number;
  readonly interrupted: boolean;
}

/** Files up to this size are read into memory, hashed and sent from one buffer: what is sent is what is hashed. */
export const SMALL_FILE = 8 * 1024 * 1024;
/**
 * After the first Ctrl-C, actions already running that move little (small files, deletes, moves)
 * get this long to finish before they are aborted too; large transfers stop at once, since they
 * resume on the next run.
 */
const DRAIN_MS = 10_000;
/** A file modified this close to when it is recorded may change again within the same mtime tick. */
const RACY_MS = 2000;

/** Thrown inside an action to report "not done, for a good reason" rather than a failure. */
class Skip extends Error {}

/** A Skip that is a policy, not a race: reported once as a warning (the message), not as "the next run picks it up". */
class Ignored extends Skip {}

/** Longest link target accepted from the remote (Linux PATH_MAX): a bigger "link" is not one. */
const MAX_LINK_TARGET = 4096;

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}


/** The thing at a path is still the one scanned: same kind (a link is never taken for a file), size and mtime. */
function sameStat(st: Stats, entry: { readonly kind: EntryKind; readonly size: number; readonly mtimeMs: number }): boolean {
  const kindOk = entry.kind === 'link' ? st.isSymbolicLink() : st.isFile();
  return kindOk && st.size === entry.size && st.mtimeMs === entry.mtimeMs;
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

export async function execute(actions: readonly ExecAction[], ctx: ExecContext): Promise<ExecResult> {
  const now = ctx.now ?? Date.now;
  const abs = (path: string): string => join(ctx.root, ...path.split('/'));
  const tmpDir = join(ctx.metaDir, 'tmp');
  const knownDirs = new Set<string>();
  await mkdir(tmpDir, { recursive: true });
  const partials = await Partials.open(tmpDir, now());

  // Interruption: ctx.signal stops new actions at once; `drain` aborts the small ones in flight
  // only if they outlast DRAIN_MS.
  const drain = new AbortController();
  // Every small action in flight listens on it, like on ctx.signal (see bin/lsync.js).
  setMaxListeners(0, drain.signal);
  let drainTimer: NodeJS.Timeout | undefined;
  const onStop = (): void => {
    drainTimer = setTimeout(() => drain.abort(ctx.signal?.reason), DRAIN_MS);
  };
  ctx.signal?.addEventListener('abort', onStop, { once: true });
  /** The signal for a step that moves `bytes`. */
  const signalFor = (bytes: number): { signal?: AbortSignal } =>
    ctx.signal === undefined ? {} : { signal: bytes > SMALL_FILE ? ctx.signal : drain.signal };

  // Checkpoints of interrupted uploads whose file changed since will never be continued: abort
  // their multipart uploads (they cost storage) and forget them, once per run.
  const checkpoints = new UploadCheckpoints(ctx.stateDir ?? ctx.metaDir, ctx.root);
  if (ctx.discardUpload !== undefined) {
    for (const s of await checkpoints.stale()) {
      try {
        await ctx.discardUpload({ state: s.state });
        await checkpoints.discard(s.path);
      } catch (e) {
        ctx.emit({ type: 'warning', path: s.path, message: `${s.path}: could not abort an unfinished upload (${describe(e, s.path)}); it is tried again next run` });
      }
    }
  }

  let done = 0;
  let skipped = 0;
  let failed = 0;
  let bytesSent = 0;
  let bytesReceived = 0;

  const record = (entry: BaseEntry): void => ctx.db.set(entry);
  const baseFrom = (path: string, st: Stats, hash: string, etag: string, versionId: string | undefined): BaseEntry => {
    const racy = now() - st.mtimeMs < RACY_MS;
    return {
      path,
      kind: st.isSymbolicLink() ? 'link' : 'file',
      size: st.size,
      hash,
      mtimeMs: st.mtimeMs,
      mode: st.mode & 0o7777,
      etag,
      ...(versionId !== undefined ? { versionId } : {}),
      ...(racy ? { racy: true } : {}),
    };
  };

  async function upload(path: string, local: LocalEntry, expectRemote: RemoteEntry | undefined): Promise<number> {
    const file = abs(path);
    const st = lstatQuiet(file);
    if (st === undefined || !sameStat(st, local)) throw new Skip('changed locally since it was scanned');
    let hash: string;
    let result;
    const meta = { mtimeMs: st.mtimeMs, mode: st.mode & 0o7777 };
    const cond = expectRemote !== undefined ? { ifMatch: expectRemote.etag } : { ifNoneMatch: true };
    const onProgress = (bytes: number): void => ctx.emit({ type: 'progress', path, bytes });
    const signal = signalFor(st.size);
    if (local.kind === 'link') {
      if (ctx.links !== true) throw new Ignored(`${path}: a symbolic link, left alone (sync with --links to store it)`);
      // The body is the target itself, never what it points to; the mode of a link means nothing.
      const target = await readlink(file, { encoding: 'buffer' });
      const again = lstatQuiet(file);
      if (again === undefined || !sameStat(again, local) || again.ino !== st.ino) throw new Skip('changed locally while being read');
      hash = md5(target);
      result = await ctx.remote.put(path, { kind: 'bytes', data: target }, { meta: { md5: hash, mtimeMs: st.mtimeMs, link: true }, ...cond, onProgress, ...signal });
      record(baseFrom(path, st, hash, result.etag, result.versionId));
      return target.byteLength;
    }
    if (st.size <= SMALL_FILE) {
      // Synchronous, like the small downloads (see download.ts SMALL_OBJECT): a small read from a
      // local disk costs less than the thread-pool round trips of an async open/fstat/read/close.
      const data = readFileSync(file);
      const again = lstatQuiet(file);
      if (again === undefined || !sameStat(again, local)) throw new Skip('changed locally while being read');
      hash = md5(data);
      result = await ctx.remote.put(path, { kind: 'bytes', data }, { meta: { ...meta, md5: hash }, ...cond, onProgress, ...signal });
    } else {
      let partMd5s: PartDigests | undefined;
      if (local.hash !== undefined) hash = local.hash;
      else {
        // Left unhashed by the scan (a new file the remote takes in parts): the whole-file MD5 (for
        // the metadata, before the upload starts) and each part's (to check the part ETags) in one
        // pass of two threads, so the upload does not hash each part again as it sends it.
        const partSize = ctx.remote.partSizeFor?.(st.size);
        if (partSize !== undefined) {
          const digests = await fileDigests(file, st.size, partSize, ctx.signal);
          hash = digests.md5;
          partMd5s = digests.parts;
        } else {
          hash = await hashFile(file, ctx.signal);
        }
        const again = lstatQuiet(file);
        if (again === undefined || !sameStat(again, local)) throw new Skip('changed locally while being read');
      }
      // Large files upload resumably: an interrupted upload continues from its stored parts on the
      // next run, and only the bytes really sent are counted.
      let sent = 0;
      const resume = checkpoints.storeFor(path, { size: st.size, mtimeMs: st.mtimeMs, md5: hash });
      result = await ctx.remote.put(
        path,
        { kind: 'file', file, size: st.size },
        {
          meta: { ...meta, md5: hash },
          ...cond,
          onProgress: (bytes) => {
            sent += bytes;
            onProgress(bytes);
          },
          resume,
          ...(partMd5s !== undefined ? { partMd5s } : {}),
          ...signal,
        },
      );
      const after = lstatQuiet(file);
      if (after === undefined || !sameStat(after, local)) {
        ctx.emit({ type: 'warning', path, message: `${path}: changed while it was being uploaded; the next run sends it again` });
        return sent;
      }
      record(baseFrom(path, st, hash, result.etag, result.versionId));
      return sent;
    }
    record(baseFrom(path, st, hash, result.etag, result.versionId));
    return st.size;
  }

  async function download(path: string, remote: RemoteEntry, expectLocal: LocalEntry | undefined): Promise<number> {
    const file = abs(path);
    const checkLocal = async (): Promise<Stats | undefined> => {
      const cur = lstatQuiet(file);
      if (expectLocal === undefined) {
        if (cur !== undefined) throw new Skip(cur.isSymbolicLink() ? 'a symlink stands at this path' : 'appeared locally since the scan');
      } else if (cur === undefined || !sameStat(cur, expectLocal)) {
        throw new Skip('changed locally since it was scanned');
      }
      return cur;
    };
    await checkLocal();
    await ensureParentDir(ctx.root, path, knownDirs);
    const attributes = (object: RemoteObject): { mode?: number; mtimeMs: number } => {
      const mode = object.meta?.mode ?? expectLocal?.mode;
      // Never take setuid/setgid/sticky bits from a shared bucket.
      return { ...(mode !== undefined ? { mode: mode & 0o777 } : {}), mtimeMs: object.meta?.mtimeMs ?? object.lastModifiedMs };
    };
    const fetched = await fetchObject(path, remote, {
      remote: ctx.remote,
      partials,
      emit: ctx.emit,
      attributes,
      ...signalFor(remote.size),
    });
    const { tmp, object } = fetched;
    if (object.meta?.link === true) return installLink(path, fetched, checkLocal);
    let renamed = false;
    try {
      if (fetched.stats === undefined) {
        // A large download: its attributes are set here (small ones come with them set).
        const { mode, mtimeMs } = attributes(object);
        if (mode !== undefined) await chmod(tmp, mode);
        await utimes(tmp, new Date(), mtimeSeconds(mtimeMs));
      }
      const cur = await checkLocal();
      if (cur !== undefined) await ctx.trash.keepCopy(path);
      // Synchronous, like the lstats around it: a rename is one metadata operation, and handing it
      // to the thread pool cost the main thread ~55 µs a file on the 2-core bench machine (the
      // wake-up of a pool thread), 0.5 s of a 10,000-file pull, more than the rename itself.
      renameSync(tmp, file);
      renamed = true;
      // A rename keeps size, mtime and mode: the stat taken before it is the file's.
      const st = fetched.stats ?? (await lstat(file));
      record(baseFrom(path, st, fetched.hash, object.etag, object.versionId));
      return fetched.received;
    } finally {
      // Complete but not wanted after all (changed locally meanwhile): only partials are kept.
      if (!renamed) await unlink(tmp).catch(() => undefined);
    }
  }

  /**
   * A link object (its body in `fetched.tmp` is the target): recreated as a symbolic link, created
   * under a temporary name in `.lsync/tmp/` and renamed into place, under the same preconditions
   * as a file. Nothing is ever written through the link, whatever its target (absolute, or out of
   * the repository: stored as data, recreated as-is): lutimes, not utimes, and no chmod.
   */
  async function installLink(path: string, fetched: Awaited<ReturnType<typeof fetchObject>>, checkLocal: () => Promise<Stats | undefined>): Promise<number> {
    const { tmp, object } = fetched;
    let tmpLink: string | undefined;
    try {
      if (ctx.links !== true) throw new Ignored(`${path}: a symbolic link on the remote, left alone (sync with --links to recreate it)`);
      if (object.size === 0 || object.size > MAX_LINK_TARGET) throw new Ignored(`${path}: marked as a symbolic link on the remote, but its target is ${object.size} bytes; left alone`);
      const target = await readFile(tmp);
      if (target.includes(0)) throw new Ignored(`${path}: marked as a symbolic link on the remote, but its target holds a NUL byte; left alone`);
      tmpLink = join(tmpDir, `ln-${randomBytes(8).toString('hex')}`);
      await symlink(target, tmpLink);
      const mtimeMs = object.meta?.mtimeMs ?? object.lastModifiedMs;
      await lutimes(tmpLink, new Date(), mtimeSeconds(mtimeMs));
      const cur = await checkLocal();
      if (cur !== undefined) await ctx.trash.keepCopy(path);
      await rename(tmpLink, abs(path));
      tmpLink = undefined;
      const st = await lstat(abs(path));
      record(baseFrom(path, st, fetched.hash, object.etag, object.versionId));
      return fetched.received;
    } finally {
      await unlink(tmp).catch(() => undefined);
      if (tmpLink !== undefined) await unlink(tmpLink).catch(() => undefined);
    }
  }

  async function deleteLocal(path: string, local: LocalEntry): Promise<void> {
    const cur = lstatQuiet(abs(path));
    if (cur !== undefined) {
      if (!sameStat(cur, local)) throw new Skip('changed locally since it was scanned');
      await ctx.trash.moveIn(path);
    }
    ctx.db.delete(path);
    await removeEmptyParents(ctx.root, path);
  }

  async function deleteRemote(path: string, remote: RemoteEntry): Promise<void> {
    await ctx.remote.delete(path, { ifMatch: remote.etag, ...signalFor(0) });
    ctx.db.delete(path);
  }

  /**
   * A local rename, carried out on the remote: copy the object server-side (guarded by the
   * source's ETag, and only if nothing is at the new path), then delete the source. No bytes are
   * sent, unless the service cannot copy this object (no multipart copy above 5 GiB): then the
   * local file is uploaded instead, with the same guards. Returns the bytes sent.
   */
  async function moveRemote(a: Extract<Action, { type: 'move-remote' }>): Promise<number> {
    const st = lstatQuiet(abs(a.path));
    if (st === undefined || !sameStat(st, a.local)) throw new Skip('changed locally since it was scanned');
    const signal = signalFor(0);
    let sent = 0;
    try {
      // ifNoneMatch: an object a collaborator put at the new path after the listing is never
      // overwritten (checked by the service where it can, else by a HEAD just before: a narrow race).
      const copied = await ctx.remote.copy(a.from, a.path, { ifMatch: a.remote.etag, ifNoneMatch: true, size: a.remote.size, ...signal });
      // The content is the base's (that is what paired the move); the local stat is what was just
      // checked. Recorded before the source's delete: the new path is in sync whatever happens next.
      record(baseFrom(a.path, st, a.base.hash, copied.etag, copied.versionId));
    } catch (e) {
      if (!(e instanceof RemoteError && e.kind === 'unsupported')) throw e;
      ctx.emit({ type: 'warning', path: a.path, message: `${a.path}: the remote cannot copy ${a.from} server-side; uploading it instead` });
      sent = await upload(a.path, a.local, undefined);
    }
    try {
      await ctx.remote.delete(a.from, { ifMatch: a.remote.etag, ...signal });
    } catch (e) {
      if (e instanceof RemoteError && e.kind === 'precondition') {
        // Rewritten by a collaborator meanwhile: keep it (and its base, so the next run sees a
        // remote edit against a local delete and restores it).
        throw new Skip(`copied, but ${a.from} changed on the remote since it was listed and was kept`);
      }
      throw e;
    }
    ctx.db.delete(a.from);
    return sent;
  }

  /** Sources of local moves, whose emptied folders are removed once no move or download runs. */
  const movedAway: string[] = [];

  /**
   * A remote rename, carried out locally. A hard link then an unlink, rather than rename(): the
   * link fails if anything appeared at the new path, so nothing is ever overwritten, and an
   * interruption between the two leaves both names (the next run drops the old one).
   */
  async function moveLocal(a: Extract<Action, { type: 'move-local' }>): Promise<void> {
    const from = abs(a.from);
    const to = abs(a.path);
    const cur = lstatQuiet(from);
    if (cur === undefined || !sameStat(cur, a.local)) throw new Skip(`${a.from} changed locally since it was scanned`);
    if ((lstatQuiet(to)) !== undefined) throw new Skip('appeared locally since the scan');
    await ensureParentDir(ctx.root, a.path, knownDirs);
    let linked = false;
    try {
      await link(from, to);
      linked = true;
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EEXIST') throw new Skip('appeared locally since the scan');
      if (code === 'ENOENT') throw new Skip(`${a.from} vanished locally since it was scanned`);
      // No hard links on this file system: rename, right after the check above.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    }
    if (linked) {
      await unlink(from).catch((e: unknown) => {
        if (errnoCode(e) !== 'ENOENT') throw e;
      });
    } else {
      if ((lstatQuiet(to)) !== undefined) throw new Skip('appeared locally since the scan');
      await rename(from, to);
    }
    const st = await lstat(to);
    record(baseFrom(a.path, st, a.base.hash, a.remote.etag, a.remote.versionId));
    ctx.db.delete(a.from);
    movedAway.push(a.from);
  }

  // --- Dir entries (core/dirs.ts): an empty folder here, a `path/` marker on the remote. ---

  async function isFolder(path: string): Promise<boolean> {
    return (lstatQuiet(abs(path)))?.isDirectory() === true;
  }

  /** Put the marker of a local empty folder, if-none-match (or if-match the one it replaces). */
  async function putMarker(path: string, expectRemote: RemoteEntry | undefined): Promise<void> {
    if (!(await isFolder(path))) throw new Skip('no longer a folder here');
    const cond = expectRemote !== undefined ? { ifMatch: expectRemote.etag } : { ifNoneMatch: true };
    const result = await ctx.remote.put(`${path}/`, { kind: 'bytes', data: new Uint8Array() }, { meta: { md5: EMPTY_HASH }, ...cond, ...signalFor(0) });
    record(dirBase(path, result.etag, result.versionId, true));
  }

  /** Make the local folder of a marker (or keep the one a pull just emptied). */
  async function makeDir(a: Extract<Action, { type: 'download' }>): Promise<void> {
    const cur = lstatQuiet(abs(a.path));
    if (cur !== undefined && !cur.isDirectory()) throw new Skip(cur.isSymbolicLink() ? 'a symlink stands at this path' : 'a file stands at this path');
    // No cache of known folders: the removals of this run's last phases may have taken some.
    if (cur === undefined) await ensureDir(ctx.root, a.path);
    const own = a.base?.kind === 'dir' && a.base.ownMarker === true && a.base.etag === a.remote.etag;
    record(dirBase(a.path, a.remote.etag, a.remote.versionId, own));
  }

  /** rmdir, never anything more: a folder that got files (even ignored ones) meanwhile is kept. */
  async function removeDir(path: string): Promise<void> {
    const cur = lstatQuiet(abs(path));
    if (cur !== undefined) {
      if (!cur.isDirectory()) throw new Skip('no longer a folder here');
      try {
        await rmdir(abs(path));
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new Skip('the folder is no longer empty (ignored files count too): kept');
        if (code !== 'ENOENT') throw e;
      }
    }
    ctx.db.delete(path);
    await removeEmptyParents(ctx.root, path);
  }

  async function deleteMarker(path: string, remote: RemoteEntry): Promise<void> {
    await ctx.remote.delete(`${path}/`, { ifMatch: remote.etag, ...signalFor(0) });
    ctx.db.delete(path);
  }

  /** Both sides have the folder: record it. The marker was not put by this lsync (that is an upload). */
  async function recordDir(path: string, remote: RemoteEntry): Promise<void> {
    if (!(await isFolder(path))) throw new Skip('no longer a folder here');
    record(dirBase(path, remote.etag, remote.versionId, false));
  }

  async function keepBoth(a: KeepBothAction): Promise<number> {
    const file = abs(a.path);
    const cur = lstatQuiet(file);
    if (cur === undefined || !sameStat(cur, a.local)) throw new Skip('changed locally since it was scanned');
    const target = abs(a.conflictPath);
    if ((lstatQuiet(target)) !== undefined) throw new Skip(`${a.conflictPath} already exists`);
    await rename(file, target);
    const moved = await lstat(target);
    const sent = await upload(a.conflictPath, { ...a.local, mtimeMs: moved.mtimeMs }, undefined);
    const received = await download(a.path, a.remote, undefined);
    return sent + received;
  }

  /** Runs one action; returns [bytes sent, bytes received]. */
  async function run(a: ExecAction): Promise<[number, number]> {
    if (isDirAction(a)) {
      await runDir(a);
      return [0, 0];
    }
    switch (a.type) {
      case 'upload':
        return [await upload(a.path, a.local, a.expectRemote), 0];
      case 'download':
        return [0, await download(a.path, a.remote, a.expectLocal)];
      case 'delete-local':
        await deleteLocal(a.path, a.local);
        return [0, 0];
      case 'delete-remote':
        await deleteRemote(a.path, a.remote);
        return [0, 0];
      case 'record': {
        const hash = a.local.hash ?? a.remote.hash;
        if (hash === undefined) throw new Skip('content hash unknown');
        const st = lstatQuiet(abs(a.path));
        if (st === undefined || !sameStat(st, a.local)) throw new Skip('changed locally since it was scanned');
        record(baseFrom(a.path, st, hash, a.remote.etag, a.remote.versionId));
        return [0, 0];
      }
      case 'forget':
        ctx.db.delete(a.path);
        return [0, 0];
      case 'move-remote':
        return [await moveRemote(a), 0];
      case 'move-local':
        await moveLocal(a);
        return [0, 0];
      case 'keep-both': {
        const n = await keepBoth(a);
        return [a.local.size, n - a.local.size];
      }
      default:
        return assertNever(a);
    }
  }

  async function runDir(a: ExecAction): Promise<void> {
    switch (a.type) {
      case 'upload':
        return putMarker(a.path, a.expectRemote);
      case 'download':
        return makeDir(a);
      case 'delete-local':
        return removeDir(a.path);
      case 'delete-remote':
        return deleteMarker(a.path, a.remote);
      case 'record':
        return recordDir(a.path, a.remote);
      case 'forget':
        ctx.db.delete(a.path);
        return;
      case 'move-remote':
      case 'move-local':
      case 'keep-both':
        throw new Error(`${a.type} of a folder is never planned`);
      default:
        return assertNever(a);
    }
  }

  async function attempt(a: ExecAction): Promise<boolean> {
    if (ctx.signal?.aborted) return false;
    const type: ExecActionType = a.type;
    const kind = isDirAction(a) ? { kind: 'dir' as const } : {};
    ctx.emit({ type: 'start', action: type, path: a.path, ...kind, bytes: actionBytes(a) });
    try {
      const [sent, received] = await run(a);
      bytesSent += sent;
      bytesReceived += received;
      done++;
      ctx.emit({
        type: 'done',
        action: type,
        path: a.path,
        ...kind,
        bytes: sent + received,
        ...(a.type === 'keep-both' ? { to: a.conflictPath } : {}),
        ...(a.type === 'move-remote' || a.type === 'move-local' ? { from: a.from } : {}),
      });
      return true;
    } catch (e) {
      if (ctx.signal?.aborted) return false;
      if (e instanceof Ignored) {
        skipped++;
        ctx.emit({ type: 'warning', path: a.path, message: e.message });
        return true;
      }
      if (e instanceof Skip) {
        skipped++;
        ctx.emit({ type: 'skipped', action: type, path: a.path, ...kind, reason: e.message });
        return true;
      }
      if (e instanceof RemoteError && e.kind === 'precondition') {
        skipped++;
        ctx.emit({ type: 'skipped', action: type, path: a.path, ...kind, reason: 'changed on the remote since it was listed' });
        return true;
      }
      failed++;
      ctx.emit({ type: 'failed', action: type, path: a.path, ...kind, message: describe(e, a.path) });
      return false;
    }
  }

  // Group commit: one fsync'd journal append every 200 ms while work is in flight.
  const flusher = setInterval(() => {
    ctx.db.flush().catch(() => undefined);
  }, 200);
  const limit = pLimit(Math.max(1, ctx.concurrency));
  const isDelete = (a: ExecAction): boolean => a.type === 'delete-local' || a.type === 'delete-remote';
  const dirActions = actions.filter(isDirAction);
  const fileActions = dirActions.length === 0 ? actions : actions.filter((a) => !isDirAction(a));
  let postponed = 0;
  try {
    // Moves run with the transfers: they remove nothing (the content lives on at the new path).
    await Promise.all(fileActions.filter((a) => !isDelete(a)).map((a) => limit(() => attempt(a))));
    // Only now: while moves and downloads run, a folder emptied by one move may be the one another
    // is about to write into.
    for (const path of movedAway) await removeEmptyParents(ctx.root, path);
    const deletes = [...fileActions.filter(isDelete), ...dirActions.filter(isDelete)];
    if (failed > 0 || ctx.signal?.aborted) {
      postponed = deletes.length;
      if (postponed > 0 && !ctx.signal?.aborted) {
        ctx.emit({ type: 'warning', message: `${postponed} deletion(s) postponed because of the errors above; run again once they are fixed` });
      }
    } else {
      await Promise.all(fileActions.filter(isDelete).map((a) => limit(() => attempt(a))));
      // Folders last, deepest first: a folder's removal may empty its parent, and the removal of
      // its files may have emptied it.
      for (const level of byDepthDeepestFirst(dirActions.filter(isDelete))) await Promise.all(level.map((a) => limit(() => attempt(a))));
    }
    // Folders made or kept after every removal: removing an emptied folder (above, or a file's
    // delete climbing to its parents) must not take one that a marker says stays.
    if (!ctx.signal?.aborted) await Promise.all(dirActions.filter((a) => !isDelete(a)).map((a) => limit(() => attempt(a))));
  } finally {
    clearInterval(flusher);
    clearTimeout(drainTimer);
    ctx.signal?.removeEventListener('abort', onStop);
    await ctx.db.flush();
  }
  return { done, skipped, failed, bytesSent, bytesReceived, postponed, interrupted: ctx.signal?.aborted ?? false };
}

/** An action on a dir entry (an empty folder, a marker): run in the executor's last phases. */
export function isDirAction(a: ExecAction): boolean {
  return a.type !== 'keep-both' && actsOnDir(a);
}

/** Groups of actions by path depth, deepest first (`a/b/c` before `a/b`). */
function byDepthDeepestFirst(actions: readonly ExecAction[]): ExecAction[][] {
  const levels = new Map<number, ExecAction[]>();
  for (const a of actions) {
    const depth = a.path.split('/').length;
    const level = levels.get(depth);
    if (level === undefined) levels.set(depth, [a]);
    else level.push(a);
  }
  return [...levels.entries()].sort(([x], [y]) => y - x).map(([, group]) => group);
}

/** The bytes an action moves over the wire. */
export function actionBytes(a: ExecAction): number {
  switch (a.type) {
    case 'upload':
      return a.local.size;
    case 'download':
      return a.remote.size;
    case 'keep-both':
      return a.local.size + a.remote.size;
    default:
      return 0;
  }
}

/** One line naming the file, for any error an action can meet. */
export function describe(e: unknown, path: string): string {
  if (e instanceof RemoteError || e instanceof LocalPathError) return e.message.includes(path) ? e.message : `${path}: ${e.message}`;
  const code = errnoCode(e);
  if (code !== undefined) {
    const msg = (e as Error).message.replace(/^[A-Z]+: /, '');
    return `${path}: ${msg}`;
  }
  return `${path}: ${e instanceof Error ? e.message : String(e)}`;
}
