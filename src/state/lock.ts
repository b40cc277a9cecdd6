/**
 * One lsync process per repository: `.lsync/lock`, created with O_EXCL.
 *
 * The file says who holds it (pid, host, command, start time) so the refusal can name the holder,
 * and carries a random token so that release() removes the lock only while it is still ours.
 * A lock left by a dead process on this host (or an unreadable one older than a minute, e.g. cut
 * short by a crash while being written) is taken over: it is first renamed aside, which only one
 * of several contenders can do, and the contender checks that what it moved is the lock it judged
 * stale before creating its own.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LsyncError } from '../core/errors.js';
import { isCode } from './atomic.js';
import { isObject } from './entry-codec.js';

export const LOCK_FILE = 'lock';

/** An unreadable lock younger than this may be one that is still being written. */
const UNREADABLE_GRACE_MS = 60_000;
const MAX_ATTEMPTS = 5;

export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly command: string;
  /** ISO 8601 time the lock was taken. */
  readonly started: string;
  readonly token: string;
}

export interface Lock {
  readonly path: string;
  readonly info: LockInfo;
  /** Remove the lock if it is still ours (idempotent). */
  release(): Promise<void>;
}

export async function acquireLock(metaDir: string, command: string): Promise<Lock> {
  const path = join(metaDir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    command,
    started: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const content = JSON.stringify(info) + '\n';
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await tryCreate(path, content)) return makeLock(path, info, content);
    const holder = await readHolder(path);
    if (holder === 'gone') continue; // released between our two steps: try again
    if (!(await takeOverIfStale(path, holder))) throw lockedError(holder);
  }
  throw new LsyncError('locked', 'repository is locked: could not take the lock after several attempts', 'try again');
}

/** Run `fn` holding the lock, releasing it however `fn` ends. */
export async function withLock<T>(metaDir: string, command: string, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(metaDir, command);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o644);
  } catch (err) {
    if (isCode(err, 'EEXIST')) return false;
    throw err;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw err;
  }
  await handle.close();
  return true;
}

function makeLock(path: string, info: LockInfo, content: string): Lock {
  let released = false;
  return {
    path,
    info,
    async release() {
      if (released) return;
      released = true;
      const now = await readFile(path, 'utf8').catch((err: unknown) => {
        if (isCode(err, 'ENOENT')) return undefined;
        throw err;
      });
      // Someone judged us dead and took over (e.g. the pid was reused on another boot): theirs now.
      if (now !== content) return;
      await unlink(path).catch((err: unknown) => {
        if (!isCode(err, 'ENOENT')) throw err;
      });
    },
  };
}

/** What the lock file holds: parsed, or raw text with the file's age, or gone. */
type Holder =
  | { readonly kind: 'info'; readonly info: LockInfo; readonly raw: string }
  | { readonly kind: 'unreadable'; readonly raw: string; readonly ageMs: number }
  | 'gone';

async function readHolder(path: string): Promise<Holder> {
  let raw: string;
  let mtimeMs: number;
  try {
    raw = await readFile(path, 'utf8');
    mtimeMs = (await stat(path)).mtimeMs;
  } catch (err) {
    if (isCode(err, 'ENOENT')) return 'gone';
    throw err;
  }
  const info = parseInfo(raw);
  return info === undefined ? { kind: 'unreadable', raw, ageMs: Date.now() - mtimeMs } : { kind: 'info', info, raw };
}

function parseInfo(raw: string): LockInfo | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(v)) return undefined;
  const { pid, hostname: host, command, started, token } = v;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (typeof host !== 'string' || typeof command !== 'string' || typeof started !== 'string') return undefined;
  return { pid, hostname: host, command, started, token: typeof token === 'string' ? token : '' };
}

function isStale(holder: Exclude<Holder, 'gone'>): boolean {
  if (holder.kind === 'unreadable') return holder.ageMs > UNREADABLE_GRACE_MS;
  // A pid on another host says nothing about processes here (a repository on a shared disk).
  return holder.info.hostname === hostname() && !processAlive(holder.info.pid);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return !isCode(err, 'ESRCH');
  }
}

/** True when the stale lock was removed (or vanished) and creating ours is worth another try. */
async function takeOverIfStale(path: string, holder: Exclude<Holder, 'gone'>): Promise<boolean> {
  if (!isStale(holder)) return false;
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (isCode(err, 'ENOENT')) return true; // another contender moved it first
    throw err;
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== undefined && moved !== holder.raw) {
    // Between our read and our rename, another contender replaced the stale lock with its live
    // one, and we moved that: put it back (link fails rather than overwrite a newer lock).
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

function lockedError(holder: Exclude<Holder, 'gone'>): LsyncError {
  const hint = 'wait for it to finish, or remove .lsync/lock if that process is gone';
  if (holder.kind === 'unreadable') {
    return new LsyncError('locked', 'repository is locked by another lsync process (the lock file is being written or unreadable)', hint);
  }
  const { command, pid, hostname: host, started } = holder.info;
  return new LsyncError('locked', `repository is locked by lsync ${command} (pid ${pid} on host ${host} since ${started})`, hint);
}
