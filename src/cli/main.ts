/**
 * The command line: yargs wiring for every verb, and the one place where errors become exit codes.
 * `main(argv, io)` returns the exit code and never calls process.exit, so tests run it in-process.
 */
import yargs, { type Argv } from 'yargs';
import { EXIT, LsyncError } from '../core/errors.js';
import { RemoteError } from '../remote/remote.js';
import { parseRate } from '../remote/wrap/bwlimit.js';
import { commands } from './commands.js';
import type { Out } from './render.js';

export interface Io {
  readonly stdout: Out;
  readonly stderr: Out;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on the first Ctrl-C: the run stops taking new work and saves its state. */
  readonly signal?: AbortSignal;
}

export interface GlobalOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly yes: boolean;
  /** --bwlimit in bytes per second. */
  readonly bwlimit?: number;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  /** --links / --no-links; undefined = the repository's `links` option. */
  readonly links?: boolean;
}

/** What a command handler gets: its parsed options and the world. */
export interface CommandContext {
  readonly io: Io;
  readonly global: GlobalOptions;
}

export type Handler = (args: Record<string, unknown>, ctx: CommandContext) => Promise<number>;

function globalOptions(args: Record<string, unknown>): GlobalOptions {
  const str = (k: string): string | undefined => (typeof args[k] === 'string' && args[k] !== '' ? (args[k] as string) : undefined);
  const endpoint = str('endpoint');
  const region = str('region');
  const profile = str('profile');
  const c = args['concurrency'];
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 1024) {
    throw new LsyncError('usage', `--concurrency must be a whole number from 1 to 1024 (got ${String(c)})`);
  }
  let bwlimit: number | undefined;
  if (typeof args['bwlimit'] === 'string') {
    try {
      bwlimit = parseRate(args['bwlimit']);
    } catch (e) {
      throw new LsyncError('usage', `--bwlimit: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return {
    ...(bwlimit !== undefined ? { bwlimit } : {}),
    json: args['json'] === true,
    quiet: args['quiet'] === true,
    verbose: args['verbose'] === true,
    dryRun: args['dry-run'] === true,
    concurrency: c,
    yes: args['yes'] === true,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(typeof args['links'] === 'boolean' ? { links: args['links'] } : {}),
  };
}

/** Maps any error to a one-line message and an exit code; a stack trace only with --verbose. */
export function reportError(e: unknown, io: Io, verbose: boolean, json: boolean): number {
  let code: number;
  let message: string;
  let hint: string | undefined;
  if (io.signal?.aborted === true && e instanceof Error && e.name === 'AbortError') {
    // Ctrl-C while scanning or listing (before the executor, which reports its own interruption):
    // nothing was transferred, and that is an interrupt, not a bug.
    code = EXIT.interrupted;
    message = 'interrupted; what finished is recorded, the next run completes the rest';
  } else if (e instanceof LsyncError) {
    code = e.exitCode;
    message = e.message;
    hint = e.hint;
  } else if (e instanceof RemoteError) {
    code = EXIT.failed;
    message = e.message;
    if (e.kind === 'auth') hint = 'check your credentials (AWS_PROFILE, --profile, AWS_ACCESS_KEY_ID) and that they may use this bucket';
    if (e.kind === 'no-bucket') hint = 'check the name, or create it with `lsync init <remote> --create-bucket`';
    if (e.kind === 'transient') hint = 'the service or network failed; run the command again';
  } else {
    code = EXIT.failed;
    const err = e instanceof Error ? e : new Error(String(e));
    message = `internal error: ${err.message}`;
    hint = verbose ? undefined : 'this is a bug in lsync; run again with --verbose and report the output';
  }
  if (json) {
    io.stdout.write(`${JSON.stringify({ type: 'error', exitCode: code, message, ...(hint !== undefined ? { hint } : {}) })}\n`);
  }
  io.stderr.write(`lsync: ${message}\n`);
  if (hint !== undefined && !json) io.stderr.write(`hint: ${hint}\n`);
  if (verbose && e instanceof Error && e.stack !== undefined) io.stderr.write(`${e.stack}\n`);
  return code;
}

class UsageFailure extends Error {}

/**
 * yargs renders the whole help text each time a command's handler starts, in case `showHelp()` is
 * called after the command ran (yargs/build/lib/command.js: `cacheHelpMessage`): 20 ms of every
 * lsync run, spent while the command waits on its first file read. lsync prints help only from
 * the parse itself (--help, usage errors), never after a handler started, so the cache is never
 * read: skip filling it. Looked up defensively: another yargs version simply keeps its behaviour.
 */
function skipHelpCache(cli: Argv): void {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (cli as unknown as Internals).getInternalMethods?.().getUsageInstance?.();
  if (usage !== undefined && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = (): void => undefined;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = EXIT.ok;
  let verbose = argv.includes('--verbose');
  let json = argv.includes('--json');
  let cli: Argv = yargs([...argv])
    .scriptName('lsync')
    .usage('lsync <command> [options]\n\nKeep a folder in sync with an S3 bucket prefix (or a plain directory) among several people and machines.')
    .option('dry-run', { type: 'boolean', describe: 'plan and print, change nothing anywhere', default: false })
    .option('json', { type: 'boolean', describe: 'machine-readable output on stdout (NDJSON events), logs on stderr', default: false })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only errors, warnings and conflicts', default: false })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'more detail, and stack traces on errors', default: false })
    .option('concurrency', { alias: 'j', type: 'number', describe: 'transfers in flight', default: 16 })
    .option('yes', { alias: 'y', type: 'boolean', describe: 'answer yes to prompts', default: false })
    .option('bwlimit', { type: 'string', describe: 'bandwidth limit shared by uploads and downloads, e.g. 10M or 512K (bytes per second)' })
    .option('endpoint', { type: 'string', describe: 'S3 endpoint URL (or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)' })
    .option('region', { type: 'string', describe: 'S3 region' })
    .option('profile', { type: 'string', describe: 'AWS profile for credentials' })
    .option('links', { type: 'boolean', describe: 'sync symbolic links as links (stored as small objects holding the target); default: skip them with a warning (config: links)' })
    .group(['dry-run', 'json', 'quiet', 'verbose', 'concurrency', 'bwlimit', 'yes', 'endpoint', 'region', 'profile', 'links', 'help', 'version'], 'Global options:')
    .strict()
    .demandCommand(1, 'say which command to run: lsync <command> (see lsync --help)')
    .recommendCommands()
    .version('0.1.0')
    .help()
    .alias('help', 'h')
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false);

  for (const c of commands) {
    cli = cli.command(
      c.command,
      c.describe,
      (y) => c.builder(y),
      async (args) => {
        const a = args as Record<string, unknown>;
        verbose = a['verbose'] === true;
        json = a['json'] === true;
        try {
          const global = globalOptions(a);
          exitCode = await c.handler(a, { io, global });
        } catch (e) {
          // Kept apart from yargs' own failures, which are usage errors.
          handlerError = { error: e };
        }
      },
    );
  }

  skipHelpCache(cli);

  let usageError: string | undefined;
  let handlerError: { error: unknown } | undefined;
  let printed = '';
  try {
    await cli.fail((msg, err) => {
      // Throwing is what stops yargs: a fail handler that returns lets the command handler run.
      throw new UsageFailure(msg ?? (err instanceof Error ? err.message : 'invalid command line'));
    }).parseAsync([...argv], {}, (_err, _args, output) => {
      if (output !== '') printed = output;
    });
  } catch (e) {
    if (e instanceof UsageFailure) usageError = e.message.replace(/\s*\n\s*/g, ' ');
    else return reportError(e, io, verbose, json);
  }
  if (handlerError !== undefined) return reportError(handlerError.error, io, verbose, json);
  if (usageError !== undefined) {
    io.stderr.write(`lsync: ${usageError}\nhint: see lsync --help, or lsync <command> --help\n`);
    return EXIT.usage;
  }
  if (printed !== '') io.stdout.write(`${printed}\n`);
  return exitCode;
}
