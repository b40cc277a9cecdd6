/**
 * The run context: what every handler of one executor run shares (where the repository is, the
 * remote, the database, the trash, the signals) and the little mutable state a run keeps.
 */
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Remote, UploadCheckpoint } from '../remote/remote.js';
import type { Restat } from '../core/types.js';
import type { Database } from '../state/database.js';
import { UploadCheckpoints } from './checkpoints.js';
import type { EventSink } from './events.js';
import type { Trash } from './localfs.js';
import { Partials } from './partials.js';

export interface ExecContext {
  readonly root: string;
  readonly metaDir: string;
  /** The remote's state folder (.lsync/remotes/<name>/, its upload checkpoints); default metaDir. */
  readonly stateDir?: string;
  readonly remote: Remote;
  readonly db: Database;
  readonly trash: Trash;
  readonly emit: EventSink;
  readonly concurrency: number;
  /** --links: upload symbolic links as link objects, and recreate link objects as links. */
  readonly links?: boolean;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /** Aborts the multipart upload a stale checkpoint describes (S3); absent where uploads are whole. */
  readonly discardUpload?: (checkpoint: UploadCheckpoint) => Promise<void>;
  /** The plan's stat refreshes of files only touched (Plan.restat), written before its actions. */
  readonly restat?: readonly Restat[];
}

/**
 * Steps that move up to this many bytes are "small": after the first Ctrl-C they get DRAIN_MS to
 * finish; larger transfers stop at once, since they resume on the next run.
 */
export const SMALL_STEP = 8 * 1024 * 1024;
/** How long small actions in flight may finish after the first Ctrl-C before they are aborted too. */
const DRAIN_MS = 10_000;

export interface RunContext {
  readonly root: string;
  readonly metaDir: string;
  readonly tmpDir: string;
  readonly remote: Remote;
  readonly db: Database;
  readonly trash: Trash;
  readonly emit: EventSink;
  readonly links: boolean;
  readonly signal?: AbortSignal;
  readonly now: () => number;
  readonly partials: Partials;
  readonly checkpoints: UploadCheckpoints;
  /** Folders this run checked or made (ensureParentDir's cache); only removed after all writes. */
  readonly knownDirs: Set<string>;
  /** Sources of local moves, whose emptied folders are removed once no move or download runs. */
  readonly movedAway: string[];
  /** The absolute path of repository path `path`. */
  abs(path: string): string;
  /** The signal for a step that moves `bytes`. */
  signalFor(bytes: number): { signal?: AbortSignal };
}

/** Opens a run: its tmp folder, its partials, its drain timer. `close` must be called at the end. */
export async function openRun(ctx: ExecContext): Promise<{ readonly run: RunContext; close(): void }> {
  const now = ctx.now ?? Date.now;
  const tmpDir = join(ctx.metaDir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const partials = await Partials.open(tmpDir, now());
  // Interruption: ctx.signal stops new actions at once; `drain` aborts the small ones in flight
  // only if they outlast DRAIN_MS.
  const drain = new AbortController();
  // Every small action in flight listens on it, like on ctx.signal (see bin/lsync.js).
  setMaxListeners(0, drain.signal);
  let drainTimer: NodeJS.Timeout | undefined;
  const onStop = (): void => {
    drainTimer = setTimeout(() => drain.abort(ctx.signal?.reason), DRAIN_MS);
  };
  ctx.signal?.addEventListener('abort', onStop, { once: true });
  const signal = ctx.signal;
  const run: RunContext = {
    root: ctx.root,
    metaDir: ctx.metaDir,
    tmpDir,
    remote: ctx.remote,
    db: ctx.db,
    trash: ctx.trash,
    emit: ctx.emit,
    links: ctx.links === true,
    ...(signal !== undefined ? { signal } : {}),
    now,
    partials,
    checkpoints: new UploadCheckpoints(ctx.stateDir ?? ctx.metaDir, ctx.root),
    knownDirs: new Set<string>(),
    movedAway: [],
    abs: (path) => join(ctx.root, ...path.split('/')),
    signalFor: (bytes) => (signal === undefined ? {} : { signal: bytes > SMALL_STEP ? signal : drain.signal }),
  };
  return {
    run,
    close: () => {
      clearTimeout(drainTimer);
      ctx.signal?.removeEventListener('abort', onStop);
    },
  };
}
