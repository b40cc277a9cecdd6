/**
 * Pushing to the mirrors from a long-running process (`watch`): each mirror has its own queue of
 * paths, its own runs and its own retries, so a slow or unreachable mirror never holds back origin
 * or another mirror.
 *
 *     const mirrors = openMirrors({ root, concurrency, signal, onReport });
 *     // after each batch synced with origin (paths repository-relative; none = everything):
 *     void pushMirrors(mirrors, batchPaths);
 *     ...
 *     await closeMirrors(mirrors);
 *
 * `pushMirrors` adds the paths to every mirror's queue and returns at once; each mirror pushes its
 * queue in one run at a time (paths added meanwhile go in the next run). A run that fails puts its
 * paths back and is tried again after a backoff (full jitter, capped at a minute) without waiting
 * for the next batch. Every run ends in one report per mirror (`onReport`), and the promise
 * pushMirrors returns resolves with the reports of the runs that carried its paths, or with a
 * waiting report for a mirror in its backoff. It never rejects, and the caller need not await it.
 */
import { join } from 'node:path';
import { LsyncError } from '../core/errors.js';
import type { EngineEvent, EventSink } from '../exec/events.js';
import { delayAfter, backoff } from '../remote/backoff.js';
import { RemoteError } from '../remote/remote.js';
import type { RemoteConfig } from '../state/config.js';
import { openRepo } from './repo.js';
import type { RemoteHook } from './session.js';
import { runSync, type SyncRequest } from './sync.js';

export interface MirrorOptions {
  /** The repository root. */
  readonly root: string;
  readonly concurrency: number;
  /** Stops every queue: runs end as interrupted runs do, no retry is started. */
  readonly signal: AbortSignal;
  readonly bwlimit?: number;
  readonly links?: boolean;
  /** Told the outcome of every mirror run (and of every failure, with when it is tried again). */
  readonly onReport?: (report: MirrorReport) => void;
  /** Every engine event of the mirror runs (the --verbose log), with the mirror's name. */
  readonly events?: (remote: string, e: EngineEvent) => void;
  readonly remoteHook?: RemoteHook;
}

export interface MirrorReport {
  readonly remote: string;
  readonly url: string;
  /** done: everything queued reached it; failed: kept for a retry in `retryInMs`; waiting: in its backoff, not tried now. */
  readonly state: 'done' | 'failed' | 'waiting';
  readonly uploaded: number;
  readonly moved: number;
  readonly deleted: number;
  readonly bytes: number;
  /** Paths that run carried (undefined: everything). */
  readonly paths?: number;
  readonly message?: string;
  readonly retryInMs?: number;
}

export interface MirrorSession {
  readonly queues: readonly MirrorQueue[];
}

/** A run scoped to more paths than this pushes everything (one listing beats thousands of HEADs). */
const SCOPED_MAX = 1000;
const RETRY = backoff({ baseMs: 2000, maxMs: 60_000 });

export async function openMirrors(o: MirrorOptions): Promise<MirrorSession> {
  const repo = await openRepo(o.root);
  return { queues: repo.config.remotes.filter((r) => r.role === 'mirror').map((r) => new MirrorQueue(r, o)) };
}

/** Queue `paths` (repository-relative; undefined = everything) for every mirror. Never rejects. */
export function pushMirrors(session: MirrorSession, paths?: Iterable<string>): Promise<readonly MirrorReport[]> {
  const list = paths === undefined ? undefined : [...paths];
  return Promise.all(session.queues.map((q) => q.add(list)));
}

/** Stop retrying and wait for the runs in flight (they end early when the signal is aborted). */
export async function closeMirrors(session: MirrorSession): Promise<void> {
  await Promise.all(session.queues.map((q) => q.close()));
}

class MirrorQueue {
  /** Paths waiting for the next run; 'all' once something asked for everything. */
  private pending: Set<string> | 'all' | undefined;
  private running: Promise<MirrorReport> | undefined;
  private failures = 0;
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Callers waiting for the run that will carry what they queued. */
  private waiters: ((r: MirrorReport) => void)[] = [];

  constructor(
    readonly remote: RemoteConfig,
    private readonly o: MirrorOptions,
  ) {
    // A retry timer keeps the process up (it is how a mirror catches up) until closeMirrors or the signal.
    o.signal.addEventListener('abort', () => clearTimeout(this.timer), { once: true });
  }

  add(paths: readonly string[] | undefined): Promise<MirrorReport> {
    // Nothing new (an empty batch): no run; an empty scope would mean everything.
    if (paths !== undefined && paths.length === 0 && this.pending === undefined && this.running === undefined) return Promise.resolve(this.report('done', {}));
    if (paths === undefined) this.pending = 'all';
    else if (this.pending !== 'all') {
      this.pending ??= new Set();
      for (const p of paths) this.pending.add(p);
    }
    if (this.closed || this.o.signal.aborted) return Promise.resolve(this.report('waiting', { message: 'stopped' }));
    const wait = this.retryAt - Date.now();
    if (this.running === undefined && wait > 0) return Promise.resolve(this.report('waiting', { retryInMs: wait }));
    const carried = new Promise<MirrorReport>((resolve) => this.waiters.push(resolve));
    if (this.running === undefined) this.start();
    return carried;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  private start(): void {
    const paths = this.pending;
    this.pending = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    this.running = this.runOnce(paths).then((r) => {
      this.running = undefined;
      for (const w of waiters) w(r);
      this.o.onReport?.(r);
      // Queued while it ran: next, unless this run failed (then after the backoff).
      if (this.pending !== undefined && r.state === 'done' && !this.closed && !this.o.signal.aborted) this.start();
      return r;
    });
  }

  private async runOnce(paths: Set<string> | 'all' | undefined): Promise<MirrorReport> {
    const counts = { uploaded: 0, moved: 0, deleted: 0, bytes: 0, failed: 0 };
    const scoped = paths instanceof Set && paths.size <= SCOPED_MAX ? [...paths] : undefined;
    const req: SyncRequest = {
      verb: 'push',
      remoteName: this.remote.name,
      cwd: this.o.root,
      paths: (scoped ?? []).map((p) => join(this.o.root, p)),
      literalPaths: true,
      force: false,
      mirror: false,
      dryRun: false,
      concurrency: this.o.concurrency,
      overrides: {},
      signal: this.o.signal,
      ...(this.o.bwlimit !== undefined ? { bwlimit: this.o.bwlimit } : {}),
      ...(this.o.links !== undefined ? { links: this.o.links } : {}),
      ...(this.o.remoteHook !== undefined ? { remoteHook: this.o.remoteHook } : {}),
    };
    const emit: EventSink = (e) => {
      tally(counts, e);
      this.o.events?.(this.remote.name, e);
    };
    const carried = paths instanceof Set ? { paths: paths.size } : {};
    try {
      const outcome = await runSync(req, emit);
      if (outcome.result?.interrupted === true) return this.stopped(paths, counts, carried);
      const r = outcome.result;
      if (counts.failed > 0 || (r?.skipped ?? 0) > 0 || (r?.postponed ?? 0) > 0) return this.failed(paths, counts, `${counts.failed} failed, ${r?.skipped ?? 0} changed while pushed, ${r?.postponed ?? 0} deletions postponed`, carried);
    } catch (e) {
      // Stopping (Ctrl-C, SIGTERM) ends a run early: not a failure to warn about.
      if (this.o.signal.aborted) return this.stopped(paths, counts, carried);
      // A safety guard (max-delete, a lost marker) does not change by waiting: tried again with the next batch.
      const refused = e instanceof LsyncError && e.code === 'refused';
      const message = e instanceof RemoteError || e instanceof LsyncError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
      return this.failed(paths, counts, message, carried, !refused);
    }
    this.failures = 0;
    this.retryAt = 0;
    return this.report('done', { ...counts, ...carried });
  }

  /** Stopped mid-run: the paths stay pending for the next watch or push, and nothing is reported as failed. */
  private stopped(paths: Set<string> | 'all' | undefined, counts: Counts, carried: { paths?: number }): MirrorReport {
    return { ...this.failed(paths, counts, 'stopped', carried, false), state: 'waiting' };
  }

  /** Put the paths back, and try again after a backoff (or at the next batch, if that comes later). */
  private failed(paths: Set<string> | 'all' | undefined, counts: Counts, message: string, carried: { paths?: number }, retry = true): MirrorReport {
    if (paths === 'all' || paths === undefined) this.pending = 'all';
    else if (this.pending !== 'all') this.pending = new Set([...paths, ...(this.pending ?? [])]);
    if (!retry || this.closed || this.o.signal.aborted) return this.report('failed', { ...counts, ...carried, message });
    this.failures++;
    const wait = Math.max(RETRY.baseMs / 2, delayAfter(RETRY, this.failures));
    this.retryAt = Date.now() + wait;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.running === undefined && this.pending !== undefined && !this.closed && !this.o.signal.aborted) this.start();
    }, wait);
    return this.report('failed', { ...counts, ...carried, message, retryInMs: wait });
  }

  private report(state: MirrorReport['state'], extra: Partial<Counts> & { message?: string; retryInMs?: number; paths?: number }): MirrorReport {
    return {
      remote: this.remote.name,
      url: this.remote.url,
      state,
      uploaded: extra.uploaded ?? 0,
      moved: extra.moved ?? 0,
      deleted: extra.deleted ?? 0,
      bytes: extra.bytes ?? 0,
      ...(extra.paths !== undefined ? { paths: extra.paths } : {}),
      ...(extra.message !== undefined ? { message: extra.message } : {}),
      ...(extra.retryInMs !== undefined ? { retryInMs: extra.retryInMs } : {}),
    };
  }
}

interface Counts {
  uploaded: number;
  moved: number;
  deleted: number;
  bytes: number;
  failed: number;
}

function tally(c: Counts, e: EngineEvent): void {
  if (e.type === 'failed') c.failed++;
  if (e.type !== 'done') return;
  c.bytes += e.bytes;
  if (e.action === 'upload') c.uploaded++;
  else if (e.action === 'move-remote') c.moved++;
  else if (e.action === 'delete-remote') c.deleted++;
}
