/**
 * status, sync, push, pull and resolve: open → lock → scan → plan → (render | execute) → save.
 * One use case, since the verbs differ only in the plan's mode and in what settles conflicts.
 */
import { basename } from 'node:path';
import { LsyncError } from '../core/errors.js';
import type { FsBehaviour, NameProblem } from '../core/names.js';
import { parseRemoteUrl } from '../remote/open.js';
import { plan as makePlan } from '../core/plan.js';
import type { KeepPolicy } from '../core/settle.js';
import type { Conflict, Plan, PlanMode } from '../core/types.js';
import { parseDuration } from '../state/config-keys.js';
import { pruneTrash } from '../state/trash.js';
import type { ConflictPolicy } from '../state/config.js';
import type { EventSink } from '../exec/events.js';
import { execute, type ExecAction, type ExecResult } from '../exec/executor.js';
import { conflictName } from '../exec/localfs.js';
import { FeedRecorder } from '../feed/recorder.js';
import type { RemoteOverrides } from './connect.js';
import { checkMatched, narrowSnapshot, parsePathspecs } from './pathspec.js';
import { toScopes } from './repo.js';
import { baseMatchesRemote, chooseListing, dropListingClaim, settleListing, type GateOptions } from './feed-listing.js';
import { withSession, type RemoteHook, type Session } from './session.js';
import { takeSnapshot, type SnapshotOptions } from './snapshot.js';
import { currentAuthor, withHistory, type KeepCounts } from '../history/keep.js';
import { keepsVersions, noHistory, pruneAfterPush } from '../history/retention.js';

export type Verb = 'status' | 'sync' | 'push' | 'pull' | 'resolve';

export interface SyncRequest {
  readonly verb: Verb;
  /** A mirror's name (push --to, status --remote); default: origin. */
  readonly remoteName?: string;
  readonly cwd: string;
  readonly paths: readonly string[];
  readonly force: boolean;
  readonly mirror: boolean;
  readonly dryRun: boolean;
  readonly maxDelete?: number;
  readonly concurrency: number;
  /** sync: settles conflicts this way instead of the config's `conflict` (watch: keep-both unless configured). */
  readonly conflict?: ConflictPolicy;
  /** resolve: how to settle the conflicts in `paths`. */
  readonly keep?: KeepPolicy;
  readonly overrides: RemoteOverrides;
  readonly signal?: AbortSignal;
  /** --bwlimit in bytes per second. */
  readonly bwlimit?: number;
  /** --links / --no-links; undefined = the config's `links` (default off). */
  readonly links?: boolean;
  /** LSYNC_TEST_FS (tests only): replaces the probe of the local file system. */
  readonly fsOverride?: FsBehaviour;
  /**
   * `paths` are file names as they are (a watcher's batch, a mirror's queue), not pathspecs typed
   * by a user: never globs, and one that names nothing (a file made and removed between two
   * batches) is no error.
   */
  readonly literalPaths?: boolean;
  /** Tests only: counters or faults around each remote as it is opened (session.ts). */
  readonly remoteHook?: RemoteHook;
  /** --use-feed / --no-use-feed; undefined = the config's `feed_listing` (default off). */
  readonly useFeed?: boolean;
}

export interface SyncOutcome {
  readonly remote: string;
  readonly plan: Plan;
  /** The actions actually handed to the executor (plan actions plus settled conflicts). */
  readonly actions: readonly ExecAction[];
  /** Conflicts still standing after this run. */
  readonly conflicts: readonly Conflict[];
  /** Names refused (colliding, or keys too long): left out of this run; the CLI exits 1 for them. */
  readonly names: readonly NameProblem[];
  readonly result?: ExecResult;
  /** Paths the database held before the run (watch scales its delete guard for scoped batches by it). */
  readonly baseSize: number;
  /** How the remote was read when the change feed was allowed to stand in for the listing (app/feed-listing.ts). */
  readonly listing?: { readonly kind: 'base' | 'full'; readonly reason: string };
}

function modeOf(verb: Verb): PlanMode {
  switch (verb) {
    case 'push':
      return 'push';
    case 'pull':
      return 'pull';
    default:
      return 'sync';
  }
}

export async function runSync(req: SyncRequest, emit: EventSink): Promise<SyncOutcome> {
  if ((req.force || req.mirror) && req.verb !== 'push' && req.verb !== 'pull') {
    throw new LsyncError('usage', `--force and --mirror go with push or pull, not ${req.verb}`, 'use `lsync push --force` (local wins) or `lsync pull --force` (remote wins)');
  }
  const readOnly = req.verb === 'status' || req.dryRun;
  if (req.remoteName !== undefined && req.verb !== 'push' && req.verb !== 'status') {
    throw new LsyncError('usage', `a mirror is only pushed to: ${req.verb} works with origin`, 'use `lsync push --to <name>` or `lsync status --remote <name>`');
  }
  return withSession(
    {
      cwd: req.cwd,
      command: req.verb,
      ...(req.remoteName !== undefined ? { remoteName: req.remoteName } : {}),
      overrides: req.overrides,
      concurrency: req.concurrency,
      readOnly,
      ...(req.bwlimit !== undefined ? { bwlimit: req.bwlimit } : {}),
      onRetry: (message) => emit({ type: 'warning', message }),
      ...(req.fsOverride !== undefined ? { fsOverride: req.fsOverride } : {}),
      ...(req.remoteHook !== undefined ? { remoteHook: req.remoteHook } : {}),
    },
    async (s) => {
      const pathspecs = req.literalPaths === true ? { scopes: toScopes(s.repo.root, req.cwd, req.paths), specs: [] } : parsePathspecs(s.repo.root, req.cwd, req.paths);
      const scopes = pathspecs.scopes;
      // The feed's answer (one round trip) is awaited by the snapshot, not before it: the walk runs meanwhile.
      const choosing = feedAllowed(req, s) ? chooseListing(gateOptions(req, s)) : undefined;
      choosing?.catch(() => undefined); // awaited below; the snapshot may fail first
      const taken = await takeSnapshot(snapshotOptions(req, s, scopes, emit, choosing?.then((c) => c.kind === 'base')));
      const listing = await choosing;
      // Pathspecs that match nothing are mistakes (git says so too); globs keep only what they match.
      checkMatched(taken, pathspecs);
      const snapshot = narrowSnapshot(taken, pathspecs);
      // Conflicts are settled by resolve --keep, or by the configured policy on sync (and so on
      // status, which shows what sync does); push and pull only report them (their --force
      // settles them in the planner).
      const now = new Date();
      const keep = req.verb === 'resolve' ? req.keep : req.verb === 'sync' || req.verb === 'status' ? policyOf(req.conflict ?? s.repo.config.conflict) : undefined;
      const plan = makePlan(snapshot, {
        mode: req.remoteName !== undefined ? 'push' : modeOf(req.verb), // a mirror is only pushed to
        force: req.force,
        mirror: req.mirror,
        ...(req.maxDelete !== undefined ? { maxDelete: req.maxDelete } : {}),
        maxDeleteShare: s.repo.config.maxDeleteShare,
        maxDeleteFloor: 10,
        ...(keep !== undefined ? { settle: { keep, nameFor: (p: string) => conflictName(p, s.host, now) } } : {}),
      });
      emit({ type: 'plan', plan });

      // resolve carries out only the settling of the conflicts it names.
      const settledPaths = new Set(plan.settled.map((c) => c.path));
      const actions = req.verb === 'resolve' ? plan.actions.filter((a) => settledPaths.has(a.path)) : plan.actions;
      const standing = plan.conflicts;
      for (const c of standing) emit({ type: 'conflict', conflict: c });

      const outcome = {
        remote: s.remote.display,
        plan,
        actions,
        conflicts: standing,
        names: snapshot.names,
        baseSize: s.db.entries.size,
        ...(listing !== undefined ? { listing: { kind: listing.kind, reason: listing.reason } } : {}),
      };
      const none = req.verb === 'status' ? noHistory(s.remote, s.repo.config) : undefined;
      if (none !== undefined) emit({ type: 'warning', path: '', message: none });
      const facts = { snapshot, names: snapshot.names, plan, conflicts: standing };
      if (req.verb === 'status' || req.dryRun) {
        if (listing !== undefined) await settleListing(s.stateDir, listing, baseMatchesRemote(facts), s.remoteConfig.url, s.db.entries.size);
        return outcome;
      }
      const refusal = plan.refusals[0];
      if (refusal !== undefined) throw new LsyncError('refused', refusal.message, 'nothing was changed');
      // What reaches the remote is recorded in the change feed, for watchers (feed/recorder.ts).
      const recorder = new FeedRecorder(emit);
      const history: KeepCounts = { replaced: 0, kept: 0 };
      const result = await execute(actions, {
        root: s.repo.root,
        metaDir: s.repo.metaDir,
        stateDir: s.stateDir,
        // Who wrote each object, and what a write replaces kept as a version (history/keep.ts).
        remote: withHistory(s.remote, currentAuthor, { keep: keepsVersions(s.repo.config), counts: history }),
        db: s.db,
        trash: s.trash,
        emit: recorder.sink,
        concurrency: req.concurrency,
        links: req.links ?? s.repo.config.links,
        restat: plan.restat,
        ...(req.signal !== undefined ? { signal: req.signal } : {}),
        ...(s.discardUpload !== undefined ? { discardUpload: s.discardUpload } : {}),
      });
      // The feed is origin's: a push to a mirror is nobody's news there (and must not contact origin).
      if (s.remoteConfig.role === 'sync') await recorder.publish(s.repo.metaDir, s.repo.config, req.overrides, req.signal);
      await pruneAfterPush(s.remote, s.repo.config, history.replaced, (message) => emit({ type: 'warning', path: '', message }), req.signal);
      // The trash is bounded (trash_max_age, trash_max_size); what this run kept stays.
      const limits = { maxAgeMs: parseDuration(s.repo.config.trashMaxAge) ?? Infinity, maxBytes: s.repo.config.trashMaxSize };
      await pruneTrash(s.repo.metaDir, limits, basename(s.trash.dir), Date.now());
      if (listing !== undefined) await settleListing(s.stateDir, listing, baseMatchesRemote({ ...facts, executed: { actions, result } }), s.remoteConfig.url, s.db.entries.size);
      // Any other run that may have left the remote and the base apart (a put whose answer was
      // lost, an interruption) takes back what an earlier full listing established.
      else if (result.failed > 0 || result.interrupted) await dropListingClaim(s.stateDir);
      return { ...outcome, result };
    },
  );
}

/** status and sync of a whole repository (no pathspecs) with origin, when the config or --use-feed allows it. */
function snapshotOptions(req: SyncRequest, s: Session, scopes: readonly string[], emit: EventSink, remoteIsBase: Promise<boolean> | undefined): SnapshotOptions {
  return {
    root: s.repo.root,
    remote: s.remote,
    base: s.db.entries,
    scopes,
    useGitignore: s.repo.config.useGitignore,
    links: req.links ?? s.repo.config.links,
    concurrency: req.concurrency,
    emit,
    ...(req.signal !== undefined ? { signal: req.signal } : {}),
    fs: s.fs,
    ...keyPrefix(s.remoteConfig.url),
    // A new file is hashed by its upload anyway, whatever its size (exec/handlers/upload.ts:
    // what is sent is what is hashed), and the snapshot hashes it where the plan needs its
    // content. The scan reading it first would be one more open, read and close per file (on
    // a push of 10,000 new files, most of the scan's work).
    deferHash: () => true,
    ...(remoteIsBase !== undefined ? { remoteIsBase } : {}),
  };
}

function feedAllowed(req: SyncRequest, s: Session): boolean {
  if ((req.verb !== 'status' && req.verb !== 'sync') || req.remoteName !== undefined || req.paths.length > 0) return false;
  return req.useFeed ?? s.repo.config.feedListing;
}

function gateOptions(req: SyncRequest, s: Session): GateOptions {
  return {
    stateDir: s.stateDir,
    metaDir: s.repo.metaDir,
    config: s.repo.config,
    overrides: req.overrides,
    baseEntries: s.db.entries.size,
    ...(req.signal !== undefined ? { signal: req.signal } : {}),
  };
}

/** S3 keys are limited to 1,024 bytes, prefix included; a file:// remote has no such limit. */
function keyPrefix(remote: string): { keyPrefixBytes?: number } {
  const spec = parseRemoteUrl(remote);
  return spec.kind === 's3' ? { keyPrefixBytes: Buffer.byteLength(spec.prefix, 'utf8') } : {};
}

function policyOf(p: 'stop' | 'keep-both' | 'local' | 'remote'): KeepPolicy | undefined {
  switch (p) {
    case 'stop':
      return undefined;
    case 'keep-both':
      return 'both';
    case 'local':
      return 'local';
    case 'remote':
      return 'remote';
  }
}
