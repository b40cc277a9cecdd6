/**
 * `lsync restore <path> [--version ID | --at TIME] [--to FILE] [--force]`: an earlier version back
 * in the working tree, as an ordinary local change that the next sync carries everywhere.
 *
 * Written like a download (temp file in `.lsync/tmp/`, then rename), with a fresh mtime so the
 * next scan sees a change. A file in the way that holds a change never synced is not overwritten
 * (named in the refusal) unless --force; a synced one is kept in `.lsync/trash/` first.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LsyncError } from '../core/errors.js';
import type { RemoteOverrides } from '../app/connect.js';
import { withSession, type Session } from '../app/session.js';
import { lstatQuiet } from '../exec/localfs.js';
import { hashFile } from '../scan/hash.js';
import { isFolder, pathsUnder, repoPath } from './log.js';
import { openVersion, versionsOf, type HistoryVersion } from './sources.js';

export interface RestoreRequest {
  readonly cwd: string;
  readonly path: string;
  readonly version?: string;
  /** ms since the epoch. */
  readonly atMs?: number;
  /** Write here (relative to cwd) instead of the path itself. */
  readonly to?: string;
  readonly force: boolean;
  readonly overrides: RemoteOverrides;
  readonly concurrency: number;
  readonly signal?: AbortSignal;
}

export interface Restored {
  readonly path: string;
  /** Where it was written (repository-relative). */
  readonly to: string;
  readonly id: string;
  readonly size: number;
  readonly whenMs: number;
}

export interface RestoreResult {
  readonly restored: readonly Restored[];
  /** Folder restores: files that did not exist at that time (left as they are). */
  readonly absent: readonly string[];
}

/** The version to restore: the id given, the newest at `atMs`, or the newest with content. */
export function chooseVersion(versions: readonly HistoryVersion[], version: string | undefined, atMs: number | undefined): HistoryVersion | undefined {
  if (version !== undefined) return versions.find((v) => v.id === version);
  // Trash copies are this machine's: a point in time is the remote's history.
  const timeline = atMs !== undefined ? versions.filter((v) => v.where !== 'trash' && v.whenMs <= atMs) : versions;
  const newest = timeline[0];
  if (newest === undefined || (atMs !== undefined && newest.deleted)) return undefined;
  return timeline.find((v) => !v.deleted);
}

/** Refuse to replace a local change that was never synced (unless --force). */
async function checkTarget(s: Session, to: string, force: boolean): Promise<void> {
  const st = lstatQuiet(join(s.repo.root, ...to.split('/')));
  if (st === undefined || force) return;
  if (!st.isFile()) throw new LsyncError('refused', `${to}: not a file; nothing was restored`, 'move it away, or pass --to FILE');
  const base = s.db.entries.get(to);
  const synced = base !== undefined && base.kind === 'file' && base.size === st.size && (base.mtimeMs === st.mtimeMs || base.hash === (await hashFile(join(s.repo.root, ...to.split('/')))));
  if (!synced) throw new LsyncError('refused', `${to}: has local changes that were never synced; nothing was restored`, 'sync it first, pass --to FILE to restore beside it, or --force to replace it');
}

/** The file at `to` already holds the version's bytes. */
async function holds(s: Session, to: string, v: HistoryVersion): Promise<boolean> {
  const file = join(s.repo.root, ...to.split('/'));
  const st = lstatQuiet(file);
  return st?.isFile() === true && v.hash !== undefined && st.size === v.size && (await hashFile(file)) === v.hash;
}

async function writeVersion(s: Session, v: HistoryVersion, to: string, signal?: AbortSignal): Promise<void> {
  const target = join(s.repo.root, ...to.split('/'));
  const tmpDir = join(s.repo.metaDir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `restore-${randomBytes(8).toString('hex')}`);
  try {
    await pipeline(await openVersion(s.remote, s.repo.metaDir, v, signal), createWriteStream(tmp), signal !== undefined ? { signal } : {});
    await mkdir(dirname(target), { recursive: true });
    if (lstatQuiet(target) !== undefined) await s.trash.keepCopy(to);
    await rename(tmp, target);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

export async function runRestore(req: RestoreRequest): Promise<RestoreResult> {
  if (req.version !== undefined && req.atMs !== undefined) throw new LsyncError('usage', '--version and --at pick a version two ways: give one of them');
  return withSession({ cwd: req.cwd, command: 'restore', overrides: req.overrides, concurrency: req.concurrency, readOnly: false }, async (s) => {
    const path = repoPath(s.repo.root, req.cwd, req.path);
    const folder = await isFolder(s, path, req.signal);
    if (folder && req.atMs === undefined) throw new LsyncError('usage', `${path || '.'}: a folder is restored as it was at a time`, 'pass --at TIME (e.g. --at 2026-12-06T15:00), or name a file');
    if (folder && req.to !== undefined) throw new LsyncError('usage', '--to takes one file, not a folder');
    const paths = folder ? (await pathsUnder(s, path, req.signal)).filter((p) => p !== path) : [path];
    const plan: Array<{ v: HistoryVersion; to: string }> = [];
    const absent: string[] = [];
    for (const p of paths) {
      const v = chooseVersion(await versionsOf(s.remote, s.repo.metaDir, p, req.signal), req.version, req.atMs);
      if (v === undefined) {
        if (!folder) throw new LsyncError('usage', `${p}: no such version${req.version !== undefined ? ` (${req.version})` : req.atMs !== undefined ? ` at ${new Date(req.atMs).toISOString()}` : ''}`, `lsync log ${p} lists the versions and their ids`);
        absent.push(p);
        continue;
      }
      const to = req.to !== undefined ? repoPath(s.repo.root, req.cwd, req.to) : p;
      if (await holds(s, to, v)) continue; // already that version: nothing to write (nor to sync)
      plan.push({ v, to });
    }
    // Every refusal before anything is written: all or nothing.
    for (const { to } of plan) await checkTarget(s, to, req.force);
    const restored: Restored[] = [];
    for (const { v, to } of plan) {
      await writeVersion(s, v, to, req.signal);
      restored.push({ path: v.path, to, id: v.id, size: v.size, whenMs: v.whenMs });
    }
    return { restored, absent };
  });
}
