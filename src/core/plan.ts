/**
 * Reconciliation: from the classified three sides to a `Plan` of actions, conflicts, pending
 * changes and refusals.
 *
 * Pure and deterministic: the output depends only on the snapshot's contents (not on map
 * insertion order) and the options. `status` and `--dry-run` render the plan; the executor
 * only carries it out, re-checking each action's precondition (`expectRemote`, `expectLocal`...)
 * just before its effect.
 *
 * Pure: no `node:*` imports.
 */

import { classify, isChanged, sameContent, type PathState } from './classify.js';
import { decideDirPullForce, decideDirPushForce, decideDirSync, deepestFirst, dirState, dirView, involvesDir, withoutDirBase, type DirView } from './dirs.js';
import { restats } from './restat.js';
import { pairMoves } from './moves.js';
import { settle } from './settle.js';
import { compareKeys } from './paths.js';
import {
  assertNever,
  type Action,
  type ActionType,
  type BaseEntry,
  type Conflict,
  type ConflictReason,
  type Decision,
  type LocalEntry,
  type Pending,
  type Plan,
  type PlanOptions,
  type PlanSummary,
  type Refusal,
  type RemoteEntry,
  type SideChange,
  type Snapshot,
} from './types.js';

// Decision lives in types.ts so dirs.ts can return one without importing this module (no cycle).
export type { Decision };

const NONE: Decision = { kind: 'none' };

/**
 * Plan a run. `snapshot` holds only the paths in scope, with hashes filled as `types.ts`
 * describes; `options.mode` decides which directions may act.
 *
 * The max-delete guard never drops actions: a refused plan still lists everything (so `status`
 * can show it), and the executor refuses to run a plan whose `refusals` is not empty.
 */
export function plan(snapshot: Snapshot, options: PlanOptions): Plan {
  const states = classify(snapshot);
  const decided: Action[] = [];
  const conflicts: Conflict[] = [];
  const pending: Pending[] = [];
  const take = (d: Decision, into: Action[]): void => {
    switch (d.kind) {
      case 'none':
        break;
      case 'action':
        into.push(d.action);
        break;
      case 'conflict':
        conflicts.push(d.conflict);
        break;
      case 'pending':
        pending.push(d.pending);
        break;
      default:
        assertNever(d);
    }
  };
  // Dirs are decided after the files: whether a folder needs an entry depends on what the file
  // actions leave in it (dirs.ts).
  const dirStates: PathState[] = [];
  for (const state of states) {
    if (!involvesDir(state)) {
      take(decide(state, options), decided);
      continue;
    }
    const asFile = withoutDirBase(state);
    if (asFile === undefined) {
      dirStates.push(state);
      continue;
    }
    const d = decide(asFile, options);
    // withoutDirBase only answers for a dir's base: dropping it is a folder action.
    take(d.kind === 'none' && state.base !== undefined ? action({ type: 'forget-dir', path: state.path, base: state.base }) : d, decided);
  }
  // A rename shows up as a delete plus an add of the same content: carry it out as a rename.
  const actions = pairMoves(decided);
  if (dirStates.length > 0) {
    const view = dirView(snapshot, actions, new Set(dirStates.map((s) => s.path)));
    for (const s of deepestFirst(dirStates)) {
      const d = decideDir(s, view, options);
      if (d.kind === 'action') view.apply(d.action);
      take(d, actions);
    }
  }
  conflicts.sort((a, b) => compareKeys(a.path, b.path));
  // A policy settles conflicts here, not after planning, so that `status` shows what `sync` does.
  const settled = options.settle !== undefined ? conflicts.splice(0) : [];
  if (options.settle !== undefined) actions.push(...settle(settled, options.settle));
  // `classify` yields paths in compareKeys order, but a move takes its target's place and drops
  // its source's, and dirs come last: sort so the documented order holds.
  actions.sort(compareActions);
  pending.sort((a, b) => compareKeys(a.path, b.path));

  // The guard is about files: folders (empty ones, markers) hold no data and count on neither side.
  const refusal = maxDeleteRefusal(countDeletes(actions), states.length - dirStates.length, options);
  return {
    actions,
    conflicts,
    settled,
    pending,
    refusals: refusal === undefined ? [] : [refusal],
    summary: summarize(actions, conflicts.length, settled.length, pending.length),
    restat: restats(snapshot),
  };
}

/** The dir rules (dirs.ts) under the given mode. */
function decideDir(s: PathState, view: DirView, options: PlanOptions): Decision {
  const d = dirState(s, view);
  const force = options.force || options.mirror;
  let decision: Decision;
  switch (options.mode) {
    case 'sync':
      return decideDirSync(d);
    case 'push':
      decision = force ? decideDirPushForce(d, options.mirror) : onlyDirection(decideDirSync(d), d.state, 'push');
      break;
    case 'pull':
      decision = force ? decideDirPullForce(d, options.mirror) : onlyDirection(decideDirSync(d), d.state, 'pull');
      break;
    default:
      return assertNever(options.mode);
  }
  // Housekeeping of the other direction (a redundant marker, a folder a pull keeps) is not a
  // change anybody made: nothing to report.
  return decision.kind === 'pending' && decision.pending.change === 'unchanged' ? NONE : decision;
}

/** The rule for one path under the given mode. */
export function decide(s: PathState, options: PlanOptions): Decision {
  // --mirror is "--force, and delete the extras": it needs force's "this side wins" everywhere
  // else, or a mirror could leave a remote edit in place that the local tree does not have.
  const force = options.force || options.mirror;
  switch (options.mode) {
    case 'sync':
      return decideSync(s);
    case 'push':
      return force ? decidePushForce(s, options.mirror) : onlyDirection(decideSync(s), s, 'push');
    case 'pull':
      return force ? decidePullForce(s, options.mirror) : onlyDirection(decideSync(s), s, 'pull');
    default:
      return assertNever(options.mode);
  }
}

/**
 * The two-way rules (Unison's reconciliation): one changed side is carried over, equal results
 * are recorded, an edit beats a delete, and two different edits are a conflict.
 */
export function decideSync(s: PathState): Decision {
  const { local, remote, base } = s;
  const localChanged = isChanged(s.localChange);
  const remoteChanged = isChanged(s.remoteChange);
  if (!localChanged && !remoteChanged) return NONE;

  if (local !== undefined && remote !== undefined) {
    // Also covers "only one side changed, but to what the other side already holds" (e.g. the
    // same bytes re-uploaded by another tool): adopt it without moving bytes.
    if (sameContent(local, remote)) return record(local, remote);
    if (!remoteChanged) return upload(s, local);
    if (!localChanged) return download(s, remote);
    return conflict(s, local, remote, conflictReason(local, remote, base));
  }
  if (local !== undefined) {
    // The remote is gone (or never was). An unchanged local file follows the remote's delete;
    // a new or edited one is sent (edit beats delete).
    return localChanged ? upload(s, local) : deleteLocal(s, local);
  }
  if (remote !== undefined) {
    return remoteChanged ? download(s, remote) : deleteRemote(s, remote);
  }
  // Gone on both sides: only the base record is left to drop.
  return base !== undefined ? forget(base) : NONE;
}

/**
 * push/pull without --force: the sync rules, with the other direction's transfers turned into
 * `pending` (status shows them; the other verb would act). Conflicts stay conflicts.
 */
function onlyDirection(d: Decision, s: PathState, verb: 'push' | 'pull'): Decision {
  if (d.kind !== 'action') return d;
  const type = d.action.type;
  switch (type) {
    case 'upload':
    case 'delete-remote':
      return verb === 'push' ? d : pendingOf(s.path, 'local', s.localChange);
    case 'download':
    case 'delete-local':
      return verb === 'pull' ? d : pendingOf(s.path, 'remote', s.remoteChange);
    case 'mkdir-remote':
    case 'rmdir-remote':
      return verb === 'push' ? d : pendingOf(s.path, 'local', s.localChange);
    case 'mkdir-local':
    case 'rmdir-local':
      return verb === 'pull' ? d : pendingOf(s.path, 'remote', s.remoteChange);
    case 'record':
    case 'forget':
    case 'record-dir':
    case 'forget-dir':
      return d;
    case 'move-remote':
    case 'move-local':
    case 'keep-both':
      // Moves are paired after the per-path decisions, and conflicts settled after them: no
      // single path's rule decides one.
      return d;
    default:
      return assertNever(type);
  }
}

/**
 * push --force / --mirror: wherever the remote differs from the local file, the local file wins.
 * A remote object that never had a base and has no local file is someone else's new file: only
 * --mirror deletes it.
 */
function decidePushForce(s: PathState, mirror: boolean): Decision {
  const { local, remote, base } = s;
  const anyChange = isChanged(s.localChange) || isChanged(s.remoteChange);
  if (local !== undefined) {
    if (remote !== undefined && sameContent(local, remote)) return anyChange ? record(local, remote) : NONE;
    return anyChange ? upload(s, local) : NONE;
  }
  if (remote === undefined) return base !== undefined ? forget(base) : NONE;
  if (base !== undefined || mirror) return deleteRemote(s, remote);
  return pendingOf(s.path, 'remote', s.remoteChange);
}

/** pull --force / --mirror: the mirror image of `decidePushForce`. */
function decidePullForce(s: PathState, mirror: boolean): Decision {
  const { local, remote, base } = s;
  const anyChange = isChanged(s.localChange) || isChanged(s.remoteChange);
  if (remote !== undefined) {
    if (local !== undefined && sameContent(local, remote)) return anyChange ? record(local, remote) : NONE;
    return anyChange ? download(s, remote) : NONE;
  }
  if (local === undefined) return base !== undefined ? forget(base) : NONE;
  if (base !== undefined || mirror) return deleteLocal(s, local);
  return pendingOf(s.path, 'local', s.localChange);
}

function conflictReason(local: LocalEntry, remote: RemoteEntry, base: BaseEntry | undefined): ConflictReason {
  // Without both hashes "different" is a guess; say so rather than claim an edit clash.
  if (local.hash === undefined || remote.hash === undefined) return 'unknown-content';
  return base === undefined ? 'both-added' : 'both-modified';
}

// --- Action builders: optional fields are omitted, never set to undefined. ---

function upload(s: PathState, local: LocalEntry): Decision {
  return action({
    type: 'upload',
    path: s.path,
    local,
    ...(s.remote !== undefined ? { expectRemote: s.remote } : {}),
    ...(s.base !== undefined ? { base: s.base } : {}),
  });
}

function download(s: PathState, remote: RemoteEntry): Decision {
  return action({
    type: 'download',
    path: s.path,
    remote,
    ...(s.local !== undefined ? { expectLocal: s.local } : {}),
    ...(s.base !== undefined ? { base: s.base } : {}),
  });
}

function deleteRemote(s: PathState, remote: RemoteEntry): Decision {
  return action({ type: 'delete-remote', path: s.path, remote, ...(s.base !== undefined ? { base: s.base } : {}) });
}

function deleteLocal(s: PathState, local: LocalEntry): Decision {
  return action({ type: 'delete-local', path: s.path, local, ...(s.base !== undefined ? { base: s.base } : {}) });
}

function record(local: LocalEntry, remote: RemoteEntry): Decision {
  return action({ type: 'record', path: local.path, local, remote });
}

function forget(base: BaseEntry): Decision {
  return action({ type: 'forget', path: base.path, base });
}

function action(a: Action): Decision {
  return { kind: 'action', action: a };
}

function conflict(s: PathState, local: LocalEntry, remote: RemoteEntry, reason: ConflictReason): Decision {
  return {
    kind: 'conflict',
    conflict: { path: s.path, reason, local, remote, ...(s.base !== undefined ? { base: s.base } : {}) },
  };
}

function pendingOf(path: string, side: 'local' | 'remote', change: SideChange): Decision {
  return { kind: 'pending', pending: { path, side, change } };
}

// --- Ordering and totals ---

/** Within one path, the order the executor's phases would take them. */
const TYPE_ORDER: Readonly<Record<ActionType, number>> = {
  'delete-local': 0,
  'delete-remote': 1,
  download: 2,
  upload: 3,
  record: 4,
  forget: 5,
  'move-local': 6,
  'move-remote': 7,
  'keep-both': 8,
  'rmdir-local': 9,
  'rmdir-remote': 10,
  'mkdir-local': 11,
  'mkdir-remote': 12,
  'record-dir': 13,
  'forget-dir': 14,
};

function compareActions(a: Action, b: Action): number {
  return compareKeys(a.path, b.path) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
}

function summarize(actions: readonly Action[], conflicts: number, settled: number, pending: number): PlanSummary {
  let uploads = 0;
  let downloads = 0;
  let deleteRemote = 0;
  let deleteLocal = 0;
  let records = 0;
  let forgets = 0;
  let moves = 0;
  let foldersMade = 0;
  let foldersRemoved = 0;
  let keepBoth = 0;
  let uploadBytes = 0;
  let downloadBytes = 0;
  for (const a of actions) {
    switch (a.type) {
      case 'upload':
        uploads++;
        uploadBytes += a.local.size;
        break;
      case 'download':
        downloads++;
        downloadBytes += a.remote.size;
        break;
      case 'delete-remote':
        deleteRemote++;
        break;
      case 'delete-local':
        deleteLocal++;
        break;
      case 'record':
        records++;
        break;
      case 'forget':
        forgets++;
        break;
      case 'move-remote':
      case 'move-local':
        // No bytes: a server-side copy or a local rename.
        moves++;
        break;
      case 'keep-both':
        // The local copy is sent under its new name, and the remote version fetched.
        keepBoth++;
        uploadBytes += a.local.size;
        downloadBytes += a.remote.size;
        break;
      case 'mkdir-remote':
      case 'mkdir-local':
        foldersMade++;
        break;
      case 'rmdir-remote':
      case 'rmdir-local':
        foldersRemoved++;
        break;
      case 'record-dir':
        records++;
        break;
      case 'forget-dir':
        forgets++;
        break;
      default:
        assertNever(a);
    }
  }
  return { uploads, downloads, deleteRemote, deleteLocal, records, forgets, moves, foldersMade, foldersRemoved, keepBoth, conflicts, settled, pending, uploadBytes, downloadBytes };
}

// --- The max-delete guard ---

/**
 * How many files the plan deletes, for the max-delete guard. The one place that decides what
 * counts as a deletion: when move detection (moves.ts) pairs a delete with an add of the same
 * content, the pair is a rename and does not count here.
 */
export function countDeletes(actions: readonly Action[]): number {
  let n = 0;
  for (const a of actions) {
    switch (a.type) {
      case 'delete-remote':
      case 'delete-local':
        n++;
        break;
      case 'upload':
      case 'download':
      case 'record':
      case 'forget':
      case 'keep-both':
        break;
      case 'rmdir-remote':
      case 'rmdir-local':
      case 'mkdir-remote':
      case 'mkdir-local':
      case 'record-dir':
      case 'forget-dir':
        // An empty folder's marker or an empty folder holds no data: not what the guard protects.
        break;
      case 'move-remote':
      case 'move-local':
        // A rename removes nothing: its content lives on at the new path. A 1,000-file folder
        // renamed must not look like an emptied tree.
        break;
      default:
        assertNever(a);
    }
  }
  return n;
}

/**
 * The guard against "the tree looks empty because it is not mounted" (or a wrong remote prefix):
 * refuse a run that deletes too much. An explicit `maxDelete` replaces the share rule; `force`
 * (the user's own --force, not the force implied by --mirror, which is exactly how an unmounted
 * tree would wipe a remote) lifts the share rule, as the spec allows.
 */
export function maxDeleteRefusal(deletes: number, total: number, options: PlanOptions): Refusal | undefined {
  const where = deletesWhere(options);
  if (options.maxDelete !== undefined) {
    if (deletes <= options.maxDelete) return undefined;
    return {
      kind: 'max-delete',
      deletes,
      total,
      message:
        `would delete ${deletes} of ${total} files (more than --max-delete ${options.maxDelete}): refusing; ` +
        `check ${where}, or pass --max-delete ${deletes}`,
    };
  }
  if (options.force) return undefined;
  if (deletes <= options.maxDeleteFloor || deletes <= options.maxDeleteShare * total) return undefined;
  const pct = Math.round(options.maxDeleteShare * 100);
  const forceHint = options.mode === 'sync' ? '' : ' / --force';
  return {
    kind: 'max-delete',
    deletes,
    total,
    message:
      `would delete ${deletes} of ${total} files (more than ${pct}%): refusing; ` +
      `check ${where}, or pass --max-delete ${deletes}${forceHint}`,
  };
}

/** Which side's view to distrust: deletions flow from the side that looks emptied. */
function deletesWhere(options: PlanOptions): string {
  switch (options.mode) {
    case 'push':
      return 'that the local tree is mounted and complete';
    case 'pull':
      return 'that the remote and its prefix are the right ones';
    case 'sync':
      return 'that the local tree is mounted and complete and the remote prefix is right';
    default:
      return assertNever(options.mode);
  }
}
