/**
 * `.lsync/trash/`: what pulls replaced or deleted on this machine, one folder per run
 * (`<YYYYMMDD-HHMMSS>/<path>`, and `<path>.<n>` when one run kept a path twice; see
 * exec/localfs.ts Trash). Here: listing it, emptying it, and pruning it by age and size.
 *
 * A run's folder is the unit: its time is the run's (from its name), and pruning removes whole
 * runs, oldest first, never the folder of the run that is pruning (what it just put there).
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface TrashItem {
  /** The repository path the copy was kept for. */
  readonly path: string;
  /** The run's folder name (`YYYYMMDD-HHMMSS`, UTC). */
  readonly run: string;
  /** `.2`, `.3`...: a later copy of the same path kept by the same run; '' for the first. */
  readonly suffix: string;
  /** When the run kept it, ms since the epoch. */
  readonly whenMs: number;
  readonly size: number;
  /** The copy's absolute file name. */
  readonly file: string;
}

export interface TrashRun {
  readonly run: string;
  readonly whenMs: number;
  readonly bytes: number;
  readonly items: readonly TrashItem[];
}

const RUN = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/;

/** The time a run folder's name stands for (UTC), or undefined when it is not one. */
export function runTime(run: string): number | undefined {
  const m = RUN.exec(run);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

export function trashDir(metaDir: string): string {
  return join(metaDir, 'trash');
}

/** The names of the run folders (`YYYYMMDD-HHMMSS`), oldest first; none when there is no trash. */
export async function trashRunNames(metaDir: string): Promise<string[]> {
  try {
    return (await readdir(trashDir(metaDir), { withFileTypes: true }))
      .filter((e) => e.isDirectory() && runTime(e.name) !== undefined)
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Every run folder with its copies, oldest first. */
export async function listTrashRuns(metaDir: string): Promise<TrashRun[]> {
  const runs: TrashRun[] = [];
  for (const run of await trashRunNames(metaDir)) {
    const whenMs = runTime(run);
    if (whenMs === undefined) continue;
    const items = await itemsOf(join(trashDir(metaDir), run), run, whenMs);
    runs.push({ run, whenMs, bytes: items.reduce((n, i) => n + i.size, 0), items });
  }
  return runs;
}

/** Every copy in the trash, oldest run first, by path within a run. */
export async function listTrash(metaDir: string): Promise<TrashItem[]> {
  return (await listTrashRuns(metaDir)).flatMap((r) => r.items);
}

async function itemsOf(top: string, run: string, whenMs: number): Promise<TrashItem[]> {
  const files: Array<{ rel: string; size: number }> = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(rel === '' ? top : join(top, ...rel.split('/')), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) files.push({ rel: p, size: (await lstat(join(top, ...p.split('/')))).size });
    }
  };
  await walk('');
  const present = new Set(files.map((f) => f.rel));
  return files
    .map(({ rel, size }) => {
      // `<path>.<n>` is a later copy of <path> only when the run also holds <path> itself.
      const m = /^(.*)(\.\d+)$/.exec(rel);
      const later = m !== null && present.has(m[1] ?? '');
      const path = later ? (m?.[1] ?? rel) : rel;
      return { path, run, suffix: later ? (m?.[2] ?? '') : '', whenMs, size, file: join(top, ...rel.split('/')) };
    })
    .sort((a, b) => (a.path === b.path ? copyNumber(a) - copyNumber(b) : a.path < b.path ? -1 : 1));
}

function copyNumber(i: TrashItem): number {
  return i.suffix === '' ? 1 : Number(i.suffix.slice(1));
}

/** The newest copy of `path`: the latest run's, and its latest copy within that run. */
export function newestCopy(items: readonly TrashItem[], path: string): TrashItem | undefined {
  let best: TrashItem | undefined;
  for (const i of items) {
    if (i.path !== path) continue;
    if (best === undefined || i.run > best.run || (i.run === best.run && copyNumber(i) > copyNumber(best))) best = i;
  }
  return best;
}

export interface Removed {
  readonly runs: number;
  readonly files: number;
  readonly bytes: number;
}

async function removeRuns(metaDir: string, runs: readonly TrashRun[], dryRun = false): Promise<Removed> {
  if (!dryRun) for (const r of runs) await rm(join(trashDir(metaDir), r.run), { recursive: true, force: true });
  return { runs: runs.length, files: runs.reduce((n, r) => n + r.items.length, 0), bytes: runs.reduce((n, r) => n + r.bytes, 0) };
}

/** `lsync trash empty [--older-than D]`: every run, or those kept more than `olderThanMs` ago (`dryRun`: only counted). */
export async function emptyTrash(metaDir: string, olderThanMs: number | undefined, nowMs: number, dryRun = false): Promise<Removed> {
  const all = await listTrashRuns(metaDir);
  const runs = olderThanMs === undefined ? all : all.filter((r) => nowMs - r.whenMs > olderThanMs);
  return removeRuns(metaDir, runs, dryRun);
}

export interface TrashLimits {
  readonly maxAgeMs: number;
  readonly maxBytes: number;
}

/**
 * Which runs pruning removes: those older than the age limit, then the oldest until the rest fit
 * the size limit. `keep` (the pruning run's own folder) is never one of them, whatever its size.
 */
export function runsToPrune(runs: readonly TrashRun[], limits: TrashLimits, keep: string, nowMs: number): TrashRun[] {
  const candidates = runs.filter((r) => r.run !== keep).sort((a, b) => (a.run < b.run ? -1 : 1));
  const out = candidates.filter((r) => nowMs - r.whenMs > limits.maxAgeMs);
  let total = runs.reduce((n, r) => n + r.bytes, 0) - out.reduce((n, r) => n + r.bytes, 0);
  for (const r of candidates) {
    if (total <= limits.maxBytes) break;
    if (out.includes(r)) continue;
    out.push(r);
    total -= r.bytes;
  }
  return out;
}

/** Prunes the trash to its limits at the end of a run (keeping that run's own folder). */
export async function pruneTrash(metaDir: string, limits: TrashLimits, keep: string, nowMs: number): Promise<Removed> {
  return removeRuns(metaDir, runsToPrune(await listTrashRuns(metaDir), limits, keep, nowMs));
}
