/**
 * Sidecar metadata for the file:// remote: `<root>/.lsync/meta/<sha1(path)>.json`.
 *
 * A plain directory cannot hold `x-amz-meta-*` headers, so the MD5 (and the exact mtime and mode)
 * lsync wrote live beside it, tagged with the ETag of the file they describe. When anything else
 * rewrites the file its ETag changes and the sidecar is ignored. Markers (`dir/` objects) exist only
 * as a sidecar with `marker: true` plus the directory itself. Symbolic links (`--links`) are stored
 * like on S3: a small file holding the target, and `link: true` in its sidecar (never a real link,
 * so nothing on the remote side can be followed, and the mirror stays copyable by any tool).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectMeta } from '../remote.js';

export interface Sidecar {
  readonly path: string;
  /** ETag of the file when the sidecar was written ('' for markers). */
  readonly etag: string;
  readonly marker: boolean;
  readonly meta: ObjectMeta;
}

export function sidecarName(path: string): string {
  return createHash('sha1').update(path, 'utf8').digest('hex') + '.json';
}

export function sidecarFile(metaDir: string, path: string): string {
  return join(metaDir, sidecarName(path));
}

function parse(text: string, path: string): Sidecar | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  // A hash collision or a hand-edited file: only trust a record naming this very path.
  if (r['path'] !== path || typeof r['etag'] !== 'string') return undefined;
  const md5 = r['md5'];
  const mtimeMs = r['mtimeMs'];
  const mode = r['mode'];
  const link = r['link'];
  const host = r['host'];
  const user = r['user'];
  return {
    path,
    etag: r['etag'],
    marker: r['marker'] === true,
    meta: {
      ...(typeof md5 === 'string' && /^[0-9a-f]{32}$/.test(md5) ? { md5 } : {}),
      ...(typeof mtimeMs === 'number' && Number.isFinite(mtimeMs) ? { mtimeMs } : {}),
      ...(typeof mode === 'number' && Number.isInteger(mode) ? { mode: mode & 0o7777 } : {}),
      ...(link === true ? { link: true } : {}),
      ...(typeof host === 'string' && host !== '' ? { host } : {}),
      ...(typeof user === 'string' && user !== '' ? { user } : {}),
    },
  };
}

/** The sidecar for `path`, or undefined when missing or unreadable. */
export async function readSidecar(metaDir: string, path: string): Promise<Sidecar | undefined> {
  try {
    return parse(await readFile(sidecarFile(metaDir, path), 'utf8'), path);
  } catch {
    return undefined;
  }
}

/** Replace atomically (temp + rename). Not fsynced: losing it only costs re-hashing the file. */
export async function writeSidecar(metaDir: string, sidecar: Sidecar): Promise<void> {
  const file = sidecarFile(metaDir, sidecar.path);
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  const body = { path: sidecar.path, etag: sidecar.etag, ...(sidecar.marker ? { marker: true } : {}), ...sidecar.meta };
  await writeFile(tmp, JSON.stringify(body) + '\n');
  await rename(tmp, file);
}

export async function removeSidecar(metaDir: string, path: string): Promise<void> {
  await rm(sidecarFile(metaDir, path), { force: true });
}
