/**
 * The verbs. Each entry is the yargs wiring (options, examples) plus a handler that calls one use
 * case in src/app and renders its outcome; no logic of its own.
 */
import type { Argv } from 'yargs';
import { EXIT, LsyncError } from '../core/errors.js';
import type { KeepPolicy } from '../core/settle.js';
import { runInit } from '../app/init.js';
import { runSync, type Verb } from '../app/sync.js';
import { reportError, type CommandContext, type Handler } from './main.js';
import { formatBytes, planJson, renderPlanText, Reporter, tagJsonLines, type Out } from './render.js';
import { findNested, type NestedScan } from '../app/nested.js';
import { findRepoRoot, openRepo } from '../app/repo.js';
import { testFsOverride } from '../app/fsprobe.js';
import { displayRemote, parseRemoteUrl } from '../remote/open.js';
import { join, relative, sep } from 'node:path';

export interface CommandDef {
  readonly command: string;
  readonly describe: string;
  readonly builder: (y: Argv) => Argv;
  readonly handler: Handler;
}

function overrides(ctx: CommandContext): { endpoint?: string; region?: string; profile?: string } {
  const g = ctx.global;
  return {
    ...(g.endpoint !== undefined ? { endpoint: g.endpoint } : {}),
    ...(g.region !== undefined ? { region: g.region } : {}),
    ...(g.profile !== undefined ? { profile: g.profile } : {}),
  };
}

function paths(args: Record<string, unknown>): string[] {
  const p = args['paths'];
  return Array.isArray(p) ? p.map(String) : [];
}

function maxDeleteOf(args: Record<string, unknown>): number | undefined {
  const m = args['max-delete'];
  if (m === undefined) return undefined;
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 0) throw new LsyncError('usage', '--max-delete must be a whole number of files (0 or more)');
  return m;
}

/**
 * How bad an exit code is, for `--recursive` (the worst one wins): conflicts are the mildest (the
 * run finished), then run-time failures (including refused names), then usage and repository
 * problems, and an interrupt beats everything (nothing after it ran).
 */
const SEVERITY: Record<number, number> = { [EXIT.ok]: 0, [EXIT.conflicts]: 1, [EXIT.failed]: 2, [EXIT.usage]: 3, [EXIT.interrupted]: 4 };

export function worstExit(a: number, b: number): number {
  return (SEVERITY[b] ?? 2) > (SEVERITY[a] ?? 2) ? b : a;
}

/** One repository, one run: the use case, then its rendering. Returns the exit code. */
async function syncOne(verb: Verb, args: Record<string, unknown>, ctx: CommandContext, cwd: string, stdout: Out): Promise<number> {
  const g = ctx.global;
  const reporter = new Reporter(stdout, ctx.io.stderr, g);
  const keep = args['keep'] as KeepPolicy | undefined;
  const maxDelete = maxDeleteOf(args);
  const fsOverride = testFsOverride(ctx.io.env['LSYNC_TEST_FS']);
  const outcome = await runSync(
    {
      verb,
      cwd,
      paths: paths(args),
      force: args['force'] === true,
      mirror: args['mirror'] === true,
      dryRun: g.dryRun,
      concurrency: g.concurrency,
      overrides: overrides(ctx),
      ...(maxDelete !== undefined ? { maxDelete } : {}),
      ...(keep !== undefined ? { keep } : {}),
      ...(ctx.io.signal !== undefined ? { signal: ctx.io.signal } : {}),
      ...(g.bwlimit !== undefined ? { bwlimit: g.bwlimit } : {}),
      ...(g.links !== undefined ? { links: g.links } : {}),
      ...(fsOverride !== undefined ? { fsOverride } : {}),
    },
    // status and dry runs render the plan as a whole; runs render as they go.
    verb === 'status' || g.dryRun ? (e) => { if (e.type === 'warning') reporter.warn(e.message); } : reporter.event,
  );
  // Refused names were left out so the rest could go ahead; the run still fails (exit 1) so that
  // scripts notice that something was not synchronised.
  const namesExit = outcome.names.length > 0 ? EXIT.failed : EXIT.ok;
  if (verb === 'status' || g.dryRun) {
    if (g.json) stdout.write(`${JSON.stringify({ type: 'status', dryRun: g.dryRun, ...planJson(outcome) })}\n`);
    else if (!g.quiet || outcome.conflicts.length > 0 || outcome.names.length > 0) renderPlanText(outcome, stdout, g.verbose);
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
  if (verb === 'resolve') {
    const inScope = outcome.actions.length;
    if (inScope === 0 && !g.quiet) ctx.io.stderr.write('lsync: no conflicts at the given paths; nothing to resolve\n');
  }
  return worstExit(outcome.conflicts.length > 0 ? EXIT.conflicts : EXIT.ok, namesExit);
}

async function syncLike(verb: Verb, args: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  if (args['recursive'] !== true) return syncOne(verb, args, ctx, ctx.io.cwd, ctx.io.stdout);
  if (paths(args).length > 0) {
    // Paths name places in one repository; applying them to the top one only would make
    // `lsync sync docs/ --recursive` quietly sync every nested repository in full.
    throw new LsyncError('usage', '--recursive works on whole repositories: it does not take paths', 'drop the paths, or run lsync without --recursive in the repository that holds them');
  }
  const top = await findRepoRoot(ctx.io.cwd);
  if (top === undefined) return syncOne(verb, args, ctx, ctx.io.cwd, ctx.io.stdout); // reports "not a repository"
  return syncTree(verb, args, ctx, top, top);
}

/** `--recursive`: this repository, then each nested one (depth first), each on its own. */
async function syncTree(verb: Verb, args: Record<string, unknown>, ctx: CommandContext, top: string, root: string): Promise<number> {
  const g = ctx.global;
  const name = relative(top, root).split(sep).join('/') || '.';
  // Every JSON line of this repository's run names it, whoever writes it (events, summary, error).
  const stdout = g.json ? tagJsonLines(ctx.io.stdout, { repository: name }) : ctx.io.stdout;
  let code: number;
  try {
    const repo = await openRepo(root);
    if (!g.json && !g.quiet) ctx.io.stdout.write(`== ${name} (${displayRemote(parseRemoteUrl(repo.config.remote))})\n`);
    code = await syncOne(verb, args, ctx, root, stdout);
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

const pathsArg = (y: Argv): Argv =>
  y.positional('paths', { type: 'string', array: true, describe: 'files or folders to limit the work to (relative to the current directory)' });

const recursiveArg = (y: Argv): Argv =>
  y.option('recursive', {
    alias: 'r',
    type: 'boolean',
    default: false,
    describe: 'then do the same in each nested repository (subfolders with their own .lsync/), each with its own remote',
  });

const transferOptions = (y: Argv, side: 'local' | 'remote'): Argv =>
  pathsArg(y)
    .option('force', { type: 'boolean', default: false, describe: `${side} wins for the given paths, even where the other side changed` })
    .option('mirror', { type: 'boolean', default: false, describe: `make the ${side === 'local' ? 'remote' : 'local tree'} exactly the ${side === 'local' ? 'local tree' : 'remote'} (deletes extras there)` })
    .option('max-delete', { type: 'number', describe: 'allow up to this many deletions (default: refuse when a run would delete more than half of the files, once over 10)' });

export const commands: readonly CommandDef[] = [
  {
    command: 'init <remote> [dir]',
    describe: 'create a repository bound to a remote (s3://bucket/prefix, bucket/prefix, file:///dir)',
    builder: (y) =>
      y
        .positional('remote', { type: 'string', describe: 's3://bucket/prefix, bucket, bucket/prefix or file:///abs/dir' })
        .positional('dir', { type: 'string', default: '.', describe: 'the folder to make a repository (default: .)' })
        .option('create-bucket', { type: 'boolean', default: false, describe: 'create the bucket (or directory) when it does not exist' })
        .option('force', { type: 'boolean', default: false, describe: 'initialise even inside an existing repository, or re-bind this one' })
        .example('lsync init s3://team-docs/projects/apollo', 'bind the current folder to a bucket prefix')
        .example('lsync init team-docs ~/docs --endpoint http://127.0.0.1:9000', 'an S3-compatible service (MinIO, Ceph, ...)')
        .example('lsync init file:///mnt/nas/docs', 'a plain directory: a NAS, a USB disk, or a trial without a cloud account'),
    handler: async (args, ctx) => {
      const r = await runInit({
        remote: String(args['remote']),
        dir: String(args['dir'] ?? '.'),
        cwd: ctx.io.cwd,
        createBucket: args['create-bucket'] === true,
        force: args['force'] === true,
        overrides: overrides(ctx),
        concurrency: ctx.global.concurrency,
      });
      if (ctx.global.json) ctx.io.stdout.write(`${JSON.stringify({ type: 'init', ...r })}\n`);
      else if (!ctx.global.quiet) {
        const found = r.objects === 0 ? 'the remote is empty' : `the remote holds ${r.objects} object(s), ${formatBytes(r.bytes)}`;
        ctx.io.stdout.write(
          `Initialised lsync repository in ${r.root}\n` +
            `Remote: ${r.remote}${r.createdBucket ? ' (created)' : ''}; ${found}\n` +
            `Conditional writes: ${r.conditionalWrites ? 'yes' : 'no (lsync re-checks before each write)'}; versioning: ${r.versioning ? 'on' : 'off'}\n` +
            `Next: lsync status to see what a sync would do, then lsync sync.\n`,
        );
      }
      return EXIT.ok;
    },
  },
  {
    command: 'status [paths..]',
    describe: 'show what a sync would do, in both directions, and the conflicts (transfers nothing)',
    builder: (y) =>
      recursiveArg(pathsArg(y))
        .example('lsync status', 'the whole repository')
        .example('lsync status docs/ notes.txt', 'just these paths')
        .example('lsync status --json', 'the plan as JSON for scripts')
        .epilog('Exit code 3 when conflicts exist, 0 otherwise.'),
    handler: (args, ctx) => syncLike('status', args, ctx),
  },
  {
    command: 'sync [paths..]',
    describe: 'pull, then push: both sides end up with every non-conflicting change',
    builder: (y) =>
      recursiveArg(pathsArg(y))
        .option('max-delete', { type: 'number', describe: 'allow up to this many deletions (default: refuse when a run would delete more than half of the files, once over 10)' })
        .example('lsync sync', 'everything')
        .example('lsync sync reports/ --dry-run', 'show what would happen under reports/')
        .example('lsync sync --recursive', 'this repository, then every repository nested in it')
        .epilog('Conflicts (both sides changed differently) are never overwritten: they are reported, everything else is synced, and the exit code is 3.'),
    handler: (args, ctx) => syncLike('sync', args, ctx),
  },
  {
    command: 'push [paths..]',
    describe: 'send local changes to the remote',
    builder: (y) =>
      recursiveArg(transferOptions(y, 'local'))
        .example('lsync push', 'send every local change')
        .example('lsync push report.pdf --force', 'overwrite the remote copy even though a collaborator changed it')
        .example('lsync push --mirror', 'make the remote exactly the local tree'),
    handler: (args, ctx) => syncLike('push', args, ctx),
  },
  {
    command: 'pull [paths..]',
    describe: 'take remote changes into the local tree',
    builder: (y) =>
      recursiveArg(transferOptions(y, 'remote'))
        .example('lsync pull', 'take every remote change')
        .example('lsync pull data/ --force', 'make data/ match the remote, discarding local edits (kept in .lsync/trash/)'),
    handler: (args, ctx) => syncLike('pull', args, ctx),
  },
  {
    command: 'resolve <paths..>',
    describe: 'settle conflicts: keep the local version, the remote one, or both',
    builder: (y) =>
      pathsArg(y)
        .option('keep', { choices: ['local', 'remote', 'both'] as const, demandOption: true, describe: 'which version wins; both keeps the local one under a conflict name' })
        .example('lsync resolve notes.txt --keep local', 'your version replaces the remote one')
        .example('lsync resolve notes.txt --keep remote', 'the remote version replaces yours (yours goes to .lsync/trash/)')
        .example('lsync resolve docs/ --keep both', 'each local version is renamed to <stem>.conflict-<host>-<time><ext> and both are synced'),
    handler: (args, ctx) => syncLike('resolve', args, ctx),
  },
];
