/**
 * The repository lock (lock.ts) shared by the runs of one process.
 *
 * `push --all` holds it across origin and every mirror, and its mirrors are pushed side by side;
 * a watcher's mirror pushes run beside its origin batches. Another process is still refused while
 * any of them holds the lock. Inside the process, runs of different remotes share the one lock
 * file (each remote has its own database and checkpoints, so they do not step on each other),
 * but two runs of the same remote at once are refused like another process would be: they would
 * share one database. The lock file goes when the last holder releases it.
 */
import { resolve } from 'node:path';
import { LsyncError } from '../core/errors.js';
import { acquireLock, type Lock } from './lock.js';

interface Held {
  readonly lock: Promise<Lock>;
  users: number;
  /** Remotes with a run under the lock now. */
  readonly remotes: Set<string>;
}

const held = new Map<string, Held>();
/** Lock files being removed by their last holder: a new holder waits for that, or it would find its own process's lock. */
const releasing = new Map<string, Promise<void>>();

/**
 * Take the repository's lock, or share it with this process's other holders. `remote`: the
 * remote this holder works on (undefined: a holder that only keeps other processes out).
 */
export async function shareLock(metaDir: string, command: string, remote?: string): Promise<Lock> {
  const key = resolve(metaDir);
  for (let r = releasing.get(key); r !== undefined && !held.has(key); r = releasing.get(key)) await r.catch(() => undefined);
  let h = held.get(key);
  if (h !== undefined && remote !== undefined && h.remotes.has(remote)) {
    throw new LsyncError('locked', `remote "${remote}" is already being synchronised by this lsync process`, 'wait for that run to finish');
  }
  if (h === undefined) {
    const lock = acquireLock(metaDir, command);
    h = { lock, users: 0, remotes: new Set() };
    held.set(key, h);
    // A refusal is every waiter's refusal; the next attempt starts afresh.
    lock.catch(() => {
      if (held.get(key) === h) held.delete(key);
    });
  }
  const entry = h;
  entry.users++;
  if (remote !== undefined) entry.remotes.add(remote);
  let lock: Lock;
  try {
    lock = await entry.lock;
  } catch (e) {
    entry.users--;
    if (remote !== undefined) entry.remotes.delete(remote);
    throw e;
  }
  let released = false;
  return {
    path: lock.path,
    info: lock.info,
    release: async () => {
      if (released) return;
      released = true;
      if (remote !== undefined) entry.remotes.delete(remote);
      if (--entry.users > 0) return;
      if (held.get(key) === entry) held.delete(key);
      const done = lock.release().finally(() => {
        if (releasing.get(key) === done) releasing.delete(key);
      });
      releasing.set(key, done);
      await done;
    },
  };
}
