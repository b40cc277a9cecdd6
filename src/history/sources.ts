/**
 * Where the versions of a path live, gathered into one list for `log` and `restore`: the remote's
 * versions (the service's own, or the copies lsync kept, plus the current object: see
 * remote/versions.ts) and this machine's trash (`.lsync/trash/<stamp>/<path>`: what pulls replaced
 * or deleted here).
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Remote, RemoteVersion } from '../remote/remote.js';
import { CURRENT_ID, KEPT_ID, keptPath, parseKeptPath } from '../remote/versions.js';
import { trashRunNames } from '../state/trash.js';

export type Where = 'remote' | 'remote-version' | 'kept' | 'trash';

export interface HistoryVersion {
  readonly path: string;
  /** Stable id, for `restore --version`. */
  readonly id: string;
  /** When the content was written, ms since the epoch (a deletion: when it was deleted). */
  readonly whenMs: number;
  readonly size: number;
  readonly hash?: string;
  readonly host?: string;
  readonly user?: string;
  /** remote: the current object; remote-version: the service keeps it; kept: lsync's copy; trash: this machine. */
  readonly where: Where;
  readonly deleted: boolean;
}

const TRASH_ID = 'trash:';

function fromRemote(path: string, v: RemoteVersion, current: boolean): HistoryVersion {
  const kept = v.id.startsWith(KEPT_ID);
  const where: Where = v.id === CURRENT_ID || (current && !kept) ? 'remote' : kept ? 'kept' : 'remote-version';
  const m = v.metadata;
  return {
    path,
    id: v.id,
    whenMs: Math.round(v.mtimeMs),
    size: v.size,
    ...(v.hash !== undefined ? { hash: v.hash } : {}),
    ...(m.host !== undefined ? { host: m.host } : {}),
    ...(m.user !== undefined ? { user: m.user } : {}),
    where,
    deleted: v.isDelete,
  };
}

async function md5Of(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}


/** The trash's copies of `path`: `<run>/<path>`, and `<run>/<path>.<n>` when one run kept it twice. */
export async function trashVersions(metaDir: string, path: string): Promise<HistoryVersion[]> {
  const out: HistoryVersion[] = [];
  const segments = path.split('/');
  const name = segments.pop() ?? '';
  for (const run of await trashRunNames(metaDir)) {
    const dir = join(metaDir, 'trash', run, ...segments);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const suffix = n === name ? '' : n.startsWith(`${name}.`) && /^\d+$/.test(n.slice(name.length + 1)) ? n.slice(name.length) : undefined;
      if (suffix === undefined) continue;
      const file = join(dir, n);
      let st: Stats;
      try {
        st = await lstat(file);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      out.push({ path, id: `${TRASH_ID}${run}${suffix}`, whenMs: Math.round(st.mtimeMs), size: st.size, hash: await md5Of(file), where: 'trash', deleted: false });
    }
  }
  return out;
}

/** Paths under the folder `under` ('' = all) that the trash holds a copy of. */
export async function trashPaths(metaDir: string, under: string): Promise<string[]> {
  const out = new Set<string>();
  for (const run of await trashRunNames(metaDir)) {
    const top = join(metaDir, 'trash', run);
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(top, ...rel.split('/').filter((x) => x !== '')), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) {
          // `<path>.<n>`: a second copy of <path> in one run, or a file named so: both are looked up.
          out.add(p);
          if (/\.\d+$/.test(p)) out.add(p.replace(/\.\d+$/, ''));
        }
      }
    };
    await walk(under);
  }
  return [...out];
}

/** The file of a trash version id, or undefined when `id` is not one. */
export function trashFile(metaDir: string, path: string, id: string): string | undefined {
  if (!id.startsWith(TRASH_ID)) return undefined;
  const m = /^(\d{8}-\d{6})((?:\.\d+)?)$/.exec(id.slice(TRASH_ID.length));
  if (m === null) return undefined;
  const segments = path.split('/');
  const name = `${segments.pop() ?? ''}${m[2] ?? ''}`;
  return join(metaDir, 'trash', m[1] ?? '', ...segments, name);
}

/** Every version of `path`, newest first. */
export async function versionsOf(remote: Remote, metaDir: string, path: string, signal?: AbortSignal): Promise<HistoryVersion[]> {
  const listed = (await remote.listVersions?.(path, signal)) ?? [];
  // The newest listed version with content is the one at the path now, unless a deletion is newer.
  const remoteVersions = listed.map((v, i) => fromRemote(path, v, i === 0 && !v.isDelete));
  const deletion = keptDeletion(path, listed);
  const trash = await trashVersions(metaDir, path);
  return [...(deletion !== undefined ? [deletion] : []), ...remoteVersions, ...trash].sort((a, b) => b.whenMs - a.whenMs);
}

/**
 * Where lsync keeps the copies (no service versions), a deletion leaves no marker: the path has
 * kept copies but no current object. The newest copy was made just before the delete.
 */
function keptDeletion(path: string, listed: readonly RemoteVersion[]): HistoryVersion | undefined {
  const newest = listed[0];
  if (newest === undefined || !newest.id.startsWith(KEPT_ID)) return undefined;
  const ref = parseKeptPath(keptPath(path, newest.id.slice(KEPT_ID.length)));
  if (ref === undefined) return undefined;
  return { path, id: `deleted:${ref.name.split('-')[0] ?? ''}`, whenMs: ref.replacedMs, size: 0, where: 'remote', deleted: true };
}

/** The content of one version. */
export async function openVersion(remote: Remote, metaDir: string, v: HistoryVersion, signal?: AbortSignal): Promise<Readable> {
  const file = trashFile(metaDir, v.path, v.id);
  if (file !== undefined) return createReadStream(file);
  if (remote.getVersion === undefined) throw new Error(`${v.path}: this remote cannot read versions`);
  return (await remote.getVersion(v.path, v.id, signal !== undefined ? { signal } : {})).body;
}
