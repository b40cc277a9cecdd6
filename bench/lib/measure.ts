/** Timed processes: wall time, CPU and peak memory of one command. */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { children, killGroup } from './util.js';

export interface Cmd {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

export interface Measured {
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Peak RSS in KiB: from /usr/bin/time -v, or VmHWM polled from /proc. */
  readonly rssKiB: number | undefined;
  /** User + system CPU seconds of the process (from /usr/bin/time -v): steadier than wall time on a busy machine. */
  readonly cpuS: number | undefined;
  readonly logTail: string;
}

export const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export async function readVmHWM(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function measure(cmd: Cmd, logFile: string, timeoutS: number): Promise<Measured> {
  await mkdir(dirname(logFile), { recursive: true });
  const timeFile = `${logFile}.time`;
  const argv = TIME_BIN !== undefined ? [TIME_BIN, '-v', '-o', timeFile, ...cmd.argv] : [...cmd.argv];
  const fd = openSync(logFile, 'w');
  const [file, ...rest] = argv;
  if (file === undefined) throw new Error('empty command');
  const start = process.hrtime.bigint();
  const child = spawn(file, rest, { cwd: cmd.cwd, env: { ...cmd.env }, stdio: ['ignore', fd, fd], detached: true });
  children.add(child);
  let polledHWM: number | undefined;
  const poller =
    TIME_BIN === undefined && child.pid !== undefined
      ? setInterval(() => {
          const pid = child.pid;
          if (pid === undefined) return;
          void readVmHWM(pid).then((v) => {
            if (v !== undefined) polledHWM = Math.max(polledHWM ?? 0, v);
          });
        }, 50)
      : undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, timeoutS * 1000);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearTimeout(timer);
  if (poller !== undefined) clearInterval(poller);
  children.delete(child);
  closeSync(fd);
  let rssKiB = polledHWM;
  let cpuS: number | undefined;
  if (TIME_BIN !== undefined && existsSync(timeFile)) {
    const timeOut = await readFile(timeFile, 'utf8');
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeOut);
    if (m?.[1] !== undefined) rssKiB = Number(m[1]);
    const user = /User time \(seconds\): ([\d.]+)/.exec(timeOut)?.[1];
    const sys = /System time \(seconds\): ([\d.]+)/.exec(timeOut)?.[1];
    if (user !== undefined && sys !== undefined) cpuS = Number(user) + Number(sys);
  }
  let logTail = '';
  try {
    logTail = (await readFile(logFile, 'utf8')).slice(-1500);
  } catch {
    // no log
  }
  return { seconds, exitCode, timedOut, rssKiB, cpuS, logTail };
}
