/**
 * Where a repository keeps its state, and moving an older repository's `.lsync/` to this layout.
 *
 *     .lsync/config.yaml           remotes and options (config.ts)
 *     .lsync/lock                  one process at a time (lock.ts)
 *     .lsync/remotes/<name>/       one remote's base state: index.yaml + journal.yaml (db.ts),
 *                                  uploads/ (resumable upload checkpoints), remote.json (remote-state.ts)
 *     .lsync/tmp/  .lsync/trash/   shared by every remote
 *
 * Before (lsync 0.1): index.yaml, journal.yaml and uploads/ directly in `.lsync/`, for the one remote.
 *
 * The migration is atomic: the new folder is assembled under a staging name (hard links, so the
 * database is never copied twice) and renamed into place in one step; that rename is the commit
 * point. A crash before it leaves the old layout (the staging folder is discarded next time), a
 * crash after it the new one with old names still beside it, removed next time. Then config.yaml
 * is upgraded to version 2 so an older lsync refuses the repository instead of misreading it.
 */
import { copyFile, link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isCode, syncDirectory } from './atomic.js';
import { ORIGIN } from './config.js';
import { upgradeConfigFile } from './config-edit.js';

export const REMOTES_DIR = 'remotes';
const STAGING = 'remotes.migrating';
/** What lsync 0.1 kept directly in `.lsync/` for its one remote. */
const LEGACY = ['index.yaml', 'journal.yaml', 'uploads'] as const;

/** A remote's own state folder. */
export function remoteStateDir(metaDir: string, name: string): string {
  return join(metaDir, REMOTES_DIR, name);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (err) {
    if (isCode(err, 'ENOENT')) return false;
    throw err;
  }
}

/**
 * True when `.lsync/` still has the lsync 0.1 layout, or what an interrupted migration left: then
 * `migrateLayout` has work to do.
 */
export async function needsMigration(metaDir: string): Promise<boolean> {
  for (const name of [...LEGACY, STAGING]) if (await exists(join(metaDir, name))) return true;
  return false;
}

/** Where the state of `name` is read from while `.lsync/` has not been migrated (a read-only run beside a locked one). */
export async function readableStateDir(metaDir: string, name: string): Promise<string> {
  return name === ORIGIN && !(await exists(join(metaDir, REMOTES_DIR))) ? metaDir : remoteStateDir(metaDir, name);
}

/** A hard link where the file system allows it, else a copy (same content either way). */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    if (isCode(err, 'ENOENT')) throw err;
    await copyFile(from, to);
  }
}

async function assemble(from: string, to: string): Promise<void> {
  const st = await stat(from);
  if (!st.isDirectory()) return linkOrCopy(from, to);
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) await assemble(join(from, name), join(to, name));
}

/**
 * Move the lsync 0.1 layout to `.lsync/remotes/origin/` (see the module comment), or finish a
 * migration a crash interrupted. Call it holding the repository's lock. Returns true when this
 * call moved the database (the caller says so once).
 */
export async function migrateLayout(metaDir: string): Promise<boolean> {
  const remotes = join(metaDir, REMOTES_DIR);
  const staging = join(metaDir, STAGING);
  let moved = false;
  if (!(await exists(remotes))) {
    await rm(staging, { recursive: true, force: true });
    const origin = join(staging, ORIGIN);
    await mkdir(origin, { recursive: true });
    for (const name of LEGACY) {
      if (await exists(join(metaDir, name))) await assemble(join(metaDir, name), join(origin, name));
    }
    await syncDirectory(origin);
    await syncDirectory(staging);
    await rename(staging, remotes); // the commit point
    await syncDirectory(metaDir);
    moved = true;
  }
  await upgradeConfigFile(metaDir);
  for (const name of LEGACY) await rm(join(metaDir, name), { recursive: true, force: true });
  await rm(staging, { recursive: true, force: true });
  return moved;
}
