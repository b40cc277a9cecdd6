/** How actions, conflicts and refused names are named in text output. */
import type { Action, Conflict } from '../../core/types.js';
import { shownType } from '../../core/action-view.js';
import type { NameProblem } from '../../core/names.js';
import type { ExecActionType } from '../../exec/events.js';
import { isDirAction, type ExecAction } from '../../exec/executor.js';

/** The planned form: `upload`, `delete remote`. */
export const VERB: Record<ExecActionType, string> = {
  upload: 'upload',
  download: 'download',
  'delete-remote': 'delete remote',
  'delete-local': 'delete local',
  record: 'record',
  forget: 'forget',
  'move-remote': 'move remote',
  'move-local': 'move local',
  'keep-both': 'keep both',
};

/** The finished form: `uploaded`, `deleted remote`. */
export const DONE: Record<ExecActionType, string> = {
  upload: 'uploaded',
  download: 'downloaded',
  'delete-remote': 'deleted remote',
  'delete-local': 'deleted local',
  record: 'recorded',
  forget: 'forgot',
  'move-remote': 'moved remote',
  'move-local': 'moved local',
  'keep-both': 'kept both',
};

export const REASON: Record<Conflict['reason'], string> = {
  'both-modified': 'both modified',
  'both-added': 'both added',
  'unknown-content': 'both changed',
};

/** Database-only actions: nothing moves, so they are not counted as files. */
export const bookkeeping = (t: ExecActionType): boolean => t === 'record' || t === 'forget';

export const isPush = (a: ExecAction | Action): boolean => ['upload', 'delete-remote', 'move-remote'].includes(shownType(a));
export const isPull = (a: ExecAction | Action): boolean => ['download', 'delete-local', 'move-local'].includes(shownType(a));

/** How a repository-relative path is printed: relative to the folder the user stands in, as git does. */
export type PathShow = (path: string) => string;
export const asIs: PathShow = (path) => path;

/** The path column of a line: a move names both ends, old → new; a folder ends in `/`. */
export function where(a: { readonly path: string; readonly from?: string; readonly kind?: 'dir' }, show: PathShow = asIs): string {
  return a.from !== undefined ? `${show(a.from)} → ${show(a.path)}` : a.kind === 'dir' ? `${show(a.path)}/` : show(a.path);
}

/** An action as `where` shows it. */
export function shown(a: ExecAction): { readonly path: string; readonly from?: string; readonly kind?: 'dir' } {
  if (a.type === 'move-remote' || a.type === 'move-local') return a;
  return isDirAction(a) ? { path: a.path, kind: 'dir' } : a;
}

/** Every path a refused name involves. */
export function namePaths(n: NameProblem, show: PathShow = asIs): string[] {
  return rawNamePaths(n).map((p) => (p.endsWith('/') ? `${show(p.slice(0, -1))}/` : show(p)));
}

function rawNamePaths(n: NameProblem): string[] {
  return n.kind === 'too-long' || n.kind === 'not-utf8' ? [n.path] : n.kind === 'file-folder' ? [n.file.path, `${n.folder.path}/`] : n.spellings.map((s) => (n.folder ? `${s.path}/` : s.path));
}
