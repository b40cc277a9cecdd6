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
 * - idle at the default --poll (5 s): B's watcher restarted without `--poll 1`, measured as above
 *   (its repository now holds the burst too).
 */
import { type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerKind } from '../test/support/launch.js';
import { countingProxy, type CountingProxy } from '../test/support/requests.js';
import { POLL_S, content, countFiles, cpuSeconds, nthChange, peakRssMiB, secs, sleep, startWatcher, stopWatchers, tally, timedCli, waitFor, writeSmallFiles } from './lib/live.js';
import { DEFAULT_POLL_S } from '../src/cli/commands/watch.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? fallback;
}

const OPS = Number(option('ops', '24'));
const FILES = Number(option('files', '10000'));
const IDLE_S = Number(option('idle', '30'));
const SERVER = option('server', 's3rver') as ServerKind;
const PREFIX = 'bench';

/** One change on `from`, timed until `to` shows it. */
async function propagate(i: number, from: string, to: string): Promise<number> {
  const change = nthChange(i);
  await change.apply(from);
  return waitFor(() => change.arrived(to));
}

async function propagation(a: string, b: string): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < OPS; i++) {
    const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
    times.push(await propagate(i, from, to));
    await sleep(1500); // let the echo settle before the next change
  }
  const sorted = [...times].sort((x, y) => x - y);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `propagation over ${times.length} changes (create, edit, rename, delete; both ways), --delay 1 --poll ${POLL_S}: median ${secs(at(0.5))} s, p90 ${secs(at(0.9))} s, max ${secs(sorted.at(-1) ?? NaN)} s`;
}

async function idle(pid: number, proxy: CountingProxy, files: number, pollS = POLL_S): Promise<string> {
  const from = proxy.seen.length;
  const cpu0 = cpuSeconds(pid);
  await sleep(IDLE_S * 1000);
  const seen = tally(proxy, from, PREFIX);
  const cpu = cpuSeconds(pid) - cpu0;
  return `idle watcher on ${files} files for ${IDLE_S} s (--poll ${pollS}): ${seen.requests} requests (${(seen.requests / (IDLE_S / pollS)).toFixed(2)} per poll), ${seen.listings + seen.bookkeepingListings} listings, CPU ${((cpu / IDLE_S) * 100).toFixed(2)} % of a core`;
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
    const url = `s3://${await server.createBucket()}/${PREFIX}`;
    const [a, b] = [join(tmp, 'a'), join(tmp, 'b')];
    const envB = { ...server.env, AWS_ENDPOINT_URL_S3: proxy.endpoint };
    for (const [d, env] of [[a, server.env], [b, envB]] as const) {
      await mkdir(d, { recursive: true });
      await timedCli(d, ['init', url, '-q'], env);
    }
    // The plain sync: FILES small files pushed from A, pulled on B (B through the proxy, as its watcher).
    await writeSmallFiles(join(a, 'data'), FILES, 'file');
    const push = await timedCli(a, ['sync', '-q'], server.env);
    const pull = await timedCli(b, ['sync', '-q'], envB);
    say(`plain lsync sync of ${FILES} small files: push ${secs(push)} s, pull ${secs(pull)} s`);

    procs.push(startWatcher(a, server.env, 'A'), startWatcher(b, envB, 'B'));
    const [pa, pb] = procs.map((p) => p.pid ?? 0);
    // Both first syncs (nothing to move) are done once a change goes through.
    await writeFile(join(a, 'ready.txt'), 'ready');
    await waitFor(async () => (await content(join(b, 'ready.txt'))) === 'ready', 500);

    say(await propagation(a, b));
    await sleep(3000);
    say(await idle(pb ?? 0, proxy, FILES));

    const t0 = performance.now();
    await writeSmallFiles(join(a, 'burst'), FILES, 'burst');
    const written = performance.now() - t0;
    const burst = await waitFor(async () => (await countFiles(join(b, 'burst'))) >= FILES, 250, 1_800_000);
    const total = written + burst;
    say(`burst of ${FILES} small files written on A in ${secs(written)} s, all on B ${secs(total)} s after the first write: ${(total / push).toFixed(2)} x the plain push, ${(total / (push + pull)).toFixed(2)} x push + pull`);
    say(`peak RSS: watcher A ${peakRssMiB(pa ?? 0).toFixed(0)} MiB, watcher B ${peakRssMiB(pb ?? 0).toFixed(0)} MiB`);

    // The idle cost again at watch's default --poll (the figures above use --poll 1, five times
    // its request rate): B's watcher restarted with the default, ready once a change from A arrived.
    const watcherB = procs[1];
    if (watcherB !== undefined) await stopWatchers([watcherB]);
    const defaultPoll = startWatcher(b, envB, 'B5', DEFAULT_POLL_S);
    procs.push(defaultPoll);
    await writeFile(join(a, 'ready.txt'), 'again');
    await waitFor(async () => (await content(join(b, 'ready.txt'))) === 'again', 500);
    await sleep(3000);
    say(await idle(defaultPoll.pid ?? 0, proxy, 2 * FILES, DEFAULT_POLL_S));
  } finally {
    await stopWatchers(procs);
    await proxy.close();
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
  console.log(`\n${lines.join('\n')}`);
}

await main();
