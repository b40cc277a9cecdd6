/**
 * Ten watchers on one prefix (issue 12, "Speed and cost": "ten watchers on one prefix cost ten
 * small requests per interval, and a change on one reaches the nine others within seconds").
 *
 *     npm run build && node dist/bench/watchers.js [--watchers 10] [--files 1000] [--idle 30] [--changes 10] [--server s3rver|moto] [--json]
 *
 * - setup: `--files` small files pushed by `lsync sync` from the first repository, then `--watchers`
 *   - 1 more repositories of the same prefix, each made by `lsync init` + `lsync sync` (a pull); then
 *   one real `lsync watch --delay 1 --poll 1` process in each, started one after another (each once
 *   the previous one is idle: its time and requests until then are reported). Every repository
 *   reaches the server through its own counting HTTP proxy (test/support/requests.ts), so requests
 *   are told apart by watcher; a file written in the first tree and seen in all others means every
 *   watcher is up.
 * - idle: nothing changes for `--idle` seconds: the requests of all watchers summed, per poll
 *   interval, what they were (method, key, status: a 304 is the feed head unchanged), the listings
 *   among them (of the whole repository, of one path's scope, under .lsync/), and each watcher's CPU (utime + stime from /proc) as a share of one core.
 * - propagation: `--changes` changes (create, edit, rename, delete by turns), each made in another
 *   watcher's tree (the i-th in watcher i mod N), timed until each of the other trees shows it
 *   (every tree checked every 20 ms): per change the first and the last of the others to have it;
 *   over all changes the median and max of "the last one has it".
 * - peak RSS (VmHWM) of each watcher, and the machine's load average at the start and the end.
 *
 * Prints Markdown tables on stdout (`--json`: one JSON object instead); progress on stderr. Exits 1
 * when a change did not reach every other tree within `--timeout` seconds (default 120).
 */
import { type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { countingProxy, type CountingProxy } from '../test/support/requests.js';
import { POLL_S, content, cpuSeconds, nthChange, peakRssMiB, sleep, startWatcher, stopWatchers, tally, timedCli, waitFor, writeSmallFiles } from './lib/live.js';
import { startServer, type Server } from './lib/server.js';
import { log, median, repoRoot } from './lib/util.js';
import type { ServerKind } from './lib/options.js';
import { markdown, type ChangeFigures, type Figures, type IdleFigures, type Options, type StartFigures } from './lib/watchers-report.js';

const USAGE = 'usage: node dist/bench/watchers.js [--watchers N] [--files N] [--idle S] [--changes N] [--server s3rver|moto] [--timeout S] [--json]';

function parse(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      watchers: { type: 'string', default: '10' },
      files: { type: 'string', default: '1000' },
      idle: { type: 'string', default: '30' },
      changes: { type: 'string', default: '10' },
      server: { type: 'string', default: 's3rver' },
      timeout: { type: 'string', default: '120' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const opts = {
    watchers: Number(values.watchers),
    files: Number(values.files),
    idleS: Number(values.idle),
    changes: Number(values.changes),
    timeoutS: Number(values.timeout),
  };
  for (const [name, v] of Object.entries(opts)) {
    if (!Number.isInteger(v) || v < (name === 'files' ? 0 : 1)) throw new Error(`--${name === 'idleS' ? 'idle' : name === 'timeoutS' ? 'timeout' : name} takes a whole number of at least 1 (not ${String(v)}); ${USAGE}`);
  }
  if (opts.watchers < 2) throw new Error(`--watchers takes at least 2 (one to change, one to see it); ${USAGE}`);
  if (values.server !== 's3rver' && values.server !== 'moto') throw new Error(`--server is s3rver or moto (not ${values.server}); ${USAGE}`);
  return { ...opts, server: values.server, json: values.json };
}

/** One repository of the prefix: its folder, its counting proxy, its watcher once started. */
interface Repo {
  readonly dir: string;
  readonly proxy: CountingProxy;
  readonly env: Readonly<Record<string, string>>;
  watcher?: ChildProcess;
}

const PREFIX = 'bench';

/** The first repository pushes the files; every other one is a clone pulled from the prefix. */
async function setUp(server: Server, tmp: string, opts: Options): Promise<Repo[]> {
  const url = `s3://${await server.createBucket()}/${PREFIX}`;
  const repos: Repo[] = [];
  for (let i = 0; i < opts.watchers; i++) {
    const proxy = await countingProxy(server.endpoint);
    const repo: Repo = { dir: join(tmp, `w${i}`), proxy, env: { ...server.env, AWS_ENDPOINT_URL_S3: proxy.endpoint } };
    repos.push(repo);
    await mkdir(repo.dir, { recursive: true });
    await timedCli(repo.dir, ['init', url, '-q'], repo.env);
    if (i === 0) await writeSmallFiles(join(repo.dir, 'data'), opts.files, 'file');
    const ms = await timedCli(repo.dir, ['sync', '-q'], repo.env);
    log(`repository ${i}: ${i === 0 ? 'pushed' : 'pulled'} ${opts.files} files in ${(ms / 1000).toFixed(1)} s`);
  }
  return repos;
}

/**
 * Until the watcher behind `proxy` is idle: its feed head answered 304 (it has polled since its
 * first sync and the batches that followed), then no more than 3 requests in 2 s.
 */
async function settled(proxy: CountingProxy, from: number, timeoutS: number): Promise<void> {
  const polledIdle = async (): Promise<boolean> => proxy.seen.slice(from).some((r) => r.status === 304 && r.path.endsWith('/.lsync/feed/head'));
  await waitFor(polledIdle, 100, timeoutS * 1000);
  await waitFor(
    async () => {
      const n = proxy.seen.length;
      await sleep(2000);
      return proxy.seen.length - n <= 3;
    },
    0,
    timeoutS * 1000,
  );
}

/**
 * One watcher after another, each once the previous one is idle: a watcher's start costs far more
 * than its first sync (on s3rver it syncs again, path by path, every path of the feed's last
 * records; see RESULTS.md), and ten at once overloaded the server (connection timeouts).
 * Every watcher is up once a file written in the first tree is in all others.
 */
async function startAll(repos: Repo[], timeoutS: number): Promise<StartFigures[]> {
  const starts: StartFigures[] = [];
  for (const [i, r] of repos.entries()) {
    const from = r.proxy.seen.length;
    const t0 = performance.now();
    r.watcher = startWatcher(r.dir, r.env, `w${i}`);
    await settled(r.proxy, from, timeoutS);
    const t = tally(r.proxy, from, PREFIX);
    starts.push({ seconds: (performance.now() - t0) / 1000, requests: t.requests, listings: t.listings, fullListings: t.fullListings });
    log(`watcher ${i} idle after ${starts.at(-1)?.seconds.toFixed(1) ?? '?'} s and ${t.requests} requests`);
  }
  const [first, ...others] = repos;
  if (first === undefined) return starts;
  await writeFile(join(first.dir, 'ready.txt'), 'ready');
  for (const r of others) await waitFor(async () => (await content(join(r.dir, 'ready.txt'))) === 'ready', 200, timeoutS * 1000);
  return starts;
}

const pidOf = (r: Repo): number => r.watcher?.pid ?? 0;

async function idle(repos: readonly Repo[], seconds: number): Promise<IdleFigures> {
  const from = repos.map((r) => r.proxy.seen.length);
  const cpu0 = repos.map((r) => cpuSeconds(pidOf(r)));
  await sleep(seconds * 1000);
  const tallies = repos.map((r, i) => tally(r.proxy, from[i] ?? 0, PREFIX));
  const cpu = repos.map((r, i) => cpuSeconds(pidOf(r)) - (cpu0[i] ?? 0));
  const kinds: Record<string, number> = {};
  for (const t of tallies) for (const [k, n] of Object.entries(t.kinds)) kinds[k] = (kinds[k] ?? 0) + n;
  const requests = tallies.reduce((s, t) => s + t.requests, 0);
  return {
    seconds,
    requests,
    perPoll: requests / (seconds / POLL_S),
    listings: tallies.reduce((s, t) => s + t.listings, 0),
    fullListings: tallies.reduce((s, t) => s + t.fullListings, 0),
    bookkeepingListings: tallies.reduce((s, t) => s + t.bookkeepingListings, 0),
    kinds,
    watchers: tallies.map((t, i) => ({ requests: t.requests, cpuPercent: ((cpu[i] ?? 0) / seconds) * 100 })),
  };
}

/** The i-th change made in watcher i mod N's tree, timed until each other tree shows it. */
async function spread(i: number, repos: readonly Repo[], timeoutS: number): Promise<ChangeFigures> {
  const from = i % repos.length;
  const change = nthChange(i);
  const marks = repos.map((r) => r.proxy.seen.length);
  const waiting = new Set(repos.map((_, w) => w).filter((w) => w !== from));
  const arrivals: number[] = [];
  const t0 = performance.now();
  await change.apply(repos[from]?.dir ?? '');
  while (waiting.size > 0 && performance.now() - t0 < timeoutS * 1000) {
    for (const w of [...waiting]) {
      if (!(await change.arrived(repos[w]?.dir ?? ''))) continue;
      arrivals.push(performance.now() - t0);
      waiting.delete(w);
    }
    if (waiting.size > 0) await sleep(20);
  }
  const tallies = repos.map((r, w) => tally(r.proxy, marks[w] ?? 0, PREFIX));
  const listingKinds: Record<string, number> = {};
  for (const t of tallies) for (const [k, n] of Object.entries(t.kinds)) if (k.startsWith('LIST')) listingKinds[k] = (listingKinds[k] ?? 0) + n;
  const missing = [...waiting];
  return {
    kind: change.kind,
    from,
    firstS: (arrivals[0] ?? NaN) / 1000,
    lastS: missing.length > 0 ? NaN : (arrivals.at(-1) ?? NaN) / 1000,
    missing,
    requests: tallies.reduce((s, t) => s + t.requests, 0),
    listings: tallies.reduce((s, t) => s + t.listings, 0),
    fullListings: tallies.reduce((s, t) => s + t.fullListings, 0),
    listingKinds,
  };
}

async function propagation(repos: readonly Repo[], opts: Options): Promise<ChangeFigures[]> {
  const out: ChangeFigures[] = [];
  for (let i = 0; i < opts.changes; i++) {
    const c = await spread(i, repos, opts.timeoutS);
    out.push(c);
    log(`change ${i + 1}/${opts.changes} (${c.kind} in w${c.from}): first ${c.firstS.toFixed(2)} s, last ${c.lastS.toFixed(2)} s${c.missing.length > 0 ? `, never in ${c.missing.map((w) => `w${w}`).join(' ')}` : ''}`);
    // The receivers' batches record what they downloaded; the next change is made in one of them.
    await sleep(1500);
  }
  return out;
}

async function measure(opts: Options, tmp: string): Promise<Figures> {
  const loadStart = loadavg();
  const startedAt = new Date().toISOString();
  const server = await startServer(opts.server, repoRoot(), join(tmp, 'server'));
  let repos: Repo[] = [];
  try {
    const t0 = performance.now();
    repos = await setUp(server, tmp, opts);
    const starts = await startAll(repos, opts.timeoutS);
    const setupS = (performance.now() - t0) / 1000;
    log(`${opts.watchers} watchers up (${setupS.toFixed(1)} s from the start); idle for ${opts.idleS} s`);
    await sleep(3000); // the ready file's own batches finish
    const idleFigures = await idle(repos, opts.idleS);
    log(`idle: ${idleFigures.requests} requests, ${idleFigures.perPoll.toFixed(2)} per poll interval`);
    const changes = await propagation(repos, opts);
    const lasts = changes.map((c) => c.lastS);
    return {
      options: opts,
      server: server.version,
      node: process.version,
      cores: cpus().length,
      loadStart,
      loadEnd: loadavg(),
      startedAt,
      setupS,
      starts,
      idle: idleFigures,
      changes,
      lastMedianS: lasts.some(Number.isNaN) ? NaN : median(lasts),
      lastMaxS: lasts.some(Number.isNaN) ? NaN : Math.max(...lasts),
      firstMedianS: median(changes.map((c) => c.firstS)),
      peakRssMiB: repos.map((r) => peakRssMiB(pidOf(r))),
    };
  } finally {
    await stopWatchers(repos.flatMap((r) => (r.watcher !== undefined ? [r.watcher] : [])));
    for (const r of repos) await r.proxy.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const opts = parse(process.argv.slice(2));
  const tmp = await mkdtemp(join(tmpdir(), 'lsync-bench-watchers-'));
  try {
    const figures = await measure(opts, tmp);
    // JSON has no NaN: a change that never arrived everywhere has "lastS": null.
    console.log(opts.json ? JSON.stringify(figures, null, 2) : markdown(figures));
    if (figures.changes.some((c) => c.missing.length > 0)) process.exitCode = 1;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench/watchers: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
