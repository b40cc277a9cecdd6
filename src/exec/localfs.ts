/**
 * Local file operations that keep a user's tree safe.
 *
 * Paths that come from the remote are input from other people: every write goes through
 * `ensureParentDir`, which refuses to create or pass through a symlink, so a key can never make
 * lsync write outside the repository. Replaced and deleted files go to `.lsync/trash/` first.
 */
import { constants, lstatSync, type Stats } from 'node:fs';
import { copyFile, link, lstat, mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export class LocalPathError extends Error {
  override readonly name = 'LocalPathError';
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * lstat that answers undefined for a missing path (or one under a file) instead of throwing.
 *
 * Synchronous on purpose: the paths asked about per transferred file (is the target still as
 * scanned, is there a partial) usually do not exist, and the async lstat builds an Error with a
 * stack trace for every miss, which a 10,000-file pull profile showed as the largest piece of
 * lsync's own CPU beside the SDK (~80 µs per miss). A metadata lookup of a local path takes
 * microseconds; with `throwIfNoEntry: false` a miss costs nothing more.
 */
export function lstatQuiet(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (e) {
    if (code(e) === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * Create the folders above repository path `path`, refusing symlinks and files in the way.
 * `known` holds folders this run already checked or made (a pull of many files into one folder
 * then costs one lstat, not one per file and level); folders are only removed after all writes.
 */
export async function ensureParentDir(root: string, path: string, known?: Set<string>): Promise<void> {
  const segments = path.split('/');
  segments.pop();
  let dir = root;
  for (const s of segments) {
    dir = join(dir, s);
    if (known?.has(dir) === true) continue;
    const st = lstatQuiet(dir);
    if (st !== undefined) {
      if (st.isSymbolicLink()) throw new LocalPathError(`${path}: refusing to write through the symlink ${s}`);
      if (!st.isDirectory()) throw new LocalPathError(`${path}: a file stands where a folder is needed (${s})`);
    } else {
      try {
        await mkdir(dir);
      } catch (e2) {
        if (code(e2) !== 'EEXIST') throw e2;
        // Raced with another creator: re-check on the next pass of the loop body.
        const st = await lstat(dir);
        if (!st.isDirectory()) throw new LocalPathError(`${path}: a file stands where a folder is needed (${s})`);
      }
    }
    known?.add(dir);
  }
}

/** Create the folder at repository path `path` and those above it, with the same refusals. */
export async function ensureDir(root: string, path: string): Promise<void> {
  // ensureParentDir makes every folder above its path's last segment: give it one below `path`.
  await ensureParentDir(root, `${path}/.`);
}

/** `YYYYMMDD-HHMMSS` in UTC, for trash folders and conflict names. */
export function stamp(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
}

/**
 * The trash of one run: `.lsync/trash/<stamp>/<path>`. Files are kept, never deleted, so a pull
 * that replaced or removed something can always be undone by hand.
 */
export class Trash {
  constructor(
    private readonly root: string,
    readonly dir: string,
  ) {}

  private async target(path: string): Promise<string> {
    const t = join(this.dir, ...path.split('/'));
    await mkdir(dirname(t), { recursive: true });
    // Two versions of one path in one run: keep both.
    for (let i = 1; ; i++) {
      const candidate = i === 1 ? t : `${t}.${i}`;
      try {
        await lstat(candidate);
      } catch (e) {
        if (code(e) === 'ENOENT') return candidate;
        throw e;
      }
    }
  }

  /** Keep a copy of a file that is about to be replaced (hard link: instant, no extra space). */
  async keepCopy(path: string): Promise<void> {
    const src = join(this.root, ...path.split('/'));
    const t = await this.target(path);
    try {
      await link(src, t);
    } catch (e) {
      if (code(e) === 'ENOENT') return;
      await copyFile(src, t, constants.COPYFILE_EXCL);
    }
  }

  /** Move a file that is being deleted into the trash. */
  async moveIn(path: string): Promise<void> {
    const src = join(this.root, ...path.split('/'));
    const t = await this.target(path);
    try {
      await rename(src, t);
    } catch (e) {
      if (code(e) === 'ENOENT') return;
      if (code(e) !== 'EXDEV') throw e;
      await copyFile(src, t, constants.COPYFILE_EXCL);
      await unlink(src);
    }
  }
}

/** Remove the folders above `path` that became empty, deepest first, never the root itself. */
export async function removeEmptyParents(root: string, path: string): Promise<void> {
  const segments = path.split('/');
  segments.pop();
  while (segments.length > 0) {
    try {
      await rmdir(join(root, ...segments));
    } catch {
      return; // not empty (or gone, or not ours to remove): stop climbing
    }
    segments.pop();
  }
}

/** `<stem>.conflict-<host>-<YYYYMMDD-HHMMSS><ext>` next to the original. */
export function conflictName(path: string, host: string, date: Date): string {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  const safeHost = host.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${dir}${stem}.conflict-${safeHost}-${stamp(date)}${ext}`;
}
