/**
 * The command line, assembled: the global options, the commands of commands/index.ts, one parse.
 * `main(argv, io)` returns the exit code and never calls process.exit, so tests run it in-process.
 * What to do with a failure is decided in exit.ts; what each command does, in commands/.
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { commands } from './commands/index.js';
import type { Runner } from './command.js';
import { configuredConcurrency } from './configured.js';
import { EXIT, finalExit, reportError, reportUsage } from './exit.js';
import type { Io } from './io.js';
import { precheck, reword } from './mistakes.js';
import { globalOptions, withGlobalOptions, type GlobalArgs } from './options.js';

export type { Io } from './io.js';
export type { CommandContext } from './command.js';

/**
 * The version users see: package.json's. This file runs from dist/bundle/ (two levels below the
 * package) or dist/src/cli/ (three): the first package.json named lsync going up is the one.
 */
function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === 'lsync' && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this level: try the next
    }
  }
  return 'unknown';
}

class UsageFailure extends Error {
  constructor(
    message: string,
    /** The options known where the parse failed (the command's and the global ones). */
    readonly known: readonly string[],
  ) {
    super(message);
  }
}

/** The option names a yargs instance knows (kebab-case ones only: those are the ones users type). */
function knownOptions(y: unknown): string[] {
  type WithOptions = { getOptions?: () => { key?: Record<string, unknown> } };
  const keys = (y as WithOptions | undefined)?.getOptions?.().key ?? {};
  return Object.keys(keys).filter((k) => !/[A-Z]/.test(k));
}

/**
 * yargs renders the whole help text each time a command's handler starts, in case `showHelp()` is
 * called after the command ran (yargs/build/lib/command.js: `cacheHelpMessage`): 20 ms of every
 * lsync run, spent while the command waits on its first file read. lsync prints help only from
 * the parse itself (--help, usage errors), never after a handler started, so the cache is never
 * read: skip filling it. Looked up defensively: another yargs version simply keeps its behaviour.
 */
function skipHelpCache(cli: Argv<GlobalArgs>): void {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (cli as unknown as Internals).getInternalMethods?.().getUsageInstance?.();
  if (usage !== undefined && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = (): void => undefined;
}

/** `columns`: the terminal's width (help is wrapped to it, at most 100); none → 100, so help and docs/commands.md do not depend on where they are made. */
function parser(argv: readonly string[], columns: number | undefined): Argv<GlobalArgs> {
  return withGlobalOptions(
    yargs([...argv])
      .scriptName('lsync')
      .usage('lsync <command> [options]\n\nKeep a folder in sync with an S3 bucket prefix (or a plain directory) among several people and machines.'),
  )
    .strict()
    .demandCommand(1, 'say which command to run: lsync <command> (see lsync --help)')
    .version(packageVersion())
    // lsync's own text is English: yargs' few words ("Show help") follow, not the user's locale.
    .locale('en')
    .help()
    .alias('help', 'h')
    .wrap(Math.min(100, columns ?? 100))
    .exitProcess(false);
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let verbose = argv.includes('--verbose') || argv.includes('-v');
  let json = argv.includes('--json');
  const names = commands.flatMap((c) => [c.name, ...c.aliases]);
  const early = precheck(argv, names);
  if (early !== undefined && !argv.includes('--help') && !argv.includes('-h')) return reportUsage(early, io);
  let command: string | undefined;
  let profile: string | undefined;
  let outcome: { code: number } | { error: unknown } | undefined;
  const runner: Runner = {
    async run(name, args, work) {
      verbose = args.verbose;
      command = name;
      profile = args.profile;
      json = args.json;
      try {
        const configured = args.concurrency === undefined ? await configuredConcurrency(io) : undefined;
        outcome = { code: await work({ io, global: globalOptions(args, configured), commands }) };
      } catch (e) {
        // Kept apart from yargs' own failures, which are usage errors.
        outcome = { error: e };
      }
    },
  };
  const cli = parser(argv, io.stdout.columns);
  for (const c of commands) c.register(cli, runner);
  skipHelpCache(cli);

  let printed = '';
  try {
    await cli
      .fail((msg, err) => {
        // Throwing is what stops yargs: a fail handler that returns lets the command handler run.
        throw new UsageFailure(msg ?? (err instanceof Error ? err.message : 'invalid command line'), knownOptions(cli));
      })
      .parseAsync([...argv], {}, (_err, _args, output) => {
        if (output !== '') printed = output;
      });
  } catch (e) {
    if (e instanceof UsageFailure) return reportUsage(reword(e.message.replace(/\s*\n\s*/g, ' '), argv, e.known), io);
    return finalExit(reportError(e, io, verbose, json), io.signal);
  }
  if (outcome !== undefined && 'error' in outcome) return finalExit(reportError(outcome.error, io, verbose, json, { command, profile: profile ?? io.env['AWS_PROFILE'] }), io.signal);
  if (printed !== '') io.stdout.write(`${printed}\n`);
  return finalExit(outcome?.code ?? EXIT.ok, io.signal);
}
