/**
 * The database records an action writes once its effect is done (never before): a file's base
 * from the stat just taken, and the "racy" flag of a file whose mtime is too recent to trust.
 */
import type { Stats } from 'node:fs';
import type { BaseEntry, Restat } from '../core/types.js';
import type { RunContext } from './context.js';

/** A file modified this close to when it is recorded may change again within the same mtime tick. */
export const RACY_MS = 2000;

export function isRacy(mtimeMs: number, nowMs: number): boolean {
  return nowMs - mtimeMs < RACY_MS;
}

/** The base record of a file or link as `st` shows it, with content `hash` and remote identity `etag`. */
export function baseFrom(path: string, st: Stats, hash: string, etag: string, versionId: string | undefined, nowMs: number): BaseEntry {
  return {
    path,
    kind: st.isSymbolicLink() ? 'link' : 'file',
    size: st.size,
    hash,
    mtimeMs: st.mtimeMs,
    mode: st.mode & 0o7777,
    etag,
    ...(versionId !== undefined ? { versionId } : {}),
    ...(isRacy(st.mtimeMs, nowMs) ? { racy: true } : {}),
  };
}

/** Record a file or link that both sides now hold. */
export function recordFile(run: RunContext, path: string, st: Stats, hash: string, object: { readonly etag: string; readonly versionId?: string | undefined }): void {
  run.db.set(baseFrom(path, st, hash, object.etag, object.versionId, run.now()));
}

/** Write a record as it is. */
export function recordEntry(run: RunContext, entry: BaseEntry): void {
  run.db.set(entry);
}

export function forgetPath(run: RunContext, path: string): void {
  run.db.delete(path);
}

/** A base record takes the new stat of a file only touched since (the plan's `restat`). */
export function refreshStat(run: RunContext, r: Restat): void {
  const { racy: _wasRacy, ...rest } = r.base;
  run.db.set({ ...rest, mtimeMs: r.local.mtimeMs, mode: r.local.mode, ...(isRacy(r.local.mtimeMs, run.now()) ? { racy: true } : {}) });
}
