/**
 * `.lsync/remotes/<name>/remote.json`: what this repository knows of one remote beyond its files:
 * the id of the marker it carries (marker.ts) and when it was last pushed to or synced with.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isCode, writeFileAtomic } from './atomic.js';

export const REMOTE_STATE_FILE = 'remote.json';

export interface RemoteState {
  /** The id in the remote's marker, once this repository has seen (or written) it. */
  readonly markerId?: string;
  /** ISO 8601 time of the last push or sync that finished without failures. */
  readonly lastPush?: string;
}

export async function readRemoteState(stateDir: string): Promise<RemoteState> {
  let text: string;
  try {
    text = await readFile(join(stateDir, REMOTE_STATE_FILE), 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return {};
    throw err;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return {}; // torn by a crash (it is replaced atomically, so only by hand): known again on the next run
  }
  if (v === null || typeof v !== 'object') return {};
  const o = v as Record<string, unknown>;
  return {
    ...(typeof o.markerId === 'string' ? { markerId: o.markerId } : {}),
    ...(typeof o.lastPush === 'string' ? { lastPush: o.lastPush } : {}),
  };
}

export async function updateRemoteState(stateDir: string, change: Partial<RemoteState>): Promise<RemoteState> {
  const next = { ...(await readRemoteState(stateDir)), ...change };
  await mkdir(stateDir, { recursive: true });
  await writeFileAtomic(join(stateDir, REMOTE_STATE_FILE), JSON.stringify(next, null, 2) + '\n');
  return next;
}
