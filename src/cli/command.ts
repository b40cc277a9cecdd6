/**
 * The shape of a command module: a yargs command (its `command` string, `describe`, a typed
 * `builder` with --help examples) whose `run` gets typed arguments plus the world (`CommandContext`)
 * and returns the exit code. `defineCommand` turns one into an entry of commands/index.ts.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { Io } from './io.js';
import type { GlobalArgs, GlobalOptions } from './options.js';

/** What a command's run gets besides its arguments. */
export interface CommandContext {
  readonly io: Io;
  readonly global: GlobalOptions;
  /** Every command (for those that describe the others: completion). */
  readonly commands: readonly CommandEntry[];
}

export interface LsyncCommand<A extends GlobalArgs> {
  /** yargs syntax: `name <required> [optional..]`. */
  readonly command: string;
  readonly aliases?: readonly string[];
  readonly describe: string;
  /** Options, positionals and 2-3 `.example(...)` lines for --help. */
  readonly builder: (y: Argv<GlobalArgs>) => Argv<A>;
  /** Does the work and returns the exit code; throws LsyncError/RemoteError for failures (exit.ts maps them). */
  readonly run: (args: ArgumentsCamelCase<A>, ctx: CommandContext) => Promise<number>;
}

/** Runs a command's work: validates the global options, keeps its exit code or its error for main. */
export interface Runner {
  run(command: string, args: GlobalArgs, work: (ctx: CommandContext) => Promise<number>): Promise<void>;
}

/** One entry of the command list: its names (for "did you mean") and how to add it to a parser. */
export interface CommandEntry {
  readonly name: string;
  readonly aliases: readonly string[];
  /** The definition as written, for what reads it besides yargs (completion, docs: cli/introspect.ts). */
  readonly definition: { readonly command: string; readonly describe: string; readonly builder: (y: Argv<GlobalArgs>) => unknown };
  register(cli: Argv<GlobalArgs>, runner: Runner): void;
}

export function defineCommand<A extends GlobalArgs>(c: LsyncCommand<A>): CommandEntry {
  const name = c.command.split(' ')[0] ?? c.command;
  return {
    name,
    aliases: c.aliases ?? [],
    definition: { command: c.command, describe: c.describe, builder: c.builder },
    register(cli, runner) {
      const module: CommandModule<GlobalArgs, A> = {
        command: c.command,
        ...(c.aliases !== undefined ? { aliases: c.aliases } : {}),
        describe: c.describe,
        builder: c.builder,
        handler: (args) => runner.run(name, args, (ctx) => c.run(args, ctx)),
      };
      cli.command(module);
    },
  };
}
