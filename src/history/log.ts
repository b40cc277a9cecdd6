/**
 * `lsync log <path>`: the versions of a file (also one deleted everywhere), newest first, from every
 * place they live; for a folder, the versions of every file known under it (the last synced state,
 * the remote's listing, the local tree), newest first.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LsyncError } from '../core/errors.js';
import { inScope } from '../core/paths.js';
import type { RemoteOverrides } from '../app/connect.js';
import { toScopes } from '../app/repo.js';
import { withSession, type Session } from '../app/session.js';
import { trashPaths, versionsOf, type HistoryVersion } from './sources.js';

export interface LogRequest {
  readonly cwd: string;
  readonly path: string;
  readonly overrides: RemoteOverrides;
  readonly concurrency: number;
  readonly signal?: AbortSignal;
}

export interface LogResult {
  readonly remote: string;
  /** Repository-relative path asked about ('' = the whole repository). */
  readonly path: string;
  readonly folder: boolean;
  /** Newest first. */
  readonly versions: readonly HistoryVersion[];
}

export function repoPath(root: string, cwd: string, path: string): string {
  return toScopes(root, cwd, [path])[0] ?? '';
}

/** Files under the folder `under` that lsync knows of: the base, the remote's listing, the local tree. */
export async function pathsUnder(s: Session, under: string, signal?: AbortSignal): Promise<string[]> {
  const paths = new Set<string>();
  for (const [p, e] of s.db.entries) if (e.kind !== 'dir' && inScope(p, under)) paths.add(p);
  for await (const o of s.remote.list(under, signal)) if (!o.path.endsWith('/')) paths.add(o.path);
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(s.repo.root, ...rel.split('/').filter((x) => x !== '')), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (p === '.lsync') continue;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) paths.add(p);
    }
  };
  await walk(under);
  // Files this machine's pulls replaced or deleted (kept in the trash) were under it too.
  for (const p of await trashPaths(s.repo.metaDir, under)) paths.add(p);
  return [...paths].sort();
}

/** A folder is a path that has files under it; a file, one that does not. */
export async function isFolder(s: Session, path: string, signal?: AbortSignal): Promise<boolean> {
  if (path === '') return true;
  const under = await pathsUnder(s, path, signal);
  return under.some((p) => p !== path);
}

export async function runLog(req: LogRequest): Promise<LogResult> {
  return withSession({ cwd: req.cwd, command: 'log', overrides: req.overrides, concurrency: req.concurrency, readOnly: true }, async (s) => {
    if (s.remote.listVersions === undefined) {
      throw new LsyncError('usage', `${s.remote.display} keeps no history lsync can read`, 'history needs a remote with versions (every S3 service and file:// have them)');
    }
    const path = repoPath(s.repo.root, req.cwd, req.path);
    const folder = await isFolder(s, path, req.signal);
    const paths = folder ? (await pathsUnder(s, path, req.signal)).filter((p) => p !== path) : [path];
    const versions: HistoryVersion[] = [];
    for (const p of paths) versions.push(...(await versionsOf(s.remote, s.repo.metaDir, p, req.signal)));
    versions.sort((a, b) => b.whenMs - a.whenMs);
    if (!folder && versions.length === 0) {
      throw new LsyncError('usage', `${path}: no versions found (never synced, and not in the trash)`, 'check the path: lsync log takes a path relative to the current folder');
    }
    return { remote: s.remote.display, path, folder, versions };
  });
}
