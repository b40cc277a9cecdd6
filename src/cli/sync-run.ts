/**
 * status, sync, push, pull and resolve: one use case (app/sync.ts) with different verbs, rendered
 * live or as a plan, once or for every nested repository (--recursive).
 */
import { join, posix, relative, sep } from 'node:path';
import { EXIT, LsyncError } from '../core/errors.js';
import type { KeepPolicy } from '../core/settle.js';
import { runSync, type Verb } from '../app/sync.js';
import { findNested, type NestedScan } from '../app/nested.js';
import { findRepoRoot, openRepo } from '../app/repo.js';
import { testFsOverride } from '../app/fsprobe.js';
import { displayRemote, parseRemoteUrl } from '../remote/open.js';
import type { CommandContext } from './command.js';
import { reportError, worstExit } from './exit.js';
import type { Out } from './io.js';
import { remoteOverrides } from './options.js';
import { ProgressLine, Reporter, asIs, nextJson, planJson, renderPlanText, tagJsonLines, type PathShow } from './render.js';
import type { EngineEvent } from '../exec/events.js';
import { syncAll } from './sync-all.js';

/** What the sync-like commands pass on, whichever of them it is. */
export interface SyncArgs {
  readonly paths?: readonly string[] | undefined;
  readonly force?: boolean | undefined;
  readonly mirror?: boolean | undefined;
  readonly maxDelete?: number | undefined;
  readonly keep?: KeepPolicy | undefined;
  readonly recursive?: boolean | undefined;
  /** push --to / status --remote: a mirror's name. */
  readonly to?: string | undefined;
  /** push --all / sync --all: origin, then every mirror (sync-all.ts). */
  readonly all?: boolean | undefined;
  /** status/sync --use-feed: trust the change feed instead of a full listing while it shows nothing new. */
  readonly useFeed?: boolean | undefined;
}

function checkedMaxDelete(m: number | undefined): number | undefined {
  if (m === undefined) return undefined;
  if (!Number.isInteger(m) || m < 0) throw new LsyncError('usage', '--max-delete must be a whole number of files (0 or more)');
  return m;
}

/**
 * Text output names paths relative to the folder the user stands in (as git does), so a printed
 * path can be pasted into the next command; --json keeps repository-relative paths.
 */
async function pathsFrom(userCwd: string, repoCwd: string): Promise<PathShow> {
  const root = await findRepoRoot(repoCwd);
  if (root === undefined) return asIs;
  const here = relative(root, userCwd).split(sep).join('/');
  // At the root, or above it (a nested repository of --recursive, printed under its own header).
  if (here === '' || here === '..' || here.startsWith('../')) return asIs;
  return (path) => posix.relative(here, path) || '.';
}

/** One repository, one run: the use case, then its rendering. Returns the exit code. */
async function syncOne(verb: Verb, args: SyncArgs, ctx: CommandContext, cwd: string, stdout: Out): Promise<number> {
  const g = ctx.global;
  const show = await pathsFrom(ctx.io.cwd, cwd);
  const reporter = new Reporter(stdout, ctx.io.stderr, { ...g, show });
  const maxDelete = checkedMaxDelete(args.maxDelete);
  const fsOverride = testFsOverride(ctx.io.env['LSYNC_TEST_FS']);
  const planOnly = verb === 'status' || g.dryRun;
  const warnings: string[] = [];
  // status and dry runs print nothing until the plan is whole: on a terminal, the line says which
  // big file the scan is hashing meanwhile (seconds per GiB).
  const scanLine = new ProgressLine(ctx.io.stderr, planOnly && !g.quiet && !g.json, Date.now, show);
  const planEvent = (e: EngineEvent): void => {
    if (e.type === 'hashing') {
      scanLine.model.hashed(e.path, e.bytes, e.size);
      scanLine.draw();
    } else if (e.type === 'warning') {
      warnings.push(e.message);
      scanLine.clear();
      ctx.io.stderr.write(`warning: ${e.message}\n`);
    }
  };
  const outcome = await runSync(
    {
      verb,
      cwd,
      ...(args.to !== undefined ? { remoteName: args.to } : {}),
      paths: [...(args.paths ?? [])],
      force: args.force === true,
      mirror: args.mirror === true,
      dryRun: g.dryRun,
      concurrency: g.concurrency,
      overrides: remoteOverrides(g),
      ...(maxDelete !== undefined ? { maxDelete } : {}),
      ...(args.keep !== undefined ? { keep: args.keep } : {}),
      ...(ctx.io.signal !== undefined ? { signal: ctx.io.signal } : {}),
      ...(g.bwlimit !== undefined ? { bwlimit: g.bwlimit } : {}),
      ...(g.links !== undefined ? { links: g.links } : {}),
      ...(fsOverride !== undefined ? { fsOverride } : {}),
      ...(ctx.io.remoteHook !== undefined ? { remoteHook: ctx.io.remoteHook } : {}),
      ...(args.useFeed !== undefined ? { useFeed: args.useFeed } : {}),
    },
    // status and dry runs render the plan as a whole (stdout: the plan alone, warnings on
    // stderr and, with --json, in the plan's object); runs render as they go.
    planOnly ? planEvent : reporter.event,
  ).finally(() => scanLine.clear());
  if (outcome.listing !== undefined && g.verbose) {
    ctx.io.stderr.write(`lsync: ${outcome.listing.kind === 'base' ? 'remote not listed' : 'remote listed in full'}: ${outcome.listing.reason}\n`);
  }
  // Refused names were left out so the rest could go ahead; the run still fails (exit 1) so that
  // scripts notice that something was not synchronised.
  const namesExit = outcome.names.length > 0 ? EXIT.failed : EXIT.ok;
  if (planOnly) {
    const next = { verb, dryRun: g.dryRun, paths: args.paths ?? [], remoteName: args.to };
    if (g.json) stdout.write(`${JSON.stringify({ type: 'status', dryRun: g.dryRun, ...planJson(outcome), ...nextJson(outcome, next), warnings })}\n`);
    else if (!g.quiet || outcome.conflicts.length > 0 || outcome.names.length > 0) renderPlanText(outcome, stdout, { verbose: g.verbose, show, next });
    if (outcome.plan.refusals.length > 0 && verb !== 'status') return EXIT.failed;
    return worstExit(outcome.conflicts.length > 0 ? EXIT.conflicts : EXIT.ok, namesExit);
  }
  reporter.summary(outcome);
  const r = outcome.result;
  if (r?.interrupted === true) {
    ctx.io.stderr.write('lsync: interrupted; what finished is recorded, the next run completes the rest\n');
    return EXIT.interrupted;
  }
  if (r !== undefined && r.failed > 0) return EXIT.failed;
  if (verb === 'resolve' && outcome.actions.length === 0 && !g.quiet) ctx.io.stderr.write('lsync: no conflicts at the given paths; nothing to resolve\n');
  return worstExit(outcome.conflicts.length > 0 ? EXIT.conflicts : EXIT.ok, namesExit);
}

/** This repository's run: with --all, origin and every mirror. */
function syncRepo(verb: Verb, args: SyncArgs, ctx: CommandContext, cwd: string, stdout: Out): Promise<number> {
  if (args.all === true && (verb === 'push' || verb === 'sync')) return syncAll(verb, args, ctx, cwd, stdout, syncOne);
  return syncOne(verb, args, ctx, cwd, stdout);
}

export async function syncLike(verb: Verb, args: SyncArgs, ctx: CommandContext): Promise<number> {
  if (args.recursive !== true) return syncRepo(verb, args, ctx, ctx.io.cwd, ctx.io.stdout);
  if ((args.paths ?? []).length > 0) {
    // Paths name places in one repository; applying them to the top one only would make
    // `lsync sync docs/ --recursive` quietly sync every nested repository in full.
    throw new LsyncError('usage', '--recursive works on whole repositories: it does not take paths', 'drop the paths, or run lsync without --recursive in the repository that holds them');
  }
  const top = await findRepoRoot(ctx.io.cwd);
  if (top === undefined) return syncRepo(verb, args, ctx, ctx.io.cwd, ctx.io.stdout); // reports "not a repository"
  return syncTree(verb, args, ctx, top, top);
}

/** `--recursive`: this repository, then each nested one (depth first), each on its own. */
async function syncTree(verb: Verb, args: SyncArgs, ctx: CommandContext, top: string, root: string): Promise<number> {
  const g = ctx.global;
  const name = relative(top, root).split(sep).join('/') || '.';
  // Every JSON line of this repository's run names it, whoever writes it (events, summary, error).
  const stdout = g.json ? tagJsonLines(ctx.io.stdout, { repository: name }) : ctx.io.stdout;
  let code: number;
  try {
    const repo = await openRepo(root);
    if (!g.json && !g.quiet) ctx.io.stdout.write(`== ${name} (${displayRemote(parseRemoteUrl(repo.config.remote))})\n`);
    code = await syncRepo(verb, args, ctx, root, stdout);
  } catch (e) {
    // One repository failing (locked, unreachable, corrupt) does not stop the others.
    if (!g.json) ctx.io.stderr.write(`lsync: in ${name}:\n`);
    code = reportError(e, { ...ctx.io, stdout }, g.verbose, g.json);
  }
  if (code === EXIT.interrupted) return code;
  let found: NestedScan;
  try {
    found = await findNested(root, ctx.io.signal);
  } catch (e) {
    return worstExit(code, reportError(e, { ...ctx.io, stdout }, g.verbose, g.json));
  }
  for (const b of found.broken) {
    const message = `${join(name, b)}: has a .lsync/ folder but no .lsync/config.yaml; not a repository, left alone`;
    if (g.json) stdout.write(`${JSON.stringify({ type: 'warning', message })}\n`);
    else ctx.io.stderr.write(`warning: ${message}\n`);
  }
  for (const n of found.repos) {
    code = worstExit(code, await syncTree(verb, args, ctx, top, n.abs));
    if (code === EXIT.interrupted) return code;
  }
  return code;
}
