/**
 * move-remote: a local rename, carried out on the remote: copy the object server-side (guarded by
 * the source's ETag, and only if nothing is at the new path), then delete the source. No bytes are
 * sent, unless the service cannot copy this object (no multipart copy above 5 GiB): then the local
 * file is uploaded instead, with the same guards.
 */
import type { Action } from '../../core/types.js';
import { RemoteError } from '../../remote/remote.js';
import type { RunContext } from '../context.js';
import { unchanged } from '../guards.js';
import { Skip, type Moved } from '../outcome.js';
import { forgetPath, recordFile } from '../records.js';
import { sendFile } from './upload.js';

export async function moveRemote(a: Extract<Action, { type: 'move-remote' }>, run: RunContext): Promise<Moved> {
  const st = unchanged(run.abs(a.path), a.local);
  const signal = run.signalFor(0);
  let sent = 0;
  try {
    // ifNoneMatch: an object a collaborator put at the new path after the listing is never
    // overwritten (checked by the service where it can, else by a HEAD just before: a narrow race).
    const copied = await run.remote.copy(a.from, a.path, { ifMatch: a.remote.etag, ifNoneMatch: true, size: a.remote.size, ...signal });
    // The content is the base's (that is what paired the move); the local stat is what was just
    // checked. Recorded before the source's delete: the new path is in sync whatever happens next.
    recordFile(run, a.path, st, a.base.hash, copied);
  } catch (e) {
    if (!(e instanceof RemoteError && e.kind === 'unsupported')) throw e;
    run.emit({ type: 'warning', path: a.path, message: `${a.path}: the remote cannot copy ${a.from} server-side; uploading it instead` });
    sent = await sendFile(run, a.path, a.local, undefined);
  }
  try {
    await run.remote.delete(a.from, { ifMatch: a.remote.etag, ...signal });
  } catch (e) {
    if (e instanceof RemoteError && e.kind === 'precondition') {
      // Rewritten by a collaborator meanwhile: keep it (and its base, so the next run sees a
      // remote edit against a local delete and restores it).
      throw new Skip(`copied, but ${a.from} changed on the remote since it was listed and was kept`);
    }
    throw e;
  }
  forgetPath(run, a.from);
  return { sent, received: 0 };
}
