/**
 * Precondition guards: the thing at a path is still what the plan saw, checked just before an
 * effect. A failed guard throws Skip: not done, for the next run to see.
 */
import type { Stats } from 'node:fs';
import type { EntryKind, LocalEntry } from '../core/types.js';
import { lstatQuiet } from './localfs.js';
import { Skip } from './outcome.js';

export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** The thing at a path is still the one scanned: same kind (a link is never taken for a file), size and mtime. */
export function sameStat(st: Stats, entry: { readonly kind: EntryKind; readonly size: number; readonly mtimeMs: number }): boolean {
  const kindOk = entry.kind === 'link' ? st.isSymbolicLink() : st.isFile();
  return kindOk && st.size === entry.size && st.mtimeMs === entry.mtimeMs;
}

/** The file at `file` is still `entry`; returns its stat. */
export function unchanged(file: string, entry: LocalEntry, reason = 'changed locally since it was scanned'): Stats {
  const st = lstatQuiet(file);
  if (st === undefined || !sameStat(st, entry)) throw new Skip(reason);
  return st;
}

/** Nothing stands at `file`, or what the plan may replace (`expect`); returns what stands there. */
export function replaceable(file: string, expect: LocalEntry | undefined): Stats | undefined {
  const cur = lstatQuiet(file);
  if (expect === undefined) {
    if (cur !== undefined) throw new Skip(cur.isSymbolicLink() ? 'a symlink stands at this path' : 'appeared locally since the scan');
  } else if (cur === undefined || !sameStat(cur, expect)) {
    throw new Skip('changed locally since it was scanned');
  }
  return cur;
}

/** Nothing at all stands at `file`. */
export function vacant(file: string): void {
  if (lstatQuiet(file) !== undefined) throw new Skip('appeared locally since the scan');
}

/** A folder stands at `file`. */
export function isFolder(file: string): boolean {
  return lstatQuiet(file)?.isDirectory() === true;
}
