/**
 * keep-both: a conflict settled by keeping both versions. The local file is renamed to its
 * conflict name and sent there; the remote version then takes the original path.
 */
import { lstat, rename } from 'node:fs/promises';
import type { Action } from '../../core/types.js';
import type { RunContext } from '../context.js';
import { lstatQuiet } from '../localfs.js';
import { unchanged } from '../guards.js';
import { Skip, type Moved } from '../outcome.js';
import { receiveFile } from './download.js';
import { sendFile } from './upload.js';

export async function keepBoth(a: Extract<Action, { type: 'keep-both' }>, run: RunContext): Promise<Moved> {
  const file = run.abs(a.path);
  unchanged(file, a.local);
  const target = run.abs(a.conflictPath);
  if (lstatQuiet(target) !== undefined) throw new Skip(`${a.conflictPath} already exists`);
  await rename(file, target);
  const moved = await lstat(target);
  const sent = await sendFile(run, a.conflictPath, { ...a.local, mtimeMs: moved.mtimeMs }, undefined);
  const received = await receiveFile(run, a.path, a.remote, undefined);
  return { sent, received };
}
