/**
 * The scheduler: a plan's actions → the ordered phases the executor runs them in. Pure and
 * table-tested (test/exec/schedule.test.ts); the executor only runs phases.
 *
 * 1. `clear`: deletions that make room for a write on the same side — a file replaced by a folder
 *    of the same name, or the reverse (`thing` → `thing/x`): on a local disk or a file:// remote
 *    both cannot exist at once, so the old one goes first, deepest first.
 * 2. `transfer`: uploads, downloads, moves, keep-both and the bookkeeping (records, forgets),
 *    concurrently. Moves remove nothing (the content lives on at the new path).
 * 3. `delete`: the other file deletions, only when nothing failed and the run was not interrupted
 *    ("no deletes after an error in the same run").
 * 4. `rmdir`: folder removals (an empty folder, a marker), deepest first, one depth at a time: a
 *    folder's removal may empty its parent, and the removal of its files may have emptied it.
 *    Same condition as `delete`.
 * 5. `mkdir`: folders made or recorded, after every removal: removing an emptied folder (above, or
 *    a file's delete climbing to its parents) must not take one the plan says stays.
 *
 * Pure: no `node:*` imports.
 */
import { assertNever, type Action } from '../core/types.js';

export type PhaseName = 'clear' | 'transfer' | 'delete' | 'rmdir' | 'mkdir';

export interface Phase {
  readonly name: PhaseName;
  readonly actions: readonly Action[];
  /** Removes things: run only when nothing failed before it and the run goes on (else postponed). */
  readonly destructive: boolean;
}

type Side = 'local' | 'remote';

/** What an action is, for the schedule. */
type Role = { readonly role: 'delete' | 'rmdir'; readonly side: Side } | { readonly role: 'write'; readonly writes: readonly (readonly [Side, string])[] } | { readonly role: 'mkdir' };

function roleOf(a: Action): Role {
  switch (a.type) {
    case 'delete-local':
      return { role: 'delete', side: 'local' };
    case 'delete-remote':
      return { role: 'delete', side: 'remote' };
    case 'rmdir-local':
      return { role: 'rmdir', side: 'local' };
    case 'rmdir-remote':
      return { role: 'rmdir', side: 'remote' };
    case 'upload':
    case 'move-remote':
      return { role: 'write', writes: [['remote', a.path]] };
    case 'download':
    case 'move-local':
      return { role: 'write', writes: [['local', a.path]] };
    case 'keep-both':
      return { role: 'write', writes: [['local', a.path], ['local', a.conflictPath], ['remote', a.conflictPath]] };
    case 'record':
    case 'forget':
    case 'forget-dir':
      return { role: 'write', writes: [] };
    case 'mkdir-local':
    case 'mkdir-remote':
    case 'record-dir':
      return { role: 'mkdir' };
    default:
      return assertNever(a);
  }
}

export function schedule(actions: readonly Action[]): Phase[] {
  const written = { local: new Written(), remote: new Written() };
  for (const a of actions) {
    const r = roleOf(a);
    if (r.role === 'write') for (const [side, path] of r.writes) written[side].add(path);
  }
  const clear: Action[] = [];
  const transfer: Action[] = [];
  const deletes: Action[] = [];
  const rmdirs: Action[] = [];
  const mkdirs: Action[] = [];
  for (const a of actions) {
    const r = roleOf(a);
    if (r.role === 'write') transfer.push(a);
    else if (r.role === 'mkdir') mkdirs.push(a);
    else if (written[r.side].overlaps(a.path)) clear.push(a);
    else (r.role === 'delete' ? deletes : rmdirs).push(a);
  }
  const phases: Phase[] = [
    ...byDepthDeepestFirst(clear).map((level) => ({ name: 'clear' as const, actions: level, destructive: true })),
    { name: 'transfer', actions: transfer, destructive: false },
    { name: 'delete', actions: deletes, destructive: true },
    ...byDepthDeepestFirst(rmdirs).map((level) => ({ name: 'rmdir' as const, actions: level, destructive: true })),
    { name: 'mkdir', actions: mkdirs, destructive: false },
  ];
  return phases.filter((p) => p.actions.length > 0);
}

/** The paths written on one side, and the folders above them. */
class Written {
  private readonly paths = new Set<string>();
  private readonly folders = new Set<string>();

  add(path: string): void {
    this.paths.add(path);
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) this.folders.add(path.slice(0, i));
  }

  /** `path` is written, or is a folder above a written path, or lies below one. */
  overlaps(path: string): boolean {
    if (this.paths.size === 0) return false;
    if (this.paths.has(path) || this.folders.has(path)) return true;
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) if (this.paths.has(path.slice(0, i))) return true;
    return false;
  }
}

/** Groups of actions by path depth, deepest first (`a/b/c` before `a/b`). */
function byDepthDeepestFirst(actions: readonly Action[]): Action[][] {
  const levels = new Map<number, Action[]>();
  for (const a of actions) {
    const depth = a.path.split('/').length;
    const level = levels.get(depth);
    if (level === undefined) levels.set(depth, [a]);
    else level.push(a);
  }
  return [...levels.entries()].sort(([x], [y]) => y - x).map(([, group]) => group);
}
