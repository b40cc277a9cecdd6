/**
 * Sessions: what a command that touches a repository holds while it works.
 *
 * `openSession` opens what lasts (the config, the file-system probe, the connection to one remote,
 * its database) once; `run` is one sync, push or status: it takes the lock (unless read-only),
 * migrates an older `.lsync/` on first use, re-reads the database if another process changed it
 * since the last run, checks the remote's marker, and afterwards flushes the database and compacts
 * its journal when it has grown. `watch` keeps one session for days; one-shot commands use
 * `withSession`, which is open, one run, close. Everything is closed whatever happens.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Remote, UploadCheckpoint } from '../remote/remote.js';
import { LsyncError } from '../core/errors.js';
import { openDatabase, type FileDatabase } from '../state/db.js';
import type { Lock } from '../state/lock.js';
import { shareLock } from '../state/shared-lock.js';
import { migrateLayout, needsMigration, readableStateDir } from '../state/layout.js';
import type { RemoteConfig } from '../state/config.js';
import { connect, type RemoteOverrides } from './connect.js';
import { openRepo, type Repo } from './repo.js';
import { Trash, stamp } from '../exec/localfs.js';
import { wrapRemote } from '../remote/wrap/index.js';
import type { OpenedRemote } from '../remote/open.js';
import type { FsBehaviour } from '../core/names.js';
import { probeFs } from './fsprobe.js';
import { checkMarker } from './marker.js';
import { updateRemoteState } from '../state/remote-state.js';
import { databaseStamp } from './db-stamp.js';
import { regionRecorder } from './region-memory.js';

export interface Session {
  readonly repo: Repo;
  /** The remote this session works with (origin unless a mirror was named). */
  readonly remoteConfig: RemoteConfig;
  /** Its state folder (`.lsync/remotes/<name>/`): database, upload checkpoints, remote.json. */
  readonly stateDir: string;
  readonly db: FileDatabase;
  readonly remote: Remote;
  /** Aborts the multipart upload of a stale checkpoint, where the remote has such uploads. */
  readonly discardUpload?: (checkpoint: UploadCheckpoint) => Promise<void>;
  readonly trash: Trash;
  readonly host: string;
  /** How the local file system compares names (probed once per session, or the test override). */
  readonly fs: FsBehaviour;
}

/**
 * FOR TESTS ONLY: sees each remote as it is opened, by name, and returns what the session uses in
 * its place (the real remote with request counters, or a fault-injecting wrapper around it).
 */
export type RemoteHook = (name: string, remote: OpenedRemote) => Remote;

export interface OpenOptions {
  readonly cwd: string;
  readonly overrides: RemoteOverrides;
  readonly concurrency: number;
  /** The remote's name in config.yaml; default: the one synced both ways (origin). */
  readonly remoteName?: string;
  /** --bwlimit, bytes per second shared by all transfers. */
  readonly bwlimit?: number;
  /** Told when a request is retried after a transient failure. */
  readonly onRetry?: (message: string) => void;
  /** Told once what lsync did on its own (the migration of an older `.lsync/`); default: stderr. */
  readonly onNotice?: (message: string) => void;
  /** Replaces the probe (LSYNC_TEST_FS, tests only). */
  readonly fsOverride?: FsBehaviour;
  /** An already loaded repository (`lsync remote` and mirrors open several sessions on one). */
  readonly repo?: Repo;
  readonly remoteHook?: RemoteHook;
}

export interface SessionOptions extends OpenOptions {
  readonly command: string;
  /** status and --dry-run read only: no lock is taken, so they can run beside a sync. */
  readonly readOnly: boolean;
}

export interface LiveSession {
  readonly repo: Repo;
  readonly remoteConfig: RemoteConfig;
  /** One run under the lock (none when read-only); the database is flushed after it. */
  run<T>(command: string, readOnly: boolean, fn: (s: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function pickRemote(repo: Repo, name: string | undefined): RemoteConfig {
  if (name === undefined) return repo.config.origin;
  const r = repo.config.remotes.find((x) => x.name === name);
  if (r === undefined) {
    throw new LsyncError('usage', `no remote named "${name}" in ${join(repo.metaDir, 'config.yaml')}`, `known: ${repo.config.remotes.map((x) => x.name).join(', ')} (see \`lsync remote list\`)`);
  }
  return r;
}

/** Where the session's one-line notices go: `onNotice`, or stderr. */
function noticeOf(o: OpenOptions): (message: string) => void {
  return o.onNotice ?? ((m) => void process.stderr.write(`lsync: ${m}\n`));
}

export async function openSession(o: OpenOptions): Promise<LiveSession> {
  const repo = o.repo ?? (await openRepo(o.cwd));
  const remoteConfig = pickRemote(repo, o.remoteName);
  // Loading the S3 SDK and building its client is the longest step before the first request:
  // it runs while the lock, the database and the file-system probe are read.
  const say = noticeOf(o);
  const connecting = connect(remoteConfig, o.overrides, o.concurrency, regionRecorder(repo.metaDir, remoteConfig.name, say), (m) => say(`remote "${remoteConfig.name}": ${m}`));
  // Awaited by the first run, or closed if the session is: never an unhandled rejection.
  connecting.catch(() => undefined);
  const probing = o.fsOverride !== undefined ? Promise.resolve(o.fsOverride) : probeFs(join(repo.metaDir, 'tmp'));
  probing.catch(() => undefined);
  return new Live(repo, remoteConfig, o, connecting, probing);
}

class Live implements LiveSession {
  private db: FileDatabase | undefined;
  private dbStamp = '';
  private stateDir = '';
  private remote: Remote | undefined;
  private opened: OpenedRemote | undefined;
  private closed = false;
  /** A run held the lock and may have written: close() may then fold the journal in. */
  private wrote = false;

  constructor(
    readonly repo: Repo,
    readonly remoteConfig: RemoteConfig,
    private readonly o: OpenOptions,
    private readonly connecting: Promise<OpenedRemote>,
    private readonly probing: Promise<FsBehaviour>,
  ) {}

  async run<T>(command: string, readOnly: boolean, fn: (s: Session) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('session is closed');
    // Shared with this process's runs of other remotes (push --all, a watcher's mirrors); another process is refused.
    const lock: Lock | undefined = readOnly ? undefined : await shareLock(this.repo.metaDir, command, this.remoteConfig.name);
    try {
      await this.migrate(lock !== undefined);
      if (lock !== undefined) this.wrote = true;
      const [db, fs, remote] = await Promise.all([this.database(), this.probing, this.connection()]);
      await checkMarker({ url: this.remoteConfig.url, remote, stateDir: this.stateDir, base: db.entries, readOnly, name: this.remoteConfig.name, mirror: this.remoteConfig.role === 'mirror' });
      const trash = new Trash(this.repo.root, join(this.repo.metaDir, 'trash', stamp(new Date())));
      // Through the wrappers (retry), like every other call: discardUpload is part of the Remote contract.
      const discard = remote.discardUpload !== undefined ? (c: UploadCheckpoint): Promise<void> => remote.discardUpload?.(c) ?? Promise.resolve() : undefined;
      try {
        const result = await fn({
          repo: this.repo,
          remoteConfig: this.remoteConfig,
          stateDir: this.stateDir,
          db,
          remote,
          trash,
          host: hostname(),
          fs,
          ...(discard !== undefined ? { discardUpload: (c: UploadCheckpoint) => discard(c) } : {}),
        });
        // `lsync remote list` shows it: the last run that changed this remote and did not throw.
        if (!readOnly) await updateRemoteState(this.stateDir, { lastPush: new Date().toISOString() });
        return result;
      } finally {
        await db.flush();
        // A long-lived session folds its journal in as it grows (one-shot runs do so on close).
        if (!readOnly && db.journalRecords > Math.max(1000, db.entries.size / 4)) await db.compact();
        this.dbStamp = await databaseStamp(this.stateDir);
      }
    } finally {
      await lock?.release();
    }
  }

  /** Move an lsync 0.1 `.lsync/` to the current layout (under the lock; a read-only run takes it briefly, or reads the old layout when another process holds it). */
  private async migrate(locked: boolean): Promise<void> {
    if (this.stateDir !== '' || !(await needsMigration(this.repo.metaDir))) return this.setStateDir();
    let lock: Lock | undefined;
    if (!locked) {
      try {
        lock = await shareLock(this.repo.metaDir, 'migrate');
      } catch (err) {
        if (err instanceof LsyncError && err.code === 'locked') return this.setStateDir();
        throw err;
      }
    }
    try {
      if (await migrateLayout(this.repo.metaDir)) {
        noticeOf(this.o)(`moved this repository's state to ${join(this.repo.metaDir, 'remotes', 'origin')} (the layout for several remotes); older lsync versions can no longer read it`);
      }
    } finally {
      await lock?.release();
    }
    return this.setStateDir();
  }

  private async setStateDir(): Promise<void> {
    if (this.stateDir === '') this.stateDir = await readableStateDir(this.repo.metaDir, this.remoteConfig.name);
  }

  /** The database, re-read when another process wrote it since this session's last run. */
  private async database(): Promise<FileDatabase> {
    if (this.db !== undefined && (await databaseStamp(this.stateDir)) === this.dbStamp) return this.db;
    // Never close() a copy that is out of date: closing may compact it over the newer files.
    await this.db?.discard();
    this.db = undefined;
    this.db = await openDatabase(this.stateDir);
    return this.db;
  }

  private async connection(): Promise<Remote> {
    if (this.remote !== undefined) return this.remote;
    const opened = await this.connecting;
    this.opened = opened;
    // Retries (with backoff and jitter) and the bandwidth limit wrap the remote here, in one place.
    const hooked = this.o.remoteHook?.(this.remoteConfig.name, opened) ?? opened;
    this.remote = wrapRemote(hooked, {
      retry: {
        onRetry: (i) => this.o.onRetry?.(`retrying ${i.op}${i.path !== undefined && i.path !== '' ? ` ${i.path}` : ''} in ${(i.delayMs / 1000).toFixed(1)} s (attempt ${i.attempt + 1}): ${i.error.message}`),
      },
      ...(this.o.bwlimit !== undefined ? { bwlimit: this.o.bwlimit } : {}),
    });
    return this.remote;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // Read-only sessions never write (compacting needs the lock they did not take).
      if (this.wrote) await this.db?.close();
      else await this.db?.discard();
    } finally {
      if (this.remote !== undefined) await this.remote.close();
      else await this.connecting.then((r) => r.close(), () => undefined);
    }
  }
}

export async function withSession<T>(o: SessionOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const session = await openSession(o);
  try {
    return await session.run(o.command, o.readOnly, fn);
  } finally {
    await session.close();
  }
}
