/**
 * `lsync ls [path]`: the remote tree (one folder level, or everything with --recursive), with
 * sizes and dates, each entry marked with how the local tree differs from it. Files that exist
 * only here are listed too (they differ: a push would send them), flagged as not on the remote.
 */
import { LsyncError } from '../core/errors.js';
import { compareKeys } from '../core/paths.js';
import type { EntryKind } from '../core/types.js';
import { pathStates, withView, type PathState, type RepoView, type ViewRequest } from './view.js';

export interface LsEntry {
  /** Repository-relative path (a folder's without a trailing slash). */
  readonly path: string;
  /** The part shown in a listing: relative to the listed folder. */
  readonly name: string;
  readonly kind: EntryKind;
  /** Bytes; a folder's is the sum of the files beneath it. */
  readonly size: number;
  /** The remote object's last-modified time (the newest beneath a folder; the local mtime for a file only here). */
  readonly modifiedMs: number;
  /** False for a file that exists only in the local tree. */
  readonly onRemote: boolean;
  /** How the local tree differs; undefined when both sides are the same. Not set on folders. */
  readonly state?: PathState;
  /** Folders: files beneath, and how many of them differ. */
  readonly files?: number;
  readonly changed?: number;
}

export interface LsResult {
  readonly remote: string;
  /** The listed folder, repository-relative ('' = the root), or the file when a file was named. */
  readonly listed: string;
  readonly entries: readonly LsEntry[];
}

export interface LsRequest extends ViewRequest {
  readonly recursive: boolean;
}

interface Flat {
  readonly path: string;
  readonly kind: EntryKind;
  readonly size: number;
  readonly modifiedMs: number;
  readonly onRemote: boolean;
  readonly state?: PathState;
}

/** Every path of the view: the remote's, plus the local files a push would add. */
function flatten(view: RepoView): Flat[] {
  const states = pathStates(view.plan);
  const out: Flat[] = [];
  for (const r of view.snapshot.remote.values()) {
    const state = states.get(r.path);
    out.push({ path: r.path, kind: r.kind, size: r.size, modifiedMs: r.lastModifiedMs, onRemote: true, ...(state !== undefined ? { state } : {}) });
  }
  for (const l of view.snapshot.local.values()) {
    if (view.snapshot.remote.has(l.path)) continue;
    const state = states.get(l.path);
    if (state === undefined) continue;
    out.push({ path: l.path, kind: l.kind, size: l.size, modifiedMs: l.mtimeMs, onRemote: false, state });
  }
  return out.sort((a, b) => compareKeys(a.path, b.path));
}

/**
 * One level under `folder` (or all of it when `recursive`): files as they are, deeper paths folded
 * into their top folder, with the folder's totals. Pure.
 */
export function listLevel(flat: readonly Flat[], folder: string, recursive: boolean): LsEntry[] {
  const prefix = folder === '' ? '' : `${folder}/`;
  const folders = new Map<string, { size: number; modifiedMs: number; files: number; changed: number; onRemote: boolean }>();
  const out: LsEntry[] = [];
  for (const f of flat) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (recursive || slash < 0) {
      out.push({ ...f, name: rest });
      continue;
    }
    const name = rest.slice(0, slash);
    const agg = folders.get(name) ?? { size: 0, modifiedMs: 0, files: 0, changed: 0, onRemote: false };
    agg.size += f.size;
    agg.modifiedMs = Math.max(agg.modifiedMs, f.modifiedMs);
    if (f.kind !== 'dir') agg.files++;
    if (f.state !== undefined) agg.changed++;
    agg.onRemote ||= f.onRemote;
    folders.set(name, agg);
  }
  for (const [name, agg] of folders) {
    // An empty-folder marker at this level stands for the same folder: one line, not two.
    const i = out.findIndex((e) => e.name === name && e.kind === 'dir');
    const marker = i >= 0 ? out.splice(i, 1)[0] : undefined;
    out.push({
      path: `${prefix}${name}`,
      name,
      kind: 'dir',
      size: agg.size,
      modifiedMs: Math.max(agg.modifiedMs, marker?.modifiedMs ?? 0),
      onRemote: agg.onRemote || marker?.onRemote === true,
      files: agg.files,
      changed: agg.changed,
    });
  }
  return out.sort((a, b) => compareKeys(a.name, b.name));
}

export async function runLs(req: LsRequest): Promise<LsResult> {
  return withView(req, async (view) => {
    const flat = flatten(view);
    const scope = view.scopes.length === 1 ? (view.scopes[0] ?? '') : '';
    const single = flat.find((f) => f.path === scope && f.kind !== 'dir');
    if (single !== undefined) {
      const name = scope.slice(scope.lastIndexOf('/') + 1);
      return { remote: view.session.remote.display, listed: scope, entries: [{ ...single, name }] };
    }
    const entries = listLevel(flat, scope, req.recursive);
    if (entries.length === 0 && scope !== '') {
      throw new LsyncError('usage', `${req.paths[0] ?? scope}: no such file or folder, on the remote or here`, 'see what there is with `lsync ls`');
    }
    return { remote: view.session.remote.display, listed: scope, entries };
  });
}
