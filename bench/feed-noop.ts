/**
 * A manual no-op `lsync sync` of a large repository with the change feed allowed (`--use-feed`:
 * a conditional GET of the feed head, answered 304, instead of the listing) against the same
 * no-op with the full listing (`--no-use-feed`), on the same server in the same run, alternated;
 * and with the floor under both (bench/noop-floor.ts: a bare Node process that only reads the
 * index and lstats every file).
 *
 *     npm run build && node dist/bench/feed-noop.js [--files 10000] [--runs 5] [--server s3rver|moto]
 *
 * Prints a Markdown section for bench/RESULTS.md on stdout; progress on stderr.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { listFiles, writeSmallDataset } from './lib/data.js';
import { adminClient, startServer } from './lib/server.js';
import { KiB, log, median, repoRoot } from './lib/util.js';
import type { ServerKind } from './lib/options.js';

interface Options {
  readonly files: number;
  readonly runs: number;
  readonly server: ServerKind;
}

function parse(argv: readonly string[]): Options {
  let files = 10_000;
  let runs = 5;
  let server: ServerKind = 's3rver';
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--files' && value !== undefined) files = Number(argv[++i]);
    else if (argv[i] === '--runs' && value !== undefined) runs = Number(argv[++i]);
    else if (argv[i] === '--server' && (value === 's3rver' || value === 'moto')) server = argv[++i] as ServerKind;
    else throw new Error(`usage: node dist/bench/feed-noop.js [--files N] [--runs N] [--server s3rver|moto] (not ${argv[i] ?? ''})`);
  }
  if (!(files > 0) || !(runs > 0)) throw new Error('--files and --runs take positive numbers');
  return { files, runs, server };
}

interface Ran {
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The summary's `listing.kind` (`--json`): 'base' when the feed stood in for the listing. */
function listingOf(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.includes('"type":"summary"')) continue;
    const summary = JSON.parse(line) as { listing?: { kind?: string } };
    return summary.listing?.kind;
  }
  throw new Error(`no summary in: ${stdout}`);
}

/** One lsync process, timed from spawn to exit; fails on a non-zero exit. */
function lsync(cwd: string, env: NodeJS.ProcessEnv, args: readonly string[]): Promise<Ran> {
  return node(cwd, env, [join(repoRoot(), 'bin', 'lsync.js'), ...args]);
}

/** One Node process, timed from spawn to exit; fails on a non-zero exit. */
function node(cwd: string, env: NodeJS.ProcessEnv, args: readonly string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new Error(`${args.join(' ')} exited ${String(code)}: ${stderr.trim()}`));
    });
  });
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const root = repoRoot();
  const work = join('/dev/shm', `lsync-feed-bench-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  const repo = join(work, 'repo');
  await mkdir(repo, { recursive: true });
  await mkdir(join(work, 'home'), { recursive: true });
  const server = await startServer(o.server, root, join(work, 'server'));
  try {
    const admin = await adminClient(server);
    const bucket = 'feed-bench';
    await admin.createBucket(bucket);
    log(`${server.version}: ${o.files} files of 1 KiB`);
    await writeSmallDataset(repo, o.files, KiB);
    // Seeded straight into the bucket (faster than a push); the first sync records them as equal.
    await admin.putMany(bucket, 'p/', repo, await listFiles(repo));
    admin.destroy();
    const env = { ...process.env, ...server.env, HOME: join(work, 'home') };
    await lsync(repo, env, ['init', `s3://${bucket}/p`]);
    await lsync(repo, env, ['sync']);
    // A change through lsync starts the change feed; then one full listing establishes the claim.
    await writeFile(join(repo, 'seed.txt'), 'feed');
    await lsync(repo, env, ['sync']);
    await lsync(repo, env, ['sync', '--use-feed']);
    const full: number[] = [];
    const feed: number[] = [];
    const floor: number[] = [];
    const floorScript = join(root, 'dist', 'bench', 'noop-floor.js');
    for (let i = 0; i < o.runs; i++) {
      const f = await lsync(repo, env, ['sync', '--no-use-feed', '--json']);
      if (listingOf(f.stdout) !== undefined) throw new Error(`the run without the feed says how it listed: ${f.stdout.trim()}`);
      full.push(f.ms);
      // --json says how the remote was read (not --verbose: it loads the source maps, a start-up
      // cost the other run does not pay).
      const r = await lsync(repo, env, ['sync', '--use-feed', '--json']);
      if (listingOf(r.stdout) !== 'base') throw new Error(`the run with the feed listed the remote: ${r.stdout.trim()} ${r.stderr.trim()}`);
      feed.push(r.ms);
      const b = await node(repo, env, [floorScript, repo]);
      if (!b.stdout.startsWith(`${o.files + 1} files, 0 changed`)) throw new Error(`the floor run saw another tree: ${b.stdout.trim()}`);
      floor.push(b.ms);
      log(`run ${i + 1}: full listing ${full[i]?.toFixed(0)} ms, feed ${r.ms.toFixed(0)} ms, floor ${b.ms.toFixed(0)} ms`);
    }
    const mf = median(full);
    const md = median(feed);
    const mb = median(floor);
    const command = `node dist/bench/feed-noop.js --files ${o.files} --runs ${o.runs} --server ${o.server}`;
    process.stdout.write(
      [
        `### No-op sync of ${o.files.toLocaleString('en')} files: change feed vs full listing (${server.version}, ${new Date().toISOString().slice(0, 16)}Z)`,
        '',
        `\`${command}\` (whole processes, alternated, median of ${o.runs}):`,
        '',
        '| no-op `lsync sync` | median | runs (ms) |',
        '|---|---|---|',
        `| full listing (\`--no-use-feed\`) | ${mf.toFixed(0)} ms | ${full.map((x) => x.toFixed(0)).join(', ')} |`,
        `| change feed (\`--use-feed\`: head answered 304, no listing) | ${md.toFixed(0)} ms | ${feed.map((x) => x.toFixed(0)).join(', ')} |`,
        `| floor: bare \`node\` reading the index and lstat-ing every file (bench/noop-floor.ts) | ${mb.toFixed(0)} ms | ${floor.map((x) => x.toFixed(0)).join(', ')} |`,
        '',
        `The feed run takes ${((md / mf) * 100).toFixed(0)} % of the full listing's time; the floor, ${((mb / mf) * 100).toFixed(0)} %.`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
