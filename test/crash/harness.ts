/**
 * Crash-test harness: the real CLI in a child process, killed on purpose, then checked.
 *
 * The invariants every crash test asserts (STYLE.md, "Tests: crash tests"):
 * - converged: after re-running `sync` (at most 3 times, until exit 0), another collaborator's
 *   tree equals this one and `status --json` plans nothing on either;
 * - nothing torn: every file anyone sees is, byte for byte, a version that was written;
 * - the database claims nothing false: right after the kill, status plans nothing that loses data,
 *   and the re-run moves no more bytes than were left to move.
 */
import assert from 'node:assert/strict';
import { foreignPut, remoteBytes } from '../support/foreign.js';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Collaborator, type RunResult, type World } from '../support/world.js';
import { repoRoot } from '../support/servers.js';

// The CLI this test build compiled (dist/ under npm test, dist-crash/ while iterating), and the
// fastest disk for trees and server data: timings stay predictable on a busy 2-core machine.
process.env['LSYNC_MAIN'] ??= fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
if (existsSync('/dev/shm')) process.env['TMPDIR'] ??= '/dev/shm';

export const MiB = 1024 * 1024;

export function md5(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** Every version ever written, per path, by MD5: what "not torn" compares against. */
export class Versions {
  private readonly seen = new Map<string, Set<string>>();

  async write(c: Collaborator, path: string, content: Uint8Array | string): Promise<void> {
    await c.write(path, content);
    const set = this.seen.get(path) ?? new Set<string>();
    set.add(md5(content));
    this.seen.set(path, set);
  }

  /** Every file of `tree` is a version written at its path. */
  assertWhole(tree: ReadonlyMap<string, string>, who: string): void {
    for (const [path, hash] of tree) {
      assert.ok(this.seen.get(path)?.has(hash) === true, `${who}: ${path} is torn or unknown (md5 ${hash})`);
    }
  }
}

/** path → MD5 of every file outside `.lsync/`. */
export async function hashTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.name === '.lsync') continue;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.set(p, md5(await readFile(join(dir, p))));
    }
  };
  await walk('');
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface Killed {
  /** Exit code, or 128 + signal number when the signal ended it. */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** ms from the (last) signal to the exit. */
  readonly exitMs: number;
}

const SIGNO: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Run the CLI in `c.dir` and send `signals` at the given ms after spawn (each with its delay).
 * Resolves when the process has exited.
 */
export function runAndSignal(
  c: Collaborator,
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  signals: ReadonlyArray<readonly [ms: number, signal: NodeJS.Signals]>,
): Promise<Killed> {
  // "Ready" at once: the delays count from the spawn.
  return runAndSignalWhen(c, env, args, () => Promise.resolve(true), signals);
}

/**
 * Like runAndSignal, but the signals are timed from when `ready(stdout so far)` first holds (polled
 * every 50 ms): for signals that must land mid-transfer whatever the machine's load.
 */
export function runAndSignalWhen(
  c: Collaborator,
  env: Readonly<Record<string, string>>,
  args: readonly string[],
  ready: (stdout: string) => Promise<boolean>,
  signals: ReadonlyArray<readonly [msAfterReady: number, signal: NodeJS.Signals]>,
): Promise<Killed> {
  const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'lsync.js'), ...args], {
    cwd: c.dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  let signalledAt = Date.now();
  let exited = false;
  const timers: NodeJS.Timeout[] = [];
  const poll = async (): Promise<void> => {
    while (!exited) {
      if (await ready(stdout)) {
        for (const [ms, sig] of signals) {
          timers.push(
            setTimeout(() => {
              signalledAt = Date.now();
              child.kill(sig);
            }, ms),
          );
        }
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  void poll();
  return new Promise((resolve) => {
    child.on('close', (code, sig) => {
      exited = true;
      for (const t of timers) clearTimeout(t);
      resolve({ code: code ?? 128 + (sig !== null ? (SIGNO[sig] ?? 0) : 0), signal: sig, stdout, stderr, exitMs: Date.now() - signalledAt });
    });
  });
}

/** At least `n` actions reported done on the `--json` stream: the transfers are under way. */
export function doneAtLeast(n: number): (stdout: string) => Promise<boolean> {
  return (stdout) => Promise.resolve(stdout.split('"type":"done"').length - 1 >= n);
}

/** A partial download of at least `bytes` sits in `.lsync/tmp/`. */
export function partialOf(c: Collaborator, bytes: number): (stdout: string) => Promise<boolean> {
  return async () => (await partials(c).catch(() => [])).some((n) => n >= bytes);
}

export interface Summary {
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly done: number;
}

export function summaryOf(r: RunResult): Summary {
  const s = Collaborator.json(r).find((e) => e['type'] === 'summary');
  assert.ok(s !== undefined, `no summary in: ${r.stdout.slice(-500)} / ${r.stderr.slice(-500)}`);
  return { bytesSent: Number(s['bytesSent']), bytesReceived: Number(s['bytesReceived']), done: Number(s['done']) };
}

export interface PlannedAction {
  readonly type: string;
  readonly path: string;
  readonly bytes: number;
}

export async function statusActions(c: Collaborator): Promise<PlannedAction[]> {
  const { actions, conflicts } = await status(c);
  assert.deepEqual(conflicts, [], `${c.name}: conflicts after a crash`);
  return actions;
}

export async function status(c: Collaborator): Promise<{ actions: PlannedAction[]; conflicts: string[] }> {
  const r = await c.lsync('status', '--json');
  assert.ok(r.code === 0 || r.code === 3, `status failed (${r.code}): ${r.stderr}`);
  const s = Collaborator.json(r).find((e) => e['type'] === 'status');
  assert.ok(s !== undefined && Array.isArray(s['actions']) && Array.isArray(s['conflicts']), `no status object in ${r.stdout}`);
  const conflicts = (s['conflicts'] as Record<string, unknown>[]).map((x) => String(x['path']));
  const actions = (s['actions'] as Record<string, unknown>[]).map((a) => ({ type: String(a['type']), path: String(a['path']), bytes: Number(a['bytes']) }));
  return { actions, conflicts };
}


/**
 * s3rver writes a PUT body straight into the object, so a client killed mid-PUT leaves a truncated
 * object there (S3, MinIO and moto store a body only once it is complete). lsync then sees a file
 * added on both sides with different content and, rightly, overwrites neither: a conflict. After a
 * kill, such conflicts are accepted only when the object really is a strict prefix of the local
 * file; they are settled the way a user would (`resolve --keep local`) before the checks go on.
 */
export async function settleTornUploads(w: World, c: Collaborator): Promise<void> {
  const { conflicts } = await status(c);
  if (conflicts.length === 0) return;
  assert.equal(w.kind, 's3rver', `${c.name}: conflicts after a crash: ${conflicts.join(', ')}`);
  // s3rver stores a PUT cut by the kill as a torn object, sometimes without its metadata.json,
  // and then fails every CopyObject of it with a 500 (real S3 never stores a torn PUT). Storing
  // the same bytes again gives it the metadata and keeps its ETag (the MD5 of those bytes), so
  // lsync's view of the remote does not change; resolve's copy of the old version then works.
  for (const path of conflicts) {
    const local = await readFile(c.abs(path));
    const remote = await remoteBytes(w, path);
    assert.ok(remote !== undefined && remote.length < local.length && local.subarray(0, remote.length).equals(remote), `${path}: a conflict that is not a truncated upload`);
    await foreignPut(w, { [path]: remote });
  }
  const r = await c.lsync('resolve', ...conflicts, '--keep', 'local');
  assert.equal(r.code, 0, r.stderr);
}

/** Re-run `sync --json` until it exits 0 (at most 3 times); returns the summaries, summed. */
export async function resync(c: Collaborator): Promise<Summary> {
  let sent = 0;
  let received = 0;
  let done = 0;
  const log: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await c.lsync('sync', '--json');
    log.push(`#${i + 1} exit ${r.code}: ${r.stderr.trim()}`);
    if (r.code === 0 || r.code === 1 || r.code === 130) {
      const s = summaryOf(r);
      sent += s.bytesSent;
      received += s.bytesReceived;
      done += s.done;
    }
    if (r.code === 0) return { bytesSent: sent, bytesReceived: received, done };
  }
  assert.fail(`${c.name}: sync did not succeed in 3 runs:\n${log.join('\n')}`);
}

/** Both collaborators sync cleanly, hold the same tree, and plan nothing more. */
export async function assertConverged(a: Collaborator, b: Collaborator, versions: Versions): Promise<void> {
  await resync(b);
  const [ta, tb] = [await hashTree(a.dir), await hashTree(b.dir)];
  versions.assertWhole(ta, a.name);
  assert.deepEqual([...tb], [...ta], `${b.name}'s tree differs from ${a.name}'s`);
  assert.deepEqual(await statusActions(a), [], `${a.name} still plans actions`);
  assert.deepEqual(await statusActions(b), [], `${b.name} still plans actions`);
}

/** Actions that could lose data if the database lied: a crashed push must plan only pushes, a pull only pulls. */
export function assertOnly(actions: readonly PlannedAction[], allowed: readonly string[], who: string): void {
  for (const a of actions) assert.ok(allowed.includes(a.type), `${who}: after the kill, status plans ${a.type} ${a.path}`);
}

/** Files under `.lsync/tmp/` with their sizes (partial downloads). */
export async function partials(c: Collaborator): Promise<number[]> {
  const dir = join(c.dir, '.lsync', 'tmp');
  if (!existsSync(dir)) return [];
  const sizes: number[] = [];
  for (const name of await readdir(dir)) if (name.startsWith('dl-')) sizes.push((await stat(join(dir, name))).size);
  return sizes;
}

export function randomContent(bytes: number): Buffer {
  return randomBytes(bytes);
}
