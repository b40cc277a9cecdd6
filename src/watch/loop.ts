/**
 * The watcher (SPEC "Live mode"): a first full sync, then batches of the paths touched locally
 * (file events gathered until quiet) or remotely (the change feed), a full rescan every `rescanMs`,
 * and a backoff while the remote cannot be reached. Nothing is dropped on failure: a batch's paths
 * stay pending until a batch carrying them finishes. Stopping (the signal) ends the current batch
 * the way an interrupted sync ends (what finished is recorded) and returns.
 */
import { inAnyScope } from '../core/paths.js';
import { openRepo } from '../app/repo.js';
import { closeMirrors, openMirrors, pushMirrors, type MirrorReport, type MirrorSession } from '../app/mirror-queue.js';
import type { EventSink } from '../exec/events.js';
import { FeedReader, type ReaderPosition } from '../feed/reader.js';
import { loadFeedState, saveFeedState } from '../feed/local-state.js';
import { openFeedStore } from '../feed/store.js';
import type { Remote } from '../remote/remote.js';
import { isEcho, runBatch, type BatchRequest } from './batch.js';
import { watchTree, type FsWatch } from './fs-events.js';
import { Backoff, Gatherer } from './gather.js';
import type { Trigger, WatchLog } from './log.js';
import { Waker } from './waker.js';

export interface WatchOptions extends BatchRequest {
  readonly delayMs: number;
  readonly pollMs: number;
  readonly rescanMs: number;
  readonly maxWaitMs: number;
  /** Repository-relative paths the watch is limited to ([] = everything). */
  readonly scopes: readonly string[];
  readonly signal: AbortSignal;
  readonly log: WatchLog;
  /** Every engine event (the --verbose log). */
  readonly events?: EventSink;
}

/** Without a file watcher, the tree is rescanned at least this often. */
const FALLBACK_RESCAN_MS = 30_000;
/** A batch that wrote at most this many local paths has them looked at again by the next batch. */
const RECHECK_MAX = 100;

export async function watch(o: WatchOptions): Promise<void> {
  const repo = await openRepo(o.root);
  const feedState = await loadFeedState(repo.metaDir);
  const store = await openFeedStore(repo.config, o.overrides);
  // Mirrors (SPEC "Several remotes"): every batch goes to each, on its own queue and retries.
  const mirrors = await openMirrors({
    root: o.root,
    concurrency: o.concurrency,
    signal: o.signal,
    onReport: (r) => reportMirror(o.log, r),
    ...(o.bwlimit !== undefined ? { bwlimit: o.bwlimit } : {}),
    ...(o.links !== undefined ? { links: o.links } : {}),
  });
  const w = new Watcher(o, store, new FeedReader(store, feedState.writer, { seq: 0 }), mirrors);
  try {
    await w.run();
  } finally {
    await w.close();
    await closeMirrors(mirrors);
    await store.close();
    await saveFeedState(repo.metaDir, { ...(await loadFeedState(repo.metaDir)), seq: w.position.seq }).catch(() => undefined);
  }
}

class Watcher {
  private readonly gather: Gatherer;
  private readonly waker: Waker;
  // Capped at 15 s: once the remote is back, a watcher catches up within seconds, not a minute.
  private readonly backoff = new Backoff(1000, 15_000);
  private readonly pollBackoff = new Backoff(1000, 15_000);
  /** Paths changed remotely, or left over from a failed batch: synced at the next batch, without delay. */
  private pending = new Set<string>();
  /**
   * Paths the last batch wrote locally, looked at again by the next one: the file watcher merges a
   * create and a delete of one path into nothing, so a download the user renames away at once
   * leaves no event for the old name (and the rename would reach the remote as a copy).
   */
  private recheck = new Set<string>();
  private fullDue = true;
  private fullTrigger: Trigger = 'start';
  private nextPoll = 0;
  private nextRescan = 0;
  private retryAt = 0;
  private baseSize = 0;
  private rescanMs: number;
  private fs: FsWatch | undefined;

  constructor(
    private readonly o: WatchOptions,
    private readonly store: Remote,
    private readonly reader: FeedReader,
    private readonly mirrors: MirrorSession,
  ) {
    this.gather = new Gatherer({ delayMs: o.delayMs, maxWaitMs: o.maxWaitMs });
    this.waker = new Waker(o.signal);
    this.rescanMs = o.rescanMs;
  }

  get position(): ReaderPosition {
    return this.reader.position;
  }

  async close(): Promise<void> {
    await this.fs?.close().catch(() => undefined);
  }

  private inScope(path: string): boolean {
    return this.o.scopes.length === 0 || inAnyScope(path, this.o.scopes);
  }

  async run(): Promise<void> {
    const started = await watchTree(
      this.o.root,
      (paths) => {
        const now = Date.now();
        const kept = paths.filter((p) => this.inScope(p));
        if (kept.length === 0) return;
        const wasEmpty = this.gather.size === 0;
        this.gather.add(kept, now);
        // Only the first event of a batch moves the wake-up earlier; later ones push it back.
        if (wasEmpty) this.waker.wake();
      },
      (message) => {
        // Events may have been lost (queue overflow): a full rescan finds what they said.
        this.o.log.warn(`file watcher: ${message}; rescanning in full`);
        this.fullDue = true;
        this.fullTrigger = 'rescan';
        this.waker.wake();
      },
    );
    if (started.ok) this.fs = started.watch;
    else {
      this.rescanMs = Math.min(this.rescanMs, FALLBACK_RESCAN_MS);
      this.o.log.warn(`${started.reason}; falling back to a full rescan every ${Math.round(this.rescanMs / 1000)} s`);
    }
    this.o.log.info('watching', `watching ${this.o.root} (delay ${this.o.delayMs / 1000} s, poll ${this.o.pollMs / 1000} s, rescan ${Math.round(this.rescanMs / 1000)} s)`, {
      root: this.o.root,
      fileEvents: started.ok,
    });
    while (!this.o.signal.aborted) {
      const now = Date.now();
      if (!this.fullDue && now >= this.nextPoll) await this.poll();
      if (now >= this.nextRescan && !this.fullDue) {
        this.fullDue = true;
        this.fullTrigger = 'rescan';
      }
      const due = this.gather.dueAt();
      const localDue = due !== undefined && now >= due;
      if (now >= this.retryAt && (this.fullDue || this.pending.size > 0 || localDue)) {
        if (!(await this.batch(now, localDue))) break;
        continue;
      }
      await this.waker.wait(this.nextWake(now) - now);
    }
    this.o.log.info('stopped', 'stopped; everything finished is recorded');
  }

  private nextWake(now: number): number {
    let next = Math.min(this.nextRescan, this.fullDue ? Infinity : this.nextPoll, this.gather.dueAt() ?? Infinity);
    if (this.retryAt > now && (this.fullDue || this.pending.size > 0)) next = Math.min(next, this.retryAt);
    return Math.max(next, now + 10);
  }

  private async poll(): Promise<void> {
    try {
      const p = await this.reader.poll(this.o.signal);
      if (this.pollBackoff.failing) this.o.log.info('feed', 'the change feed is reachable again');
      this.pollBackoff.succeed();
      // The remote answers again: pending work need not wait out its backoff.
      if (this.backoff.failing) this.retryAt = 0;
      this.nextPoll = Date.now() + this.o.pollMs;
      if (p.kind === 'changes') {
        for (const path of p.paths) if (this.inScope(path)) this.pending.add(path);
      } else if (p.kind === 'full') {
        this.o.log.info('feed', `${p.reason}: listing in full`);
        this.fullDue = true;
        this.fullTrigger = 'remote';
      }
    } catch (e) {
      if (this.o.signal.aborted) return;
      const first = !this.pollBackoff.failing;
      const wait = this.pollBackoff.fail();
      if (first) this.o.log.warn(`cannot read the change feed (${e instanceof Error ? e.message : String(e)}); retrying`);
      this.nextPoll = Date.now() + Math.max(this.o.pollMs, wait);
    }
  }

  /** One batch; false when the watcher was stopped during it. */
  private async batch(now: number, localDue: boolean): Promise<boolean> {
    const full = this.fullDue;
    const trigger: Trigger = full ? this.fullTrigger : this.backoff.failing ? 'retry' : localDue ? 'local' : 'remote';
    // Read before the listing: a record written while it runs is read again afterwards.
    const startPos = full ? await FeedReader.start(this.store, this.o.signal).catch(() => undefined) : undefined;
    const paths = full ? undefined : new Set([...(localDue ? this.gather.take(now) : []), ...this.pending, ...this.recheck]);
    if (!full) this.pending = new Set();
    this.recheck = new Set();
    const began = Date.now();
    // A scoped batch sees only its paths, so the delete guard is scaled to the whole repository.
    const maxDelete = full ? undefined : Math.max(10, Math.floor(this.baseSize / 2));
    let out;
    try {
      out = await runBatch({ ...this.o, ...(maxDelete !== undefined ? { maxDelete } : {}) }, paths ?? (this.o.scopes.length > 0 ? new Set(this.o.scopes) : undefined), this.o.events ?? (() => undefined));
    } catch (e) {
      if (this.o.signal.aborted) return false;
      throw e;
    }
    // Whatever origin did (even unreachable, or refused), the mirrors get this batch's paths: not awaited, so none holds origin back.
    if (this.mirrors.queues.length > 0 && !this.o.signal.aborted) void pushMirrors(this.mirrors, paths ?? (this.o.scopes.length > 0 ? this.o.scopes : undefined));
    switch (out.kind) {
      case 'done':
        if (this.backoff.failing) this.o.log.info('recovered', 'the remote is reachable again; caught up');
        this.backoff.succeed();
        this.baseSize = out.baseSize;
        if (full) {
          this.fullDue = false;
          this.nextRescan = Date.now() + this.rescanMs;
          if (startPos !== undefined) this.reader.reset(startPos);
        }
        this.o.log.batch(trigger, paths?.size ?? 'all', out.moved, out.conflicts, out.ms);
        for (const [p, what] of out.localWrites) if (this.gather.has(p) && isEcho(this.o.root, p, began, what)) this.gather.drop(p);
        // Bounded: after a flood of downloads the rescan is what catches a merged event.
        if (out.localWrites.size <= RECHECK_MAX) for (const p of out.localWrites.keys()) this.recheck.add(p);
        return !out.interrupted;
      case 'retry': {
        if (this.o.signal.aborted) return false;
        for (const p of paths ?? []) this.pending.add(p);
        const wait = this.backoff.fail();
        this.retryAt = Date.now() + wait;
        this.o.log.warn(`${out.message}; trying again in ${(wait / 1000).toFixed(0)} s (changes are kept)`);
        return true;
      }
      case 'refused':
        this.o.log.warn(`${out.message} (not retried until the next change or rescan)`);
        if (full) {
          this.fullDue = false;
          this.nextRescan = Date.now() + this.rescanMs;
        }
        return true;
    }
  }
}

/** One line per mirror run that moved something or failed (waiting mirrors were already reported failing). */
function reportMirror(log: WatchLog, r: MirrorReport): void {
  const data = { remote: r.remote, state: r.state, uploaded: r.uploaded, moved: r.moved, deleted: r.deleted, bytes: r.bytes };
  if (r.state === 'failed') {
    const again = r.retryInMs !== undefined ? `trying again in ${Math.ceil(r.retryInMs / 1000)} s` : 'tried again with the next change';
    log.warn(`mirror ${r.remote}: ${r.message ?? 'failed'}; ${again} (its changes are kept)`, data);
    return;
  }
  if (r.state !== 'done' || r.uploaded + r.moved + r.deleted === 0) return;
  const parts = [...(r.uploaded > 0 ? [`${r.uploaded} up`] : []), ...(r.moved > 0 ? [`${r.moved} moved`] : []), ...(r.deleted > 0 ? [`${r.deleted} deleted`] : [])];
  log.info('mirror', `mirror ${r.remote}: ${parts.join(', ')}`, data);
}
