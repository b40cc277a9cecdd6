/**
 * Gathering file events into batches: a batch is due after `delayMs` of quiet, or `maxWaitMs` after
 * its first event when the tree never goes quiet (a build writing for minutes still syncs).
 * Events are hints: only the paths are kept (the sync's scan says what happened to each), so an
 * editor's temp file, written and renamed over the original within the delay, costs one scan of a
 * path that no longer exists, and the original is one change.
 *
 * Pure: the clock is passed in, so the rules are tested without timers.
 */
export interface GatherOptions {
  readonly delayMs: number;
  readonly maxWaitMs: number;
}

export class Gatherer {
  private paths = new Map<string, number>();
  private first: number | undefined;
  private last: number | undefined;

  constructor(private readonly o: GatherOptions) {}

  get size(): number {
    return this.paths.size;
  }

  add(paths: Iterable<string>, now: number): void {
    for (const p of paths) this.paths.set(p, now);
    if (this.paths.size === 0) return;
    this.first ??= now;
    this.last = now;
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }

  /** Forget a path (an echo of lsync's own write). */
  drop(path: string): void {
    this.paths.delete(path);
    if (this.paths.size === 0) {
      this.first = undefined;
      this.last = undefined;
    }
  }

  /** When the gathered batch should run (undefined: nothing gathered). */
  dueAt(): number | undefined {
    if (this.first === undefined || this.last === undefined) return undefined;
    return Math.min(this.last + this.o.delayMs, this.first + this.o.maxWaitMs);
  }

  /** True when the batch is due because the tree never went quiet (not after a quiet period). */
  forced(now: number): boolean {
    return this.last !== undefined && now < this.last + this.o.delayMs;
  }

  /**
   * Take the batch. When it is forced (no quiet period), paths touched within the last `delayMs`
   * stay for the next batch: a file still being written is not uploaded half-way, and a delete
   * whose matching create (a rename) may still come waits a little.
   */
  take(now: number): Set<string> {
    const out = new Set<string>();
    const keep = new Map<string, number>();
    const forced = this.forced(now);
    for (const [p, at] of this.paths) {
      if (forced && now - at < this.o.delayMs) keep.set(p, at);
      else out.add(p);
    }
    this.paths = keep;
    this.first = keep.size > 0 ? now : undefined;
    let last: number | undefined;
    for (const at of keep.values()) last = Math.max(last ?? at, at);
    this.last = last;
    // Everything was recent: a batch that never goes quiet still has to move, so take it all.
    if (out.size === 0 && keep.size > 0) return this.takeAll();
    return out;
  }

  private takeAll(): Set<string> {
    const out = new Set(this.paths.keys());
    this.paths = new Map();
    this.first = undefined;
    this.last = undefined;
    return out;
  }
}

/** Exponential backoff for a watcher that cannot reach the remote: 1 s, 2 s, 4 s ... up to `maxMs`. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs = 1000,
    private readonly maxMs = 60_000,
  ) {}

  get failing(): boolean {
    return this.failures > 0;
  }

  /** Record a failure; returns how long to wait before the next attempt. */
  fail(): number {
    this.failures++;
    return Math.min(this.maxMs, this.baseMs * 2 ** (this.failures - 1));
  }

  succeed(): void {
    this.failures = 0;
  }
}
