/**
 * A read-only look at a repository: the three sides in scope and what a sync would do with each
 * path. `lsync ls` and `lsync diff` are built on it; it takes no lock and changes nothing, so it
 * runs beside a sync like `status` does.
 */
import type { FsBehaviour } from '../core/names.js';
import { plan as makePlan } from '../core/plan.js';
import type { Action, Plan } from '../core/types.js';
import type { EventSink } from '../exec/events.js';
import { parseRemoteUrl } from '../remote/open.js';
import type { RemoteOverrides } from './connect.js';
import { toScopes } from './repo.js';
import { withSession, type Session } from './session.js';
import { takeSnapshot, type TakenSnapshot } from './snapshot.js';

export interface ViewRequest {
  readonly cwd: string;
  /** Command-line paths, relative to `cwd`; [] = the whole repository. */
  readonly paths: readonly string[];
  readonly overrides: RemoteOverrides;
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  readonly fsOverride?: FsBehaviour;
  /** Warnings of the scan and listing (retries, ignored keys). */
  readonly emit?: EventSink;
}

export interface RepoView {
  readonly session: Session;
  readonly scopes: readonly string[];
  readonly snapshot: TakenSnapshot;
  /** What `lsync sync` would do (conflicts reported, never settled here). */
  readonly plan: Plan;
}

/**
 * How a path differs between the local tree and the remote, as a user reads it:
 * - `local-changed`: edited or added here, a push sends it;
 * - `local-deleted`: deleted here, a push deletes it on the remote;
 * - `remote-changed`: edited or added on the remote, a pull fetches it;
 * - `remote-deleted`: deleted on the remote, a pull deletes it here;
 * - `conflict`: both sides changed differently.
 * Paths missing from the map are the same on both sides.
 */
export type PathState = 'local-changed' | 'local-deleted' | 'remote-changed' | 'remote-deleted' | 'conflict';

export function pathStates(plan: Plan): Map<string, PathState> {
  const out = new Map<string, PathState>();
  const set = (path: string, state: PathState): void => {
    if (!out.has(path)) out.set(path, state);
  };
  for (const c of plan.conflicts) out.set(c.path, 'conflict');
  for (const a of plan.actions) {
    for (const [path, state] of statesOf(a)) set(path, state);
  }
  for (const p of plan.pending) {
    const deleted = p.change === 'deleted';
    set(p.path, p.side === 'local' ? (deleted ? 'local-deleted' : 'local-changed') : deleted ? 'remote-deleted' : 'remote-changed');
  }
  return out;
}

function statesOf(a: Action): [string, PathState][] {
  switch (a.type) {
    case 'upload':
      return [[a.path, 'local-changed']];
    case 'delete-remote':
      return [[a.path, 'local-deleted']];
    case 'download':
      return [[a.path, 'remote-changed']];
    case 'delete-local':
      return [[a.path, 'remote-deleted']];
    case 'move-remote':
      return [[a.path, 'local-changed'], [a.from, 'local-deleted']];
    case 'move-local':
      return [[a.path, 'remote-changed'], [a.from, 'remote-deleted']];
    case 'mkdir-remote':
      return [[a.path, 'local-changed']];
    case 'rmdir-remote':
      return [[a.path, 'local-deleted']];
    case 'mkdir-local':
      return [[a.path, 'remote-changed']];
    case 'rmdir-local':
      return [[a.path, 'remote-deleted']];
    case 'keep-both':
      return [[a.path, 'remote-changed'], [a.conflictPath, 'local-changed']];
    case 'record':
    case 'forget':
    case 'record-dir':
    case 'forget-dir':
      return [];
  }
}

export async function withView<T>(req: ViewRequest, fn: (view: RepoView) => Promise<T>): Promise<T> {
  const emit: EventSink = req.emit ?? (() => undefined);
  return withSession(
    {
      cwd: req.cwd,
      command: 'view',
      overrides: req.overrides,
      concurrency: req.concurrency,
      readOnly: true,
      onRetry: (message) => emit({ type: 'warning', message }),
      ...(req.fsOverride !== undefined ? { fsOverride: req.fsOverride } : {}),
    },
    async (session) => {
      const scopes = toScopes(session.repo.root, req.cwd, req.paths);
      const spec = parseRemoteUrl(session.repo.config.remote);
      const snapshot = await takeSnapshot({
        root: session.repo.root,
        remote: session.remote,
        base: session.db.entries,
        scopes,
        useGitignore: session.repo.config.useGitignore,
        links: session.repo.config.links,
        concurrency: req.concurrency,
        emit,
        fs: session.fs,
        ...(spec.kind === 's3' ? { keyPrefixBytes: Buffer.byteLength(spec.prefix, 'utf8') } : {}),
        ...(req.signal !== undefined ? { signal: req.signal } : {}),
      });
      const plan = makePlan(snapshot, { mode: 'sync', force: false, mirror: false, maxDeleteShare: session.repo.config.maxDeleteShare, maxDeleteFloor: 10 });
      return fn({ session, scopes, snapshot, plan });
    },
  );
}
