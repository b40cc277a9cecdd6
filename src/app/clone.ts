/**
 * `lsync clone <remote> [dir]`: init, then pull, in one step, as `git clone` does. The directory
 * is made when it does not exist (and removed again when the clone fails before anything was
 * pulled); an existing empty one is used; a non-empty one is refused and left alone unless
 * `force`, in which case the pull adopts identical files and reports differing ones as conflicts.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { LsyncError } from '../core/errors.js';
import type { FsBehaviour } from '../core/names.js';
import type { EventSink } from '../exec/events.js';
import { parseRemoteUrl, type RemoteSpec } from '../remote/open.js';
import type { RemoteOverrides } from './connect.js';
import type { RemoteEncryption } from '../state/config.js';
import { runInit, type InitResult } from './init.js';
import { runSync, type SyncOutcome } from './sync.js';

export interface CloneRequest {
  readonly remote: string;
  /** Where to clone; default: the last segment of the remote's prefix (or the bucket's name), as git names a clone after the repository. */
  readonly dir?: string;
  readonly cwd: string;
  /** Clone into a non-empty directory (and make a repository nested in another one). */
  readonly force: boolean;
  readonly overrides: RemoteOverrides;
  /** --sse, --sse-kms-key-id, --sse-c-key-env (init.ts). */
  readonly encryption?: RemoteEncryption;
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  readonly bwlimit?: number;
  readonly links?: boolean;
  readonly fsOverride?: FsBehaviour;
}

export interface CloneResult {
  readonly root: string;
  /** The directory did not exist before. */
  readonly created: boolean;
  readonly init: InitResult;
  readonly pull: SyncOutcome;
}

/** The folder name a clone of `spec` gets when none is given. */
export function defaultDir(spec: RemoteSpec): string {
  const raw = spec.kind === 's3' ? (spec.prefix.replace(/\/+$/, '').split('/').pop() || spec.bucket) : basename(spec.root);
  const name = raw.replace(/[\\/:*?"<>|\0]/g, '_');
  return name === '' || name === '.' || name === '..' ? 'lsync-clone' : name;
}

async function entriesOf(dir: string): Promise<string[] | undefined> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new LsyncError('usage', `${dir}: exists and is not a directory`, 'name another directory: lsync clone <remote> <dir>');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return readdir(dir);
}

export async function runClone(req: CloneRequest, emit: EventSink): Promise<CloneResult> {
  let spec: RemoteSpec;
  try {
    spec = parseRemoteUrl(req.remote);
  } catch (e) {
    throw new LsyncError('usage', e instanceof Error ? e.message : String(e), 'examples: s3://bucket/prefix, bucket/prefix, file:///abs/dir');
  }
  const root = resolve(req.cwd, req.dir ?? defaultDir(spec));
  const existing = await entriesOf(root);
  if (existing !== undefined && existing.length > 0 && !req.force) {
    throw new LsyncError(
      'usage',
      `${root} already exists and is not empty (${existing.length} entr${existing.length === 1 ? 'y' : 'ies'}); nothing was changed`,
      'clone into a new or empty directory, or pass --force to pull into this one (identical files are adopted, differing ones become conflicts)',
    );
  }
  const created = existing === undefined;
  if (created) await mkdir(root, { recursive: true });
  let init: InitResult;
  try {
    init = await runInit({ remote: req.remote, dir: root, cwd: req.cwd, createBucket: false, force: req.force, overrides: req.overrides, ...(req.encryption !== undefined ? { encryption: req.encryption } : {}), concurrency: req.concurrency });
  } catch (e) {
    // Nothing was pulled: leave no trace of a clone that never started.
    if (created) await rm(root, { recursive: true, force: true });
    throw e;
  }
  const pull = await runSync(
    {
      verb: 'pull',
      cwd: init.root,
      paths: [],
      force: false,
      mirror: false,
      dryRun: false,
      concurrency: req.concurrency,
      overrides: req.overrides,
      ...(req.signal !== undefined ? { signal: req.signal } : {}),
      ...(req.bwlimit !== undefined ? { bwlimit: req.bwlimit } : {}),
      ...(req.links !== undefined ? { links: req.links } : {}),
      ...(req.fsOverride !== undefined ? { fsOverride: req.fsOverride } : {}),
    },
    emit,
  );
  return { root: init.root, created, init, pull };
}
