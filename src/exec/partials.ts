/**
 * The partial downloads of `.lsync/tmp/` (see download.ts): their names, and one run's view of
 * them, swept of old ones.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Partials untouched for this long belong to objects nobody asked for again: removed at the start of a run. */
export const PARTIAL_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

function sha1(s: string): string {
  return createHash('sha1').update(s, 'utf8').digest('hex');
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * `dl-<sha1(path)>-<sha1(path \0 etag)>`: the first half finds the partials of a path whatever
 * their ETag (those of an ETag the remote no longer has are dead), the second names the version.
 */
export function partialName(path: string, etag: string): string {
  return `dl-${sha1(path).slice(0, 24)}-${sha1(`${path}\0${etag}`).slice(0, 24)}`;
}

function pathPart(name: string): string | undefined {
  const m = /^dl-([0-9a-f]{24})-[0-9a-f]{24}$/.exec(name);
  return m?.[1];
}

/** The partial downloads of one run's `.lsync/tmp/`, swept of old ones. */
export class Partials {
  /** path hash → partial file names present when the run started. */
  private readonly byPath = new Map<string, string[]>();

  private constructor(readonly dir: string) {}

  /**
   * Lists `dir` once, removing `dl-*` files older than PARTIAL_MAX_AGE_MS (by mtime: an append
   * touches it, so age counts from the last progress, not from the first byte).
   */
  static async open(dir: string, nowMs: number): Promise<Partials> {
    const p = new Partials(dir);
    for (const name of await readdir(dir)) {
      if (!name.startsWith('dl-')) continue;
      const file = join(dir, name);
      try {
        const st = await lstat(file);
        if (nowMs - st.mtimeMs > PARTIAL_MAX_AGE_MS) {
          await unlink(file);
          continue;
        }
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue;
        throw e;
      }
      const key = pathPart(name);
      if (key === undefined) continue;
      const list = p.byPath.get(key) ?? [];
      list.push(name);
      p.byPath.set(key, list);
    }
    return p;
  }

  /** Whether the partial `name` of `path` was there when the run started (no other process adds any: the lock). */
  has(path: string, name: string): boolean {
    return this.byPath.get(sha1(path).slice(0, 24))?.includes(name) === true;
  }

  /** Partials of `path` for other ETags: that content is gone from the remote, so they never complete. */
  async dropOtherVersions(path: string, keep: string): Promise<void> {
    const key = sha1(path).slice(0, 24);
    const names = this.byPath.get(key);
    if (names === undefined) return;
    this.byPath.delete(key);
    for (const name of names) {
      if (name !== keep) await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }
}

/**
 * The partial downloads left in `dir` (by a failure such as a full disk, or an interruption): one
 * line for the user, or undefined when there are none. They are not removed here: the next run
 * resumes them, and those untouched for PARTIAL_MAX_AGE_MS go at its start.
 */
export async function leftoverLine(dir: string): Promise<string | undefined> {
  let count = 0;
  let bytes = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith('dl-')) continue;
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (st === undefined || !st.isFile()) continue;
    count++;
    bytes += st.size;
  }
  if (count === 0) return undefined;
  const size = bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${bytes} B`;
  const days = PARTIAL_MAX_AGE_MS / 86_400_000;
  return `${count} partial download(s) (${size}) left in .lsync/tmp/: the next run resumes them (or removes those untouched for ${days} days); delete .lsync/tmp/dl-* to free the space now`;
}
