/**
 * Whether the file system under a walk is slow (cold or network storage), judged from the
 * durations of its synchronous calls: the walk then switches to parallel asynchronous calls for
 * good (scan/walk.ts). A cached tree answers each call in microseconds, and there the promise and
 * thread-pool round trip of an asynchronous call costs several times the call itself.
 *
 * One slow call proves nothing: a garbage collection or another thread can stall any one of them
 * (that alone had made every large walk asynchronous). So it takes two slow directory listings in
 * a row, or most lstats of one directory being slow.
 */

/** A directory listing slower than this is slow. */
export const SLOW_READDIR_MS = 20;
/** An lstat slower than this is slow. */
export const SLOW_STAT_MS = 0.2;
/** Fewer lstats than this in one directory say nothing either way. */
const MIN_STATS = 8;

export class SlowFsProbe {
  private slowListings = 0;
  private slow = false;

  /** True once the file system has shown itself slow; it stays so. */
  get isSlow(): boolean {
    return this.slow;
  }

  /** A directory listing took `ms`. */
  listed(ms: number): void {
    this.slowListings = ms > SLOW_READDIR_MS ? this.slowListings + 1 : 0;
    if (this.slowListings >= 2) this.slow = true;
  }

  /** One directory's lstats: `slowCalls` of `calls` took longer than SLOW_STAT_MS each. */
  statted(calls: number, slowCalls: number): void {
    if (calls >= MIN_STATS && slowCalls * 2 > calls) this.slow = true;
  }
}
