/**
 * One batch of a watcher: a sync of just the touched paths (or of everything, for a rescan), with
 * the repository lock held only for its length (app/sync.ts opens and closes the session). The
 * outcome says what moved, for the log line, and whether the paths must be tried again.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { LsyncError } from '../core/errors.js';
import type { EngineEvent, EventSink } from '../exec/events.js';
import { boundHeapGrowth } from '../exec/memory.js';
import { RemoteError } from '../remote/remote.js';
import { runSync, type SyncOutcome, type SyncRequest } from '../app/sync.js';

/** A batch touching more paths than this lists the remote in full: one listing beats thousands of HEADs. */
export const SCOPED_MAX = 1000;

export interface Moved {
  up: number;
  down: number;
  moved: number;
  deletedRemote: number;
  deletedLocal: number;
  keptBoth: number;
  failed: number;
  skipped: number;
  bytes: number;
}

export type BatchOutcome =
  | { readonly kind: 'done'; readonly moved: Moved; readonly conflicts: number; readonly ms: number; readonly interrupted: boolean; readonly baseSize: number; readonly localWrites: ReadonlyMap<string, LocalWrite> }
  /** Worth retrying after a pause (network, server, lock held, some actions failed or were skipped). */
  | { readonly kind: 'retry'; readonly message: string; readonly moved?: Moved }
  /** A safety guard refused the batch: reported, not retried until something changes. */
  | { readonly kind: 'refused'; readonly message: string };

export type BatchRequest = Omit<SyncRequest, 'verb' | 'cwd' | 'paths' | 'force' | 'mirror' | 'dryRun'> & { readonly root: string };

function emptyMoved(): Moved {
  return { up: 0, down: 0, moved: 0, deletedRemote: 0, deletedLocal: 0, keptBoth: 0, failed: 0, skipped: 0, bytes: 0 };
}

/** What a batch did to a local path: its events are echoes of that (see isEcho). */
export type LocalWrite = 'wrote' | 'removed';

function count(m: Moved, localWrites: Map<string, LocalWrite>, e: EngineEvent): void {
  if (e.type === 'failed') m.failed++;
  if (e.type === 'skipped') m.skipped++;
  if (e.type !== 'done') return;
  m.bytes += e.bytes;
  switch (e.action) {
    case 'upload':
      m.up++;
      break;
    case 'download':
      m.down++;
      localWrites.set(e.path, 'wrote');
      break;
    case 'move-remote':
      m.moved++;
      break;
    case 'move-local':
      m.moved++;
      localWrites.set(e.path, 'wrote');
      if (e.from !== undefined) localWrites.set(e.from, 'removed');
      break;
    case 'delete-remote':
      m.deletedRemote++;
      break;
    case 'delete-local':
      m.deletedLocal++;
      localWrites.set(e.path, 'removed');
      break;
    case 'keep-both':
      m.keptBoth++;
      localWrites.set(e.path, 'wrote');
      if (e.to !== undefined) localWrites.set(e.to, 'wrote');
      break;
    default:
      break;
  }
}

/**
 * Run one batch. `paths` undefined: everything (a rescan). `emit` gets every engine event (the
 * --verbose log). Throws only for what a watcher cannot ride out (not a repository, bad config).
 */
export async function runBatch(req: BatchRequest, paths: ReadonlySet<string> | undefined, emit: EventSink): Promise<BatchOutcome> {
  const started = Date.now();
  const moved = emptyMoved();
  const localWrites = new Map<string, LocalWrite>();
  const scoped = paths !== undefined && paths.size <= SCOPED_MAX;
  let outcome: SyncOutcome;
  const release = boundHeapGrowth();
  try {
    outcome = await runSync(
      {
        ...req,
        cwd: req.root,
        verb: 'sync',
        // Paths are repository-relative; the run resolves them against cwd, the root.
        paths: scoped ? [...paths].map((p) => join(req.root, p)) : [],
        // File names from events and the feed: never globs, and a file already gone is no error.
        literalPaths: true,
        force: false,
        mirror: false,
        dryRun: false,
        // A watcher's rescan is what catches what the feed cannot see: never the feed shortcut (feed_listing).
        useFeed: false,
      },
      (e) => {
        count(moved, localWrites, e);
        emit(e);
      },
    );
  } catch (e) {
    if (e instanceof RemoteError) return { kind: 'retry', message: e.message };
    if (e instanceof LsyncError) {
      if (e.code === 'refused') return { kind: 'refused', message: e.message };
      if (e.code === 'locked' || e.code === 'remote' || e.code === 'local-io') return { kind: 'retry', message: e.message };
    }
    throw e;
  } finally {
    release();
  }
  const r = outcome.result;
  const interrupted = r?.interrupted === true;
  if (!interrupted && (moved.failed > 0 || moved.skipped > 0 || (r?.postponed ?? 0) > 0)) {
    return { kind: 'retry', message: `${moved.failed} failed, ${moved.skipped} skipped (changed while syncing)`, moved };
  }
  return { kind: 'done', moved, conflicts: outcome.conflicts.length, ms: Date.now() - started, interrupted, baseSize: outcome.baseSize, localWrites };
}

/**
 * Events for files this batch wrote are echoes, unless the file changed again after the batch
 * started (a user's edit has a newer mtime; a download keeps the remote's older one) or is gone
 * (the user renamed or deleted it right after it arrived). For a path the batch removed, only
 * its absence is an echo: a file there now was made again since.
 */
export function isEcho(root: string, path: string, since: number, what: LocalWrite): boolean {
  const st = lstatSync(join(root, path), { throwIfNoEntry: false });
  if (what === 'removed') return st === undefined;
  return st !== undefined && st.mtimeMs < since;
}
