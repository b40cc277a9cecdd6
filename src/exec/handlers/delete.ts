/**
 * delete-local and delete-remote: remove a file (into the trash) or an object, if it is still
 * what the plan saw; then drop its record.
 */
import type { Action } from '../../core/types.js';
import type { RunContext } from '../context.js';
import { sameStat } from '../guards.js';
import { lstatQuiet, removeEmptyParents } from '../localfs.js';
import { NOTHING_MOVED, Skip, type Moved } from '../outcome.js';
import { forgetPath } from '../records.js';

export async function deleteLocal(a: Extract<Action, { type: 'delete-local' }>, run: RunContext): Promise<Moved> {
  const cur = lstatQuiet(run.abs(a.path));
  if (cur !== undefined) {
    if (!sameStat(cur, a.local)) throw new Skip('changed locally since it was scanned');
    await run.trash.moveIn(a.path);
  }
  forgetPath(run, a.path);
  await removeEmptyParents(run.root, a.path);
  return NOTHING_MOVED;
}

export async function deleteRemote(a: Extract<Action, { type: 'delete-remote' }>, run: RunContext): Promise<Moved> {
  await run.remote.delete(a.path, { ifMatch: a.remote.etag, replacedSize: a.remote.size, ...run.signalFor(0) });
  forgetPath(run, a.path);
  return NOTHING_MOVED;
}
