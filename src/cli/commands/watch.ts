/** `lsync watch [paths..]`: live mode (src/watch/loop.ts). Wiring and option checks only. */
import type { Argv } from 'yargs';
import { EXIT, LsyncError } from '../../core/errors.js';
import { openRepo, toScopes } from '../../app/repo.js';
import { testFsOverride } from '../../app/fsprobe.js';
import type { ConflictPolicy } from '../../state/config.js';
import type { EngineEvent } from '../../exec/events.js';
import { WatchLog } from '../../watch/log.js';
import { watch } from '../../watch/loop.js';
import { defineCommand, type CommandContext } from '../command.js';
import type { GlobalArgs } from '../options.js';

/** Seconds between looks at the change feed when `--poll` is not given (bench/watch.ts measures the idle cost at it). */
export const DEFAULT_POLL_S = 5;

function builder(y: Argv<GlobalArgs>) {
  return y
    .positional('paths', { type: 'string', array: true, describe: 'files or folders to limit the watch to (default: the whole repository)' })
    .option('delay', { type: 'number', default: 2, describe: 'seconds of quiet to wait for before syncing what changed' })
    .option('max-wait', { type: 'number', describe: 'sync at the latest this many seconds after the first change, even if the tree never goes quiet (default: 10 x delay, at least 10)' })
    .option('poll', { type: 'number', default: DEFAULT_POLL_S, describe: "seconds between looks at the remote's change feed (one small request each)" })
    .option('rescan', { type: 'number', default: 600, describe: 'seconds between full rescans of the tree and listings of the remote (catch what events and the feed miss)' })
    .option('conflict', { choices: ['keep-both', 'local', 'remote', 'stop'] as const, describe: "how to settle conflicts nobody is there to answer (default: the config's conflict option, keep-both when that is stop)" })
    .example('lsync watch', 'sync now, then keep syncing every change both ways until Ctrl-C')
    .example('lsync watch docs/ --delay 1 --poll 1', 'just docs/, reacting within about a second')
    .example('lsync watch --json 2>/dev/null | jq .', 'one JSON event per batch, for scripts')
    .epilog('Stops cleanly on SIGINT or SIGTERM (exit 0). The repository lock is held only while a batch runs, so lsync status or sync work beside it. To run it as a service, see the README (systemd user unit).');
}

type WatchArgs = ReturnType<typeof builder> extends Argv<infer T> ? T : never;

function seconds(v: number | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new LsyncError('usage', `--${name} must be a number of seconds, at least ${min} (got ${String(v)})`);
  return Math.round(v * 1000);
}

async function runWatch(args: WatchArgs, ctx: CommandContext): Promise<number> {
  const g = ctx.global;
  if (g.dryRun) throw new LsyncError('usage', 'watch has no --dry-run', 'use `lsync status` to see what a sync would do');
  const delayMs = seconds(args.delay, 'delay', 0.1) ?? 2000;
  const pollMs = seconds(args.poll, 'poll', 0.2) ?? DEFAULT_POLL_S * 1000;
  const rescanMs = seconds(args.rescan, 'rescan', 5) ?? 600_000;
  const maxWaitMs = seconds(args['max-wait'], 'max-wait', 0.1) ?? Math.max(10 * delayMs, 10_000);
  const repo = await openRepo(ctx.io.cwd);
  const paths = (args.paths ?? []).map(String);
  const scopes = toScopes(repo.root, ctx.io.cwd, paths);
  const asked: ConflictPolicy | undefined = args.conflict;
  const conflict: ConflictPolicy = asked ?? (repo.config.conflict === 'stop' ? 'keep-both' : repo.config.conflict);
  const log = new WatchLog(ctx.io.stdout, ctx.io.stderr, g.json, g.quiet);
  const signal = ctx.io.signal ?? new AbortController().signal;
  const fsOverride = testFsOverride(ctx.io.env['LSYNC_TEST_FS']);
  const events = (e: EngineEvent): void => {
    if (e.type === 'warning') log.warn(e.path !== undefined && !e.message.includes(e.path) ? `${e.path}: ${e.message}` : e.message);
    else if (e.type === 'failed') log.warn(`${e.action} ${e.path} failed: ${e.message}`);
    else if (e.type === 'conflict' && conflict === 'stop') log.warn(`conflict: ${e.conflict.path} (left for lsync resolve)`);
    else if (e.type === 'done' && g.verbose) ctx.io.stderr.write(`lsync watch:   ${e.action} ${e.from !== undefined ? `${e.from} -> ` : ''}${e.path}${e.to !== undefined ? ` (local copy kept as ${e.to})` : ''}\n`);
  };
  await watch({
    root: repo.root,
    scopes,
    delayMs,
    pollMs,
    rescanMs,
    maxWaitMs,
    conflict,
    signal,
    log,
    events,
    concurrency: g.concurrency,
    overrides: {
      ...(g.endpoint !== undefined ? { endpoint: g.endpoint } : {}),
      ...(g.region !== undefined ? { region: g.region } : {}),
      ...(g.profile !== undefined ? { profile: g.profile } : {}),
    },
    ...(g.bwlimit !== undefined ? { bwlimit: g.bwlimit } : {}),
    ...(g.links !== undefined ? { links: g.links } : {}),
    ...(fsOverride !== undefined ? { fsOverride } : {}),
  });
  return EXIT.ok;
}

export default defineCommand({
  command: 'watch [paths..]',
  describe: 'live mode: sync, then keep both sides in sync as files change, until stopped',
  builder,
  run: (args, ctx) => runWatch(args, ctx),
});
