/**
 * The pieces the live mode benches (bench/watch.ts, bench/watchers.ts) share: real `lsync watch`
 * processes, whole CLI runs, the changes whose propagation they time, and what /proc says of a
 * watcher (CPU, peak RSS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CountingProxy } from '../../test/support/requests.js';
import { runCli } from '../../test/support/world.js';
import { children, repoRoot } from './util.js';

/** `--poll` of every watcher the benches start: the issue's figures are per one-second poll. */
export const POLL_S = 1;

export const secs = (ms: number): string => (ms / 1000).toFixed(2);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `lsync watch --delay 1 --poll 1 --quiet` in `dir` (`pollS`: another --poll). Its stderr (errors only, with --quiet) goes to
 * ours, each line prefixed with `label`. In its own process group, so util.ts's exit handler can
 * kill what a crashed bench leaves.
 */
export function startWatcher(dir: string, env: Readonly<Record<string, string>>, label: string, pollS = POLL_S): ChildProcess {
  const args = [join(repoRoot(), 'bin', 'lsync.js'), 'watch', '--delay', '1', '--poll', String(pollS), '--quiet'];
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) process.stderr.write(`[${label}] ${line}\n`);
  });
  return child;
}

/** SIGTERM (a watcher's clean stop), then SIGKILL for any still running after `graceMs`. */
export async function stopWatchers(procs: readonly ChildProcess[], graceMs = 5000): Promise<void> {
  const running = procs.filter((p) => p.exitCode === null && p.signalCode === null);
  const exited = running.map((p) => new Promise<void>((resolve) => p.once('exit', () => resolve())));
  for (const p of running) p.kill('SIGTERM');
  const timer = sleep(graceMs).then(() => {
    for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  });
  await Promise.race([Promise.all(exited), timer]);
}

export async function content(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** Milliseconds until `check` holds, checked every `everyMs`; throws after `ms`. */
export async function waitFor(check: () => Promise<boolean>, everyMs = 20, ms = 600_000): Promise<number> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > ms) throw new Error(`change did not arrive within ${ms / 1000} s`);
    await sleep(everyMs);
  }
  return performance.now() - t0;
}

function procStat(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
}

/** utime + stime in seconds (clock ticks, 100 per second on Linux). */
export function cpuSeconds(pid: number): number {
  const f = procStat(pid);
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Peak resident set (VmHWM), MiB. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN) / 1024;
}

/** One whole `lsync ARGS` process in `dir`, timed; fails on a non-zero exit. */
export async function timedCli(dir: string, args: string[], env: Readonly<Record<string, string>>): Promise<number> {
  const t0 = performance.now();
  const r = await runCli(dir, args, env);
  if (r.code !== 0) throw new Error(`lsync ${args.join(' ')} in ${dir}: ${r.stderr}`);
  return performance.now() - t0;
}

/** `count` small text files in folders of 100 under `dir` (d000/f00000.txt ...). */
export async function writeSmallFiles(dir: string, count: number, tag: string): Promise<void> {
  for (let d = 0; d * 100 < count; d++) {
    const folder = join(dir, `d${String(d).padStart(3, '0')}`);
    await mkdir(folder, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = d * 100; i < Math.min(count, (d + 1) * 100); i++) writes.push(writeFile(join(folder, `f${String(i).padStart(5, '0')}.txt`), `${tag} ${i}\n`));
    await Promise.all(writes);
  }
}

export async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

export type ChangeKind = 'create' | 'edit' | 'rename' | 'delete';

/** One change made in one tree, and how to tell another tree has it. */
export interface Change {
  readonly kind: ChangeKind;
  apply(dir: string): Promise<void>;
  arrived(dir: string): Promise<boolean>;
}

/**
 * The i-th change of a series: create, edit, rename, delete by turns, each group of four on its own
 * file (p<n>.txt, renamed to q<n>.txt), so the i-th applies where the (i-1)-th has arrived.
 */
export function nthChange(i: number): Change {
  const n = Math.floor(i / 4);
  const [p, q] = [`p${n}.txt`, `q${n}.txt`];
  switch (i % 4) {
    case 0:
      return { kind: 'create', apply: (d) => writeFile(join(d, p), `created ${i}`), arrived: async (d) => (await content(join(d, p))) === `created ${i}` };
    case 1:
      return {
        kind: 'edit',
        apply: (d) => writeFile(join(d, p), `edited ${i}, longer`),
        arrived: async (d) => (await content(join(d, p))) === `edited ${i}, longer`,
      };
    case 2:
      return {
        kind: 'rename',
        apply: (d) => rename(join(d, p), join(d, q)),
        arrived: async (d) => (await content(join(d, q))) !== undefined && (await content(join(d, p))) === undefined,
      };
    default:
      return { kind: 'delete', apply: (d) => rm(join(d, q)), arrived: async (d) => (await content(join(d, q))) === undefined };
  }
}

/** What a counting proxy saw from `from` (an index into its `seen`) on. */
export interface Tally {
  readonly requests: number;
  /** ListObjectsV2 requests of the repository's keys (lsync's own folder .lsync/ left out). */
  readonly listings: number;
  /** Those of the whole repository (its root as the prefix: a full listing, not one path's scope). */
  readonly fullListings: number;
  /** ListObjectsV2 under .lsync/ (the feed's records, kept versions). */
  readonly bookkeepingListings: number;
  /** "METHOD key status" or "LIST prefix=... status" → count; keys relative to the repository's prefix. */
  readonly kinds: Readonly<Record<string, number>>;
}

export function tally(proxy: CountingProxy, from: number, prefix: string): Tally {
  const seen = proxy.seen.slice(from);
  const kinds: Record<string, number> = {};
  let listings = 0;
  let fullListings = 0;
  let bookkeepingListings = 0;
  for (const r of seen) {
    const listed = r.method === 'GET' && r.query.get('list-type') === '2';
    const listedPrefix = r.query.get('prefix') ?? '';
    if (listed && listedPrefix.includes('.lsync/')) bookkeepingListings++;
    else if (listed) listings++;
    if (listed && (listedPrefix === `${prefix}/` || listedPrefix === '')) fullListings++;
    // Path style: /bucket/prefix/key; the rest is the object's name under the repository.
    const under = (key: string): string => (key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : key);
    const what = listed
      ? `LIST prefix=${under(r.query.get('prefix') ?? '')}${r.query.has('delimiter') ? ` delimiter=${r.query.get('delimiter') ?? ''}` : ''}${r.query.has('start-after') ? ' start-after' : ''}`
      : `${r.method} ${under(decodeURIComponent(r.path.split('/').slice(2).join('/')))}`;
    const kind = `${what} ${String(r.status ?? '-')}`;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return { requests: seen.length, listings, fullListings, bookkeepingListings, kinds };
}
