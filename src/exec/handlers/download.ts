/**
 * download: fetch a remote object into `.lsync/tmp/` (resumably, see exec/download.ts), then
 * install it with a rename, after checking once more that the local path is still what the plan
 * may replace (the replaced file goes to the trash first). A link object becomes a link
 * (install-link.ts).
 */
import { renameSync } from 'node:fs';
import { chmod, lstat, unlink, utimes } from 'node:fs/promises';
import { mtimeSeconds } from '../../core/mtime.js';
import type { Action, LocalEntry, RemoteEntry } from '../../core/types.js';
import type { RemoteObject } from '../../remote/remote.js';
import type { RunContext } from '../context.js';
import { fetchObject } from '../download.js';
import { replaceable } from '../guards.js';
import { ensureParentDir } from '../localfs.js';
import type { Moved } from '../outcome.js';
import { recordFile } from '../records.js';
import { installLink } from './install-link.js';

export async function download(a: Extract<Action, { type: 'download' }>, run: RunContext): Promise<Moved> {
  return { sent: 0, received: await receiveFile(run, a.path, a.remote, a.expectLocal) };
}

/**
 * Fetch the object at `path` if the local path is still `expectLocal` (undefined: nothing there),
 * install it and record it. Returns the bytes received.
 */
export async function receiveFile(run: RunContext, path: string, remote: RemoteEntry, expectLocal: LocalEntry | undefined): Promise<number> {
  const file = run.abs(path);
  const checkLocal = (): ReturnType<typeof replaceable> => replaceable(file, expectLocal);
  checkLocal();
  await ensureParentDir(run.root, path, run.knownDirs);
  const attributes = (object: RemoteObject): { mode?: number; mtimeMs: number } => {
    const mode = object.meta?.mode ?? expectLocal?.mode;
    // Never take setuid/setgid/sticky bits from a shared bucket.
    return { ...(mode !== undefined ? { mode: mode & 0o777 } : {}), mtimeMs: object.meta?.mtimeMs ?? object.lastModifiedMs };
  };
  const fetched = await fetchObject(path, remote, { remote: run.remote, partials: run.partials, emit: run.emit, attributes, ...run.signalFor(remote.size) });
  const { tmp, object } = fetched;
  if (object.meta?.link === true) return installLink(run, path, fetched, checkLocal);
  let renamed = false;
  try {
    if (fetched.stats === undefined) {
      // A large download: its attributes are set here (small ones come with them set).
      const { mode, mtimeMs } = attributes(object);
      if (mode !== undefined) await chmod(tmp, mode);
      await utimes(tmp, new Date(), mtimeSeconds(mtimeMs));
    }
    const cur = checkLocal();
    if (cur !== undefined) await run.trash.keepCopy(path);
    // Synchronous, like the lstats around it: a rename is one metadata operation, and handing it
    // to the thread pool cost the main thread ~55 µs a file on the 2-core bench machine (the
    // wake-up of a pool thread), 0.5 s of a 10,000-file pull, more than the rename itself.
    renameSync(tmp, file);
    renamed = true;
    // A rename keeps size, mtime and mode: the stat taken before it is the file's.
    const st = fetched.stats ?? (await lstat(file));
    recordFile(run, path, st, fetched.hash, object);
    return fetched.received;
  } finally {
    // Complete but not wanted after all (changed locally meanwhile): only partials are kept.
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}
