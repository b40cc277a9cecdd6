/**
 * move-local: a remote rename, carried out locally. A hard link then an unlink, rather than
 * rename(): the link fails if anything appeared at the new path, so nothing is ever overwritten,
 * and an interruption between the two leaves both names (the next run drops the old one).
 */
import { link, lstat, rename, unlink } from 'node:fs/promises';
import type { Action } from '../../core/types.js';
import type { RunContext } from '../context.js';
import { errnoCode, unchanged, vacant } from '../guards.js';
import { ensureParentDir } from '../localfs.js';
import { NOTHING_MOVED, Skip, type Moved } from '../outcome.js';
import { forgetPath, recordFile } from '../records.js';

export async function moveLocal(a: Extract<Action, { type: 'move-local' }>, run: RunContext): Promise<Moved> {
  const from = run.abs(a.from);
  const to = run.abs(a.path);
  unchanged(from, a.local, `${a.from} changed locally since it was scanned`);
  vacant(to);
  await ensureParentDir(run.root, a.path, run.knownDirs);
  if (await hardLink(from, to, a.from)) {
    await unlink(from).catch((e: unknown) => {
      if (errnoCode(e) !== 'ENOENT') throw e;
    });
  } else {
    vacant(to);
    await rename(from, to);
  }
  const st = await lstat(to);
  recordFile(run, a.path, st, a.base.hash, a.remote);
  forgetPath(run, a.from);
  // Its emptied folders are removed once no move or download runs (executor.ts).
  run.movedAway.push(a.from);
  return NOTHING_MOVED;
}

/** Links `to` to `from`; false where the file system has no hard links (then: rename). */
async function hardLink(from: string, to: string, fromPath: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EEXIST') throw new Skip('appeared locally since the scan');
    if (code === 'ENOENT') throw new Skip(`${fromPath} vanished locally since it was scanned`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    return false;
  }
}
