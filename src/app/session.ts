/**
 * A session: everything a command that touches a repository holds while it works, opened in one
 * place and always closed (lock released, database flushed, sockets closed), whatever happens.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Remote, UploadCheckpoint } from '../remote/remote.js';
import type { Database } from '../state/database.js';
import { openDatabase } from '../state/db.js';
import { acquireLock, type Lock } from '../state/lock.js';
import { connect, type RemoteOverrides } from './connect.js';
import { openRepo, type Repo } from './repo.js';
import { Trash, stamp } from '../exec/localfs.js';
import { wrapRemote } from '../remote/wrap/index.js';
import type { FsBehaviour } from '../core/names.js';
import { probeFs } from './fsprobe.js';

export interface Session {
  readonly repo: Repo;
  readonly db: Database;
  readonly remote: Remote;
  /** Aborts the multipart upload of a stale checkpoint, where the remote has such uploads. */
  readonly discardUpload?: (checkpoint: UploadCheckpoint) => Promise<void>;
  readonly trash: Trash;
  readonly host: string;
  /** How the local file system compares names (probed once per session, or the test override). */
  readonly fs: FsBehaviour;
}

export interface SessionOptions {
  readonly cwd: string;
  readonly command: string;
  readonly overrides: RemoteOverrides;
  readonly concurrency: number;
  /** status and --dry-run read only: no lock is taken, so they can run beside a sync. */
  readonly readOnly: boolean;
  /** --bwlimit, bytes per second shared by all transfers. */
  readonly bwlimit?: number;
  /** Told when a request is retried after a transient failure. */
  readonly onRetry?: (message: string) => void;
  /** Replaces the probe (LSYNC_TEST_FS, tests only). */
  readonly fsOverride?: FsBehaviour;
}

export async function withSession<T>(o: SessionOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const repo = await openRepo(o.cwd);
  // Loading the S3 SDK and building its client is the longest step before the first request:
  // it runs while the lock, the database and the file-system probe are read.
  const connecting = connect(repo.config, o.overrides, o.concurrency);
  // Awaited below, or closed if something before that fails: never an unhandled rejection.
  connecting.catch(() => undefined);
  const closeUnused = async (): Promise<void> => {
    await connecting.then((r) => r.close(), () => undefined);
  };
  let lock: Lock | undefined;
  try {
    lock = o.readOnly ? undefined : await acquireLock(repo.metaDir, o.command);
  } catch (err) {
    await closeUnused();
    throw err;
  }
  try {
    let db: Database;
    let fs: FsBehaviour;
    try {
      [db, fs] = await Promise.all([openDatabase(repo.metaDir), o.fsOverride ?? probeFs(join(repo.metaDir, 'tmp'))]);
    } catch (err) {
      await closeUnused();
      throw err;
    }
    try {
      const opened = await connecting;
      // Retries (with backoff and jitter) and the bandwidth limit wrap the remote here, in one place.
      const remote = wrapRemote(opened, {
        retry: {
          onRetry: (i) => o.onRetry?.(`retrying ${i.op}${i.path !== undefined && i.path !== '' ? ` ${i.path}` : ''} in ${(i.delayMs / 1000).toFixed(1)} s (attempt ${i.attempt + 1}): ${i.error.message}`),
        },
        ...(o.bwlimit !== undefined ? { bwlimit: o.bwlimit } : {}),
      });
      try {
        const trash = new Trash(repo.root, join(repo.metaDir, 'trash', stamp(new Date())));
        // Through the wrappers (retry), like every other call: discardUpload is part of the Remote contract.
        const discard = remote.discardUpload !== undefined ? { discardUpload: async (c: UploadCheckpoint) => remote.discardUpload?.(c) } : {};
        return await fn({ repo, db, remote, trash, host: hostname(), fs, ...discard });
      } finally {
        await remote.close();
      }
    } finally {
      if (o.readOnly) await db.flush();
      else await db.close();
    }
  } finally {
    await lock?.release();
  }
}
