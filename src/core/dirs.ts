/**
 * The rules for directory entries (`kind: 'dir'`): empty folders locally, `dir/` marker objects on
 * the remote (see `EntryKind` in types.ts).
 *
 * A folder that holds files is implied by them on both sides (S3 has no folders, only keys): it
 * needs no entry. So a dir entry only ever says "this folder exists although nothing in it is
 * synchronised", and the question for each dir path is whether the folder should exist on each
 * side once this run's file actions are done. That is why dirs are decided after the files, with a
 * `DirView` of what each side will hold under each folder, and deepest first, each decision
 * updating the view: removing `a/b/c` may leave `a/b` empty, and then `a/b` needs an entry of
 * its own on the side that keeps it (issue 11 defect 3).
 *
 * - A new local empty folder → PUT its marker (if-none-match, like any upload), unless the remote
 *   will hold files under it anyway.
 * - A new remote marker → make the local folder (and keep a folder a pull is emptying: the remote
 *   kept it).
 * - A folder deleted locally (gone, files and all) whose marker is unchanged → delete the marker.
 * - A marker deleted on the remote → remove the local folder only if it is empty (rmdir: files that
 *   appeared meanwhile win, as an edit beats a delete); a folder that holds files just loses its record.
 * - A marker lsync put there itself becomes redundant once both sides hold files under it: it is
 *   deleted (the bucket then looks as any S3 tool would have left it). Markers first seen on the
 *   remote are someone else's (the S3 console makes one per "Create folder") and are kept.
 * - Never a conflict: a folder on one side and a file of the same name on the other is a name
 *   problem (names.ts), and two collaborators making the same folder agree.
 *
 * The base record of a dir says the marker existed with that ETag, and the folder existed locally,
 * as of the last sync. Deleting a marker or an empty folder never counts toward the max-delete
 * guard (plan.ts): it holds no data.
 *
 * Pure: no `node:*` imports.
 */
import { localChange, remoteChange, type PathState } from './classify.js';
import { EMPTY_HASH, type Action, type BaseEntry, type Decision, type LocalEntry, type RemoteEntry, type SideChange, type Snapshot } from './types.js';

/** What each side holds below a folder (not counting the folder's own marker). */
export interface DirView {
  /** The local folder holds entries now (files, or empty folders below it). */
  localFullNow(path: string): boolean;
  /** ... and still will once this run's file actions are done. */
  localFullAfter(path: string): boolean;
  /** The remote holds keys below `path/` once this run's file actions are done. */
  remoteFullAfter(path: string): boolean;
  /**
   * Counts a folder action decided for a deeper path, so that its parents are decided with it
   * in view: a removed `a/b/c` may leave `a/b` empty, a made one fills it.
   */
  apply(a: Action): void;
}

/** True when a side or the base has a dir at this path: the dir rules decide it. */
export function involvesDir(s: PathState): boolean {
  return s.local?.kind === 'dir' || s.remote?.kind === 'dir' || s.base?.kind === 'dir';
}

/**
 * A path whose base record is a dir but whose sides hold files (or nothing) at it: the dir record
 * is stale, and the file rules decide, as if there were no base. The caller drops the record
 * when those rules do nothing.
 */
export function withoutDirBase(s: PathState): PathState | undefined {
  if (s.base?.kind !== 'dir' || s.local?.kind === 'dir' || s.remote?.kind === 'dir') return undefined;
  const { base: _dirBase, ...rest } = s;
  return { ...rest, localChange: localChange(s.local, undefined), remoteChange: remoteChange(s.remote, undefined) };
}

/**
 * Counts, per folder in `dirs`, of the entries each side holds below it now, adjusted by the file
 * actions the plan will carry out. Walks every path's ancestors once: only called when the
 * snapshot has dir entries at all.
 */
export function dirView(snapshot: Snapshot, actions: readonly Action[], dirs: ReadonlySet<string>): DirView {
  const localNow = new Map<string, number>();
  const localAfter = new Map<string, number>();
  const remoteAfter = new Map<string, number>();
  const bump = (counts: Map<string, number>, path: string, by: number): void => {
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      const folder = path.slice(0, i);
      if (dirs.has(folder)) counts.set(folder, (counts.get(folder) ?? 0) + by);
    }
  };
  for (const path of snapshot.local.keys()) {
    bump(localNow, path, 1);
    bump(localAfter, path, 1);
  }
  for (const path of snapshot.remote.keys()) bump(remoteAfter, path, 1);
  for (const a of actions) {
    switch (a.type) {
      case 'upload':
        if (a.expectRemote === undefined) bump(remoteAfter, a.path, 1);
        break;
      case 'download':
        if (a.expectLocal === undefined) bump(localAfter, a.path, 1);
        break;
      case 'delete-remote':
        bump(remoteAfter, a.path, -1);
        break;
      case 'delete-local':
        bump(localAfter, a.path, -1);
        break;
      case 'move-remote':
        bump(remoteAfter, a.from, -1);
        bump(remoteAfter, a.path, 1);
        break;
      case 'move-local':
        bump(localAfter, a.from, -1);
        bump(localAfter, a.path, 1);
        break;
      default:
        // Records and forgets change nothing on either side; folder actions are decided after
        // this view is made; settled conflicts come later still.
        break;
    }
  }
  const positive = (counts: Map<string, number>) => (path: string): boolean => (counts.get(path) ?? 0) > 0;
  const apply = (a: Action): void => {
    switch (a.type) {
      case 'rmdir-local':
        bump(localAfter, a.path, -1);
        break;
      case 'rmdir-remote':
        bump(remoteAfter, a.path, -1);
        break;
      case 'mkdir-local':
        // A folder that was not an entry here (absent, or holding files a pull removes).
        if (a.expectLocal === undefined) bump(localAfter, a.path, 1);
        break;
      case 'mkdir-remote':
        if (a.expectRemote === undefined) bump(remoteAfter, a.path, 1);
        break;
      default:
        // Records and forgets change neither side; file actions are in the view already.
        break;
    }
  };
  return { localFullNow: positive(localNow), localFullAfter: positive(localAfter), remoteFullAfter: positive(remoteAfter), apply };
}

/**
 * Deepest first (`a/b/c` before `a/b`), the order dir paths are decided in: a folder's fate
 * depends on what the decisions below it leave in it (DirView.apply).
 */
export function deepestFirst<T extends { readonly path: string }>(states: readonly T[]): T[] {
  const depth = (p: string): number => p.split('/').length;
  return [...states].sort((x, y) => depth(y.path) - depth(x.path) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** One dir path, read through the view. */
interface DirState {
  readonly path: string;
  /** The local folder, when it is empty (a dir entry). */
  readonly empty?: LocalEntry;
  /** The marker. */
  readonly marker?: RemoteEntry;
  /** The base record, when it is a dir's. */
  readonly base?: BaseEntry;
  /** A file's base record left at this path (a file replaced by a folder): dropped if nothing else writes the path. */
  readonly staleBase?: BaseEntry;
  readonly localNow: boolean;
  readonly localAfter: boolean;
  /** The local folder will hold entries once this run's file actions are done. */
  readonly localFullAfter: boolean;
  readonly remoteFullAfter: boolean;
  /** The PathState with the dir meaning of each side's change (for `pending`). */
  readonly state: PathState;
}

export function dirState(s: PathState, view: DirView): DirState {
  const empty = s.local?.kind === 'dir' ? s.local : undefined;
  const marker = s.remote?.kind === 'dir' ? s.remote : undefined;
  const base = s.base?.kind === 'dir' ? s.base : undefined;
  const localNow = empty !== undefined || view.localFullNow(s.path);
  const lc: SideChange = base === undefined ? (empty !== undefined ? 'added' : 'absent') : localNow ? 'unchanged' : 'deleted';
  const rc: SideChange = base === undefined ? (marker !== undefined ? 'added' : 'absent') : marker === undefined ? 'deleted' : marker.etag === base.etag ? 'unchanged' : 'modified';
  return {
    path: s.path,
    ...(empty !== undefined ? { empty } : {}),
    ...(marker !== undefined ? { marker } : {}),
    ...(base !== undefined ? { base } : {}),
    ...(s.base?.kind === 'file' ? { staleBase: s.base } : {}),
    localNow,
    localAfter: empty !== undefined || view.localFullAfter(s.path),
    localFullAfter: view.localFullAfter(s.path),
    remoteFullAfter: view.remoteFullAfter(s.path),
    state: { ...s, localChange: lc, remoteChange: rc },
  };
}

/** The two-way rules for a dir (see the module comment). */
export function decideDirSync(d: DirState): Decision {
  const { marker, base } = d;
  if (marker !== undefined) {
    if (base !== undefined && marker.etag === base.etag) {
      if (!d.localNow) return deleteMarker(d, marker); // the folder was deleted here
      if (!d.localAfter) return makeDir(d, marker); // a pull empties it, but the remote kept the folder
      // Redundant: files imply the folder on both sides, and the marker is lsync's own.
      if (base.ownMarker === true && d.localFullAfter && d.remoteFullAfter) return deleteMarker(d, marker);
      return none(d);
    }
    // New, or rewritten by another tool: the folder exists there; an edit beats a delete here.
    return d.localAfter ? recordDir(d, marker) : makeDir(d, marker);
  }
  if (base !== undefined) {
    // The marker was deleted on the remote. A folder that still holds (or will hold) something
    // on either side lives on through it; only a folder still empty here follows the delete.
    if (d.remoteFullAfter || d.empty === undefined) return forget(d, base);
    return removeDir(d, d.empty);
  }
  if (d.empty !== undefined && !d.remoteFullAfter) return putMarker(d, d.empty);
  return none(d);
}

/** push --force / --mirror: the local folders win. */
export function decideDirPushForce(d: DirState, mirror: boolean): Decision {
  const { marker, base } = d;
  if (d.localAfter) {
    if (marker !== undefined) return base !== undefined && marker.etag === base.etag ? none(d) : recordDir(d, marker);
    if (d.remoteFullAfter || d.empty === undefined) return base !== undefined ? forget(d, base) : none(d);
    return putMarker(d, d.empty);
  }
  if (marker === undefined) return base !== undefined ? forget(d, base) : none(d);
  if (base !== undefined || mirror) return deleteMarker(d, marker);
  return pending(d, 'remote');
}

/** pull --force / --mirror: the remote's folders win. */
export function decideDirPullForce(d: DirState, mirror: boolean): Decision {
  const { marker, base, empty } = d;
  if (marker !== undefined) {
    if (!d.localAfter) return makeDir(d, marker);
    return base !== undefined && marker.etag === base.etag ? none(d) : recordDir(d, marker);
  }
  if (d.remoteFullAfter || empty === undefined) return base !== undefined ? forget(d, base) : none(d);
  if (base !== undefined || mirror) return removeDir(d, empty);
  return pending(d, 'local');
}

// --- Builders of the folder actions (types.ts FolderAction). ---

/** The local side of a dir that holds files: no scanner entry, so one is made for the action. */
function folderEntry(path: string): LocalEntry {
  return { path, kind: 'dir', size: 0, mtimeMs: 0, mode: 0 };
}

function act(a: Action): Decision {
  return { kind: 'action', action: a };
}

function baseOf(d: DirState): { base?: BaseEntry } {
  return d.base !== undefined ? { base: d.base } : {};
}

function putMarker(d: DirState, local: LocalEntry): Decision {
  return act({ type: 'mkdir-remote', path: d.path, local, ...(d.marker !== undefined ? { expectRemote: d.marker } : {}), ...baseOf(d) });
}

function makeDir(d: DirState, remote: RemoteEntry): Decision {
  return act({ type: 'mkdir-local', path: d.path, remote, ...(d.empty !== undefined ? { expectLocal: d.empty } : {}), ...baseOf(d) });
}

function deleteMarker(d: DirState, remote: RemoteEntry): Decision {
  return act({ type: 'rmdir-remote', path: d.path, remote, ...baseOf(d) });
}

function removeDir(d: DirState, local: LocalEntry): Decision {
  return act({ type: 'rmdir-local', path: d.path, local, ...baseOf(d) });
}

function recordDir(d: DirState, remote: RemoteEntry): Decision {
  return act({ type: 'record-dir', path: d.path, local: d.empty ?? folderEntry(d.path), remote });
}

function forget(_d: DirState, base: BaseEntry): Decision {
  return act({ type: 'forget-dir', path: base.path, base });
}

/** Nothing to do for the dir; a file's record left at this path is dropped. */
function none(d: DirState): Decision {
  return d.staleBase !== undefined ? act({ type: 'forget', path: d.path, base: d.staleBase }) : { kind: 'none' };
}

function pending(d: DirState, side: 'local' | 'remote'): Decision {
  return { kind: 'pending', pending: { path: d.path, side, change: side === 'local' ? d.state.localChange : d.state.remoteChange } };
}

/** The base record of a dir whose marker has `etag`: a dir has no content, so the hash is of nothing. */
export function dirBase(path: string, etag: string, versionId: string | undefined, ownMarker: boolean): BaseEntry {
  return { path, kind: 'dir', size: 0, hash: EMPTY_HASH, mtimeMs: 0, mode: 0, etag, ...(versionId !== undefined ? { versionId } : {}), ...(ownMarker ? { ownMarker: true } : {}) };
}

export { actsOnDir } from './action-view.js';
