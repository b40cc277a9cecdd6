/**
 * The file database: the base of every three-way comparison.
 *
 * Contract (the Unison invariants):
 *  - it only ever records paths that really were synchronised: callers `set()` after an action's
 *    effect finished, never before;
 *  - on disk it is only ever replaced atomically (temp file, fsync, rename, fsync dir), so a crash
 *    at any moment leaves either the old or the new state, never a torn one;
 *  - a lost record costs nothing but a "both sides equal" that the next run records without
 *    transfer, so journal appends may be group-committed (batched fsync).
 *
 * Layout under `.lsync/`:
 *  - `index.yaml`: YAML, one entry per line in a restricted flow form that a fast line reader
 *    parses (js-yaml is the fallback for hand-edited files);
 *  - `journal.yaml`: append-only YAML sequence of set/delete records since the last compaction,
 *    replayed on open (an incomplete last line from a crash is ignored), folded into index.yaml by
 *    `close()` when it has grown large relative to the index.
 * A run that changes k files therefore writes O(k) bytes, not O(all).
 */
import type { BaseEntry } from '../core/types.js';

export interface Database {
  /** Every recorded path (journal already applied). */
  readonly entries: ReadonlyMap<string, BaseEntry>;
  /** Record a finished transfer. Durable after the next flush(). */
  set(entry: BaseEntry): void;
  /** Drop a path's record (both sides gone). Durable after the next flush(). */
  delete(path: string): void;
  /** Write and fsync pending journal records. Safe to call often; cheap when nothing is pending. */
  flush(): Promise<void>;
  /** Flush, compact when worthwhile, release the file handle. */
  close(): Promise<void>;
}
