/**
 * End-to-end benchmark: whole processes of lsync next to `aws s3 sync`, `rclone` and `s3cmd sync`, against the
 * same local S3 server (s3rver, or moto with `--server moto`) and the same seeded data on tmpfs.
 *
 *     npx tsc -p . && node dist/bench/run.js [--quick] [--runs N] [--server s3rver|moto]
 *                                         [--tools lsync,aws,rclone,s3cmd,raw] [--out FILE] [--profile] [--keep] [--skip-big]
 *                                         [--large [N]]
 *
 * Writes a Markdown report (bench/RESULTS.md; bench/RESULTS-quick.md with --quick). See
 * bench/README.md for what each case means.
 *
 * The same file also holds the "raw SDK" worker (`--worker raw-put|raw-get|raw-put-big|raw-get-big`),
 * run as its own process so that it is timed like every other tool: the minimum a client of
 * @aws-sdk/client-s3 needs to move the same bytes at 16 requests in flight.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KiB, MiB, children, killGroup, log, repoRoot, which } from './lib/util.js';
import { md5File, writeBigFile, writeSmallDataset } from './lib/data.js';
import { rawWorker } from './lib/raw-worker.js';
import { parseOptions, usage } from './lib/options.js';
import { adminClient, startServer } from './lib/server.js';
import { Absent, Ctx, Tool, awsTool, baseEnv, lsyncTool, rawTool, rcloneTool, s3cmdTool, writeToolConfigs } from './lib/tools.js';
import { State, expected, copyTree, runLarge, runTool } from './lib/cases.js';
import { summariseProfile } from './lib/profile.js';
import { machineInfo, report } from './lib/report.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') {
    const [, mode, endpoint, bucket, prefix, dir] = argv;
    if (mode === undefined || endpoint === undefined || bucket === undefined || prefix === undefined || dir === undefined) usage();
    await rawWorker(mode, { endpoint, bucket, prefix, dir });
    return;
  }
  const root = repoRoot();
  const opts = parseOptions(argv, root);
  if (!existsSync(join(root, 'dist/src/cli/main.js'))) throw new Error('build first: npx tsc -p .');
  const started = new Date();
  const t0 = Date.now();
  const work = join('/dev/shm', `lsync-bench-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  log(`work folder ${work}${opts.quick ? ' (quick mode)' : ''}`);

  // Tools
  const tools: Tool[] = [];
  const absent: Absent[] = [];
  for (const name of opts.tools) {
    const t =
      name === 'lsync' ? lsyncTool(root) : name === 'aws' ? awsTool() : name === 'rclone' ? rcloneTool() : name === 's3cmd' ? s3cmdTool() : rawTool();
    if ('why' in t) {
      absent.push(t);
      log(`skipping ${t.name}: ${t.why}`);
    } else tools.push(t);
  }
  if (opts.server === 'moto' && which('moto_server') === undefined) throw new Error('--server moto: moto_server not on PATH');

  // Data
  const dataSmall = join(work, 'data', 'small');
  const bigDir = join(work, 'data', 'big');
  await mkdir(dataSmall, { recursive: true });
  await mkdir(bigDir, { recursive: true });
  log(`generating ${opts.smallCount} × ${opts.smallSize / KiB} KiB and one ${opts.bigSize / MiB} MiB file`);
  if (opts.small) await writeSmallDataset(dataSmall, opts.smallCount, opts.smallSize);
  const bigFile = join(bigDir, 'big.bin');
  if (opts.big) {
    await writeBigFile(bigFile, opts.bigSize);
    expected.bigMd5 = await md5File(bigFile);
  }

  const server = await startServer(opts.server, root, join(work, 'server'));
  log(`${server.version} on ${server.endpoint}`);
  const admin = await adminClient(server);
  const ctx: Ctx = { root, server, work, opts, baseEnv: baseEnv(server, join(work, 'home')) };
  await mkdir(join(work, 'home'), { recursive: true });
  await writeToolConfigs(ctx);

  const command = `node dist/bench/run.js ${argv.join(' ')}`.trim();
  const machine = machineInfo(server, tools, absent);
  const state: State = { samples: [], initSeconds: [], failures: [], profiles: [], large: [] };
  const write = async (runsDone: number): Promise<void> => {
    await writeFile(opts.out, report(opts, command, machine, tools, state, runsDone, started, (Date.now() - t0) / 1000));
  };
  try {
    for (let run = 1; run <= opts.runs; run++) {
      log(`run ${run} of ${opts.runs}`);
      const order = tools.map((_, i) => tools[(i + run - 1) % tools.length]).filter((t): t is Tool => t !== undefined);
      for (const phase of ['small', 'big'] as const) for (const tool of order) await runTool(tool, run, ctx, admin, dataSmall, bigFile, state, phase);
      await write(run);
    }
    if (opts.large > 0) {
      await runLarge(ctx, admin, tools, state);
      await write(opts.runs);
    }
    if (opts.profile) {
      const dir = join(work, 'profiles');
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
      const keepDir = join(root, 'dist', 'bench-profiles');
      await mkdir(keepDir, { recursive: true });
      for (const f of files.sort()) {
        const dest = join(keepDir, f);
        await rm(dest, { force: true });
        copyTree(join(dir, f), dest);
        state.profiles.push(summariseProfile(dest, root));
      }
      if (files.length > 0) log(`profiles copied to ${keepDir}`);
      await write(opts.runs);
    }
  } finally {
    admin.destroy();
    await server.stop();
    if (!opts.keep) await rm(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
  log(`wrote ${opts.out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  for (const c of children) killGroup(c, 'SIGKILL');
  process.exit(1);
});
