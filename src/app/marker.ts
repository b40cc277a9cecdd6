/**
 * The repository marker: `<remote>/.lsync/repo.json`, written by `init` (or by the first sync of a
 * repository made before markers existed), as Syncthing marks the folders it syncs.
 *
 * Why: a remote lsync has synced with and that lost its marker is *missing* (a NAS not mounted, a
 * prefix emptied, a config edited to point elsewhere), never *empty*. Taken for empty, every file
 * would look deleted there, and a sync would delete them all here. The guard below refuses such a
 * run before anything is planned; the user says what happened (`lsync init <url> --force`).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LsyncError } from '../core/errors.js';
import type { BaseEntry } from '../core/types.js';
import { RemoteError, type Remote } from '../remote/remote.js';
import { parseRemoteUrl } from '../remote/open.js';
import { isCode, writeFileAtomic } from '../state/atomic.js';
import { readRemoteState, updateRemoteState } from '../state/remote-state.js';

/** Its path under the remote (the remote's own bookkeeping folder, never listed as a file). */
export const MARKER_PATH = '.lsync/repo.json';

export interface RepoMarker {
  readonly id: string;
  /** ISO 8601 time it was written. */
  readonly created: string;
}

export function newMarker(now: Date = new Date()): RepoMarker {
  return { id: randomUUID(), created: now.toISOString() };
}

function parseMarker(text: string): RepoMarker | undefined {
  try {
    const v = JSON.parse(text) as { id?: unknown; created?: unknown };
    return typeof v.id === 'string' && v.id !== '' ? { id: v.id, created: typeof v.created === 'string' ? v.created : '' } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Read the marker (undefined when there is none). A file:// remote keeps it as a plain file (its
 * Remote refuses paths under `.lsync/`, which holds its own bookkeeping); S3 as an object.
 */
export async function readMarker(url: string, remote: Remote): Promise<RepoMarker | undefined> {
  const spec = parseRemoteUrl(url);
  if (spec.kind === 'file') {
    try {
      return parseMarker(await readFile(join(spec.root, MARKER_PATH), 'utf8'));
    } catch (err) {
      if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return undefined;
      throw new RemoteError('permanent', `read marker in ${remote.display}: ${(err as Error).message}`);
    }
  }
  try {
    const { body } = await remote.get(MARKER_PATH);
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
    return parseMarker(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    if (err instanceof RemoteError && err.kind === 'not-found') return undefined;
    throw err;
  }
}

export async function writeMarker(url: string, remote: Remote, marker: RepoMarker): Promise<void> {
  const data = Buffer.from(JSON.stringify(marker) + '\n');
  const spec = parseRemoteUrl(url);
  if (spec.kind === 'file') {
    const dir = join(spec.root, '.lsync');
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'repo.json'), data);
    return;
  }
  await remote.put(MARKER_PATH, { kind: 'bytes', data }, { meta: {} });
}

export interface MarkerCheck {
  readonly url: string;
  readonly remote: Remote;
  /** The remote's state folder (remote.json records the marker id seen). */
  readonly stateDir: string;
  /** The remote's base state: what this repository last synced with it. */
  readonly base: ReadonlyMap<string, BaseEntry>;
  /** status and dry runs: judge, never write. */
  readonly readOnly: boolean;
  /** The remote's name, for messages. */
  readonly name: string;
  /** A mirror (only pushed to): the fix is to add it afresh, not to init. */
  readonly mirror?: boolean;
}

function missing(c: MarkerCheck, what: string): LsyncError {
  return new LsyncError(
    'refused',
    `${c.name} (${c.remote.display}) ${what}: it may be unmounted, emptied or replaced, so nothing was changed on either side`,
    c.mirror === true
      ? `if that is the right place, \`lsync remote remove ${c.name}\`, \`lsync remote add ${c.name} ${c.url}\` (with its --endpoint) and \`lsync push --to ${c.name}\` send this folder to it again (nothing here is deleted)`
      : `if that is the right place, run \`lsync init ${c.url} --force\` to send this folder to it again (nothing here is deleted)`,
  );
}

/** Does the remote hold at least one file of the base, unchanged? Stops at the first one. */
async function holdsBaseFile(remote: Remote, base: ReadonlyMap<string, BaseEntry>): Promise<boolean> {
  for await (const o of remote.list('', undefined, { anyOrder: true })) {
    const b = base.get(o.path);
    if (b !== undefined && b.kind !== 'dir' && b.etag === o.etag) return true;
  }
  return false;
}

/**
 * Refuse to run against a remote that is not the one this repository synced with (see the module
 * comment); adopt or write the marker where it is safe. Throws LsyncError('refused').
 */
export async function checkMarker(c: MarkerCheck): Promise<void> {
  const [found, state] = await Promise.all([readMarker(c.url, c.remote), readRemoteState(c.stateDir)]);
  if (state.markerId !== undefined) {
    if (found === undefined) throw missing(c, 'has lost the marker lsync wrote there');
    if (found.id !== state.markerId) throw missing(c, "carries another repository's marker");
    return;
  }
  if (found !== undefined) {
    // Bound before markers existed, or by a collaborator's init: this is the remote's identity now.
    if (!c.readOnly) await updateRemoteState(c.stateDir, { markerId: found.id });
    return;
  }
  // No marker, none expected: a repository made before markers existed (or a dry-run init).
  let hasFiles = false;
  for (const b of c.base.values()) if (b.kind !== 'dir') { hasFiles = true; break; }
  if (hasFiles && !(await holdsBaseFile(c.remote, c.base))) throw missing(c, 'holds none of the files this repository synced with it');
  if (c.readOnly) return;
  const marker = newMarker();
  await writeMarker(c.url, c.remote, marker);
  await updateRemoteState(c.stateDir, { markerId: marker.id });
}
