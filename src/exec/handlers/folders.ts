/**
 * The folder actions (core/dirs.ts): an empty folder here, a `path/` marker on the remote.
 * A folder has no content: these never move bytes, and a local folder is only ever removed with
 * rmdir, so a folder that got files (even ignored ones) meanwhile is kept.
 */
import { rmdir } from 'node:fs/promises';
import { dirBase } from '../../core/dirs.js';
import { EMPTY_HASH, type Action } from '../../core/types.js';
import type { RunContext } from '../context.js';
import { errnoCode, isFolder } from '../guards.js';
import { ensureDir, lstatQuiet, removeEmptyParents } from '../localfs.js';
import { NOTHING_MOVED, Skip, type Moved } from '../outcome.js';
import { forgetPath, recordEntry } from '../records.js';

/** Put the marker of a local empty folder, if-none-match (or if-match the one it replaces). */
export async function mkdirRemote(a: Extract<Action, { type: 'mkdir-remote' }>, run: RunContext): Promise<Moved> {
  if (!isFolder(run.abs(a.path))) throw new Skip('no longer a folder here');
  const cond = a.expectRemote !== undefined ? { ifMatch: a.expectRemote.etag } : { ifNoneMatch: true };
  const result = await run.remote.put(`${a.path}/`, { kind: 'bytes', data: new Uint8Array() }, { meta: { md5: EMPTY_HASH }, ...cond, ...run.signalFor(0) });
  recordEntry(run, dirBase(a.path, result.etag, result.versionId, true));
  return NOTHING_MOVED;
}

/** Make the local folder of a marker (or keep the one a pull just emptied). */
export async function mkdirLocal(a: Extract<Action, { type: 'mkdir-local' }>, run: RunContext): Promise<Moved> {
  const cur = lstatQuiet(run.abs(a.path));
  if (cur !== undefined && !cur.isDirectory()) throw new Skip(cur.isSymbolicLink() ? 'a symlink stands at this path' : 'a file stands at this path');
  // No cache of known folders: the removals of this run's last phases may have taken some.
  if (cur === undefined) await ensureDir(run.root, a.path);
  const own = a.base?.kind === 'dir' && a.base.ownMarker === true && a.base.etag === a.remote.etag;
  recordEntry(run, dirBase(a.path, a.remote.etag, a.remote.versionId, own));
  return NOTHING_MOVED;
}

/** rmdir, never anything more. */
export async function rmdirLocal(a: Extract<Action, { type: 'rmdir-local' }>, run: RunContext): Promise<Moved> {
  const cur = lstatQuiet(run.abs(a.path));
  if (cur !== undefined) {
    if (!cur.isDirectory()) throw new Skip('no longer a folder here');
    try {
      await rmdir(run.abs(a.path));
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new Skip('the folder is no longer empty (ignored files count too): kept');
      if (code !== 'ENOENT') throw e;
    }
  }
  forgetPath(run, a.path);
  await removeEmptyParents(run.root, a.path);
  return NOTHING_MOVED;
}

export async function rmdirRemote(a: Extract<Action, { type: 'rmdir-remote' }>, run: RunContext): Promise<Moved> {
  await run.remote.delete(`${a.path}/`, { ifMatch: a.remote.etag, ...run.signalFor(0) });
  forgetPath(run, a.path);
  return NOTHING_MOVED;
}

/** Both sides have the folder: record it. The marker was not put by this lsync (that is mkdir-remote). */
export async function recordDir(a: Extract<Action, { type: 'record-dir' }>, run: RunContext): Promise<Moved> {
  if (!isFolder(run.abs(a.path))) throw new Skip('no longer a folder here');
  recordEntry(run, dirBase(a.path, a.remote.etag, a.remote.versionId, false));
  return NOTHING_MOVED;
}
