/** record and forget: bookkeeping, no bytes moved. */
import type { Action } from '../../core/types.js';
import type { RunContext } from '../context.js';
import { unchanged } from '../guards.js';
import { NOTHING_MOVED, Skip, type Moved } from '../outcome.js';
import { forgetPath, recordFile } from '../records.js';

/** Both sides already hold the same content: record it, if the local file is still as scanned. */
export async function record(a: Extract<Action, { type: 'record' }>, run: RunContext): Promise<Moved> {
  const hash = a.local.hash ?? a.remote.hash;
  if (hash === undefined) throw new Skip('content hash unknown');
  const st = unchanged(run.abs(a.path), a.local);
  recordFile(run, a.path, st, hash, a.remote);
  return NOTHING_MOVED;
}

/** Gone on both sides (a file's record, or a folder's): drop the record. */
export async function forget(a: Extract<Action, { type: 'forget' | 'forget-dir' }>, run: RunContext): Promise<Moved> {
  forgetPath(run, a.path);
  return NOTHING_MOVED;
}
