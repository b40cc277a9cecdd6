/**
 * A file replaced by a folder of the same name, or a folder by a file, on ONE side since the last
 * sync (issue 11 defect 2). names.ts refuses a file and a folder of one name (no local folder can
 * hold both), but when the other side still holds exactly what was synced, the clash is only the
 * two moments of one change: the old kind is removed there, the new kind takes its place. The
 * planner's ordinary rules then say so (the old path "deleted here, unchanged there", the new
 * paths "added here"), and the scheduler removes the old kind before it writes the new.
 *
 * When the other side changed too (an edit of the old file, a file added into the old folder),
 * the clash stays refused: both sides changed, and the user decides (rename one, sync again).
 * Empty folders (a folder with no file in it, or a marker at the very path) are left to that
 * refusal too: the dir rules decide a folder and a file at one path apart from each other.
 *
 * Pure: no `node:*` imports.
 */
import type { BaseEntry, LocalEntry, RemoteEntry } from './types.js';

/** What one side holds, as the name check sees it. */
export interface KindSide<E> {
  /** The file or link at this path (not a folder entry). */
  file(path: string): E | undefined;
  /** A folder entry (an empty folder here, a marker there) exactly at this path. */
  hasDir(path: string): boolean;
  /** Every entry (files and folder entries) strictly below `path/`. */
  below(path: string): readonly E[];
}

export interface KindSides {
  readonly local: KindSide<LocalEntry>;
  readonly remote: KindSide<RemoteEntry>;
  readonly base: (path: string) => BaseEntry | undefined;
}

/** The local entry is what was synced: same kind and content. */
export function localUnchanged(l: LocalEntry, b: BaseEntry | undefined): boolean {
  return b !== undefined && b.kind === l.kind && (l.kind === 'dir' || (l.hash !== undefined && l.hash === b.hash));
}

/** The remote entry is what was synced: the same object. */
export function remoteUnchanged(r: RemoteEntry, b: BaseEntry | undefined): boolean {
  return b !== undefined && b.kind === r.kind && r.etag === b.etag;
}

/**
 * True when the file and the folder named `path` are one side's change of kind, the other side
 * untouched since the last sync: carry it out, do not refuse it.
 */
export function isKindChange(path: string, sides: KindSides): boolean {
  const { local, remote } = sides;
  return (
    fileToFolder(path, local, remote, remoteUnchanged, sides.base) ||
    fileToFolder(path, remote, local, localUnchanged, sides.base) ||
    folderToFile(path, local, remote, remoteUnchanged, sides.base) ||
    folderToFile(path, remote, local, localUnchanged, sides.base)
  );
}

type Unchanged<E> = (e: E, b: BaseEntry | undefined) => boolean;

/** `changed` made a folder where the synced file was; `other` still holds that file, as synced. */
function fileToFolder<C, O>(path: string, changed: KindSide<C>, other: KindSide<O>, unchanged: Unchanged<O>, base: KindSides['base']): boolean {
  const b = base(path);
  const old = other.file(path);
  if (b === undefined || b.kind === 'dir' || old === undefined || !unchanged(old, b)) return false;
  if (changed.file(path) !== undefined || changed.hasDir(path) || other.hasDir(path)) return false;
  // The new folder holds something to carry across; the other side holds nothing under it yet.
  return changed.below(path).length > 0 && other.below(path).length === 0;
}

/** `changed` made a file where the synced folder was; `other` still holds that folder, as synced. */
function folderToFile<C, O extends { readonly path: string }>(path: string, changed: KindSide<C>, other: KindSide<O>, unchanged: Unchanged<O>, base: KindSides['base']): boolean {
  if (base(path) !== undefined) return false; // a file or folder entry was synced at this very path
  if (changed.file(path) === undefined || changed.hasDir(path) || changed.below(path).length > 0) return false;
  if (other.file(path) !== undefined || other.hasDir(path)) return false;
  const old = other.below(path);
  return old.length > 0 && old.every((e) => unchanged(e, base(e.path)));
}
