/**
 * Live mode figures (issue 12): two `lsync watch` processes on two repositories of one prefix, on
 * a local S3 server.
 *
 *     npm run build && node dist/bench/watch.js [--ops 24] [--files 10000] [--idle 30] [--server s3rver|moto]
 *
 * - plain: `--files` small files pushed by `lsync sync` from A, then pulled by `lsync sync` on B
 *   (the baseline of the burst, same server, same run).
 * - propagation: `--ops` changes (create, edit, rename, delete, by turns on A and on B), each timed
 *   from the change on one side until the other side's tree shows it (checked every 20 ms), with
 *   `--delay 1 --poll 1`: median, 90th percentile and max.
 * - idle: B's watcher on the repository of `--files` files, left alone for `--idle` seconds: the
 *   requests it sends (counted by an HTTP proxy between it and the server) per poll, the listings
 *   among them, and its CPU (utime + stime from /proc) as a share of one core.
 * - burst: `--files` new small files written at once on A, timed until B's tree has all of them;
 *   compared with the plain push and with push + pull.
 * - peak RSS (VmHWM from /proc) of each watcher over the whole run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { request, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startServer, type ServerKind } from '../test/support/servers.js';
import { runCli } from '../test/support/world.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? fallback;
}

const OPS = Number(option('ops', '24'));
const FILES = Number(option('files', '10000'));
const IDLE_S = Number(option('idle', '30'));
const SERVER = option('server', 's3rver') as ServerKind;
const POLL_S = 1;

interface Proxy {
  readonly url: string;
  count(): { all: number; lists: number };
  close(): void;
}

/** A pass-through proxy that counts requests, and the listings among them. */
async function countingProxy(target: string): Promise<Proxy> {
  let all = 0;
  let lists = 0;
  const t = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    all++;
    if (req.method === 'GET' && /[?&]list-type=2/.test(req.url ?? '')) lists++;
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, count: () => ({ all, lists }), close: () => server.close() };
}

function watcher(dir: string, env: Record<string, string>): ChildProcess {
  const args = [join(repoRoot(), 'bin', 'lsync.js'), 'watch', '--delay', '1', '--poll', String(POLL_S), '--quiet'];
  return spawn(process.execPath, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function content(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

async function waitFor(check: () => Promise<boolean>, everyMs = 20, ms = 600_000): Promise<number> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > ms) throw new Error(`change did not arrive within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return performance.now() - t0;
}

function procStat(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
}

/** utime + stime in seconds (clock ticks, 100 per second on Linux). */
function cpuSeconds(pid: number): number {
  const f = procStat(pid);
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Peak resident set (VmHWM), MiB. */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? NaN) / 1024;
}

async function timedCli(dir: string, args: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const r = await runCli(dir, args, env);
  if (r.code !== 0) throw new Error(`lsync ${args.join(' ')} in ${dir}: ${r.stderr}`);
  return performance.now() - t0;
}

async function writeSmallFiles(dir: string, count: number, tag: string): Promise<void> {
  for (let d = 0; d * 100 < count; d++) {
    await mkdir(join(dir, `d${String(d).padStart(3, '0')}`), { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = d * 100; i < Math.min(count, (d + 1) * 100); i++) writes.push(writeFile(join(dir, `d${String(d).padStart(3, '0')}`, `f${String(i).padStart(5, '0')}.txt`), `${tag} ${i}\n`));
    await Promise.all(writes);
  }
}

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

const secs = (ms: number): string => (ms / 1000).toFixed(2);

/** One change on `from`, timed until `to` shows it. */
async function propagate(i: number, from: string, to: string): Promise<number> {
  const n = Math.floor(i / 4);
  switch (i % 4) {
    case 0:
      await writeFile(join(from, `p${n}.txt`), `created ${i}`);
      return waitFor(async () => (await content(join(to, `p${n}.txt`))) === `created ${i}`);
    case 1:
      await writeFile(join(from, `p${n}.txt`), `edited ${i}, longer`);
      return waitFor(async () => (await content(join(to, `p${n}.txt`))) === `edited ${i}, longer`);
    case 2:
      await rename(join(from, `p${n}.txt`), join(from, `q${n}.txt`));
      return waitFor(async () => (await content(join(to, `q${n}.txt`))) !== undefined && (await content(join(to, `p${n}.txt`))) === undefined);
    default:
      await rm(join(from, `q${n}.txt`));
      return waitFor(async () => (await content(join(to, `q${n}.txt`))) === undefined);
  }
}

async function propagation(a: string, b: string): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < OPS; i++) {
    const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
    times.push(await propagate(i, from, to));
    await new Promise((r) => setTimeout(r, 1500)); // let the echo settle before the next change
  }
  const sorted = [...times].sort((x, y) => x - y);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `propagation over ${times.length} changes (create, edit, rename, delete; both ways), --delay 1 --poll ${POLL_S}: median ${secs(at(0.5))} s, p90 ${secs(at(0.9))} s, max ${secs(sorted.at(-1) ?? NaN)} s`;
}

async function idle(pid: number, proxy: Proxy): Promise<string> {
  const before = proxy.count();
  const cpu0 = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const after = proxy.count();
  const cpu = cpuSeconds(pid) - cpu0;
  const requests = after.all - before.all;
  return `idle watcher on ${FILES} files for ${IDLE_S} s (--poll ${POLL_S}): ${requests} requests (${(requests / (IDLE_S / POLL_S)).toFixed(2)} per poll), ${after.lists - before.lists} listings, CPU ${((cpu / IDLE_S) * 100).toFixed(2)} % of a core`;
}

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-bench-watch-'));
  const server = await startServer(SERVER);
  const procs: ChildProcess[] = [];
  const lines: string[] = [`server ${SERVER}, ${FILES} files, node ${process.version}, ${new Date().toISOString()}`];
  const say = (line: string): void => {
    lines.push(line);
    console.log(line);
  };
  const proxy = await countingProxy(server.endpoint);
  try {
    const url = `s3://${await server.createBucket()}/bench`;
    const [a, b] = [join(tmp, 'a'), join(tmp, 'b')];
    const envB = { ...server.env, AWS_ENDPOINT_URL_S3: proxy.url };
    for (const [d, env] of [[a, server.env], [b, envB]] as const) {
      await mkdir(d, { recursive: true });
      await timedCli(d, ['init', url, '-q'], env);
    }
    // The plain sync: FILES small files pushed from A, pulled on B (B through the proxy, as its watcher).
    await writeSmallFiles(join(a, 'data'), FILES, 'file');
    const push = await timedCli(a, ['sync', '-q'], server.env);
    const pull = await timedCli(b, ['sync', '-q'], envB);
    say(`plain lsync sync of ${FILES} small files: push ${secs(push)} s, pull ${secs(pull)} s`);

    procs.push(watcher(a, server.env), watcher(b, envB));
    const [pa, pb] = procs.map((p) => p.pid ?? 0);
    // Both first syncs (nothing to move) are done once a change goes through.
    await writeFile(join(a, 'ready.txt'), 'ready');
    await waitFor(async () => (await content(join(b, 'ready.txt'))) === 'ready', 500);

    say(await propagation(a, b));
    await new Promise((r) => setTimeout(r, 3000));
    say(await idle(pb ?? 0, proxy));

    const t0 = performance.now();
    await writeSmallFiles(join(a, 'burst'), FILES, 'burst');
    const written = performance.now() - t0;
    const burst = await waitFor(async () => (await countFiles(join(b, 'burst'))) >= FILES, 250, 1_800_000);
    const total = written + burst;
    say(`burst of ${FILES} small files written on A in ${secs(written)} s, all on B ${secs(total)} s after the first write: ${(total / push).toFixed(2)} x the plain push, ${(total / (push + pull)).toFixed(2)} x push + pull`);
    say(`peak RSS: watcher A ${peakRssMiB(pa ?? 0).toFixed(0)} MiB, watcher B ${peakRssMiB(pb ?? 0).toFixed(0)} MiB`);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 2000));
    proxy.close();
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
  console.log(`\n${lines.join('\n')}`);
}

await main();
