/**
 * Watchers as real processes (`bin/lsync.js watch`) in a scenario world, and waiting for a
 * condition with a deadline (a watcher's speed is measured by bench/watch.ts, not asserted here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Collaborator } from '../support/world.js';
import { repoRoot } from '../support/servers.js';

export interface RunningWatcher {
  readonly child: ChildProcess;
  /** stderr so far (log lines). */
  log(): string;
  /** SIGTERM, then the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export function startWatcher(c: Collaborator, env: Readonly<Record<string, string>>, ...args: string[]): RunningWatcher {
  const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'lsync.js'), 'watch', ...args], {
    cwd: c.dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    log: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      live.delete(child);
      // A watcher that fell back to rescans would still pass most tests, slowly: the CLI as shipped
      // (the bundle, run by bin/lsync.js) must load the native watcher.
      if (err.includes('the file watcher could not be loaded')) throw new Error(`the watcher ran without file events:\n${err}`);
      return code;
    },
  };
}

/**
 * Resolves once `check` returns true; fails with `what` (and the watchers' logs) after `ms`. A check
 * that throws counts as "not yet": a watcher writing its tree at the same moment can remove a file
 * between a test's readdir and its read (the last such error is in the timeout message).
 */
export async function until(what: string, check: () => Promise<boolean> | boolean, ms: number, logs: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  let lastError = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}${lastError !== '' ? ` (last check failed: ${lastError})` : ''}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
