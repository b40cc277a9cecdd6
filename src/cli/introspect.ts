/**
 * What each command accepts, read from the same definitions yargs gets (the commands' builders
 * and the global options), for the shell completion scripts. The builders are run against a
 * recorder that notes their positionals, options and examples and ignores everything else, so
 * a builder needs no change to be read here.
 */
import type { Argv } from 'yargs';
import type { CommandEntry } from './command.js';
import { withGlobalOptions, type GlobalArgs } from './options.js';

export interface OptionSpec {
  /** Without dashes: `dry-run`, `j`. */
  readonly name: string;
  readonly aliases: readonly string[];
  /** True when the option takes a value (`--endpoint URL`), false for a flag (`--force`). */
  readonly takesValue: boolean;
  readonly choices: readonly string[];
  readonly describe: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly choices: readonly string[];
  /** `[paths..]`: takes every remaining word. */
  readonly variadic: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly describe: string;
  /** In the order of the command string (`remote <action> [name] [url]`). */
  readonly positionals: readonly PositionalSpec[];
  /** The command's own options (the global ones are in `globalOptionSpecs()`). */
  readonly options: readonly OptionSpec[];
  readonly examples: readonly (readonly [string, string])[];
}

interface Recorded {
  readonly options: Map<string, Record<string, unknown>>;
  readonly positionals: Map<string, Record<string, unknown>>;
  readonly aliases: Map<string, string[]>;
  readonly examples: [string, string][];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** An Argv look-alike: every method returns it again; the ones that define something are noted. */
function recorder(): { y: Argv<GlobalArgs>; rec: Recorded } {
  const rec: Recorded = { options: new Map(), positionals: new Map(), aliases: new Map(), examples: [] };
  const addAlias = (key: string, alias: unknown): void => {
    rec.aliases.set(key, [...(rec.aliases.get(key) ?? []), ...strings(alias)]);
  };
  const option = (name: unknown, o: unknown): void => {
    if (typeof name === 'object' && name !== null) {
      for (const [k, v] of Object.entries(name)) option(k, v);
      return;
    }
    const opts = (o ?? {}) as Record<string, unknown>;
    rec.options.set(String(name), { ...(rec.options.get(String(name)) ?? {}), ...opts });
    if (opts['alias'] !== undefined) addAlias(String(name), opts['alias']);
  };
  const methods: Record<string, (...a: unknown[]) => void> = {
    option,
    options: option,
    positional: (name, o) => void rec.positionals.set(String(name), (o ?? {}) as Record<string, unknown>),
    alias: (key, alias) => addAlias(String(key), alias),
    example: (cmd, desc) => void rec.examples.push([String(cmd), String(desc ?? '')]),
  };
  const proxy: object = new Proxy(
    {},
    {
      get(_target, prop) {
        // Not a promise: `await builder(y)` somewhere must not take it for one.
        if (prop === 'then' || typeof prop === 'symbol') return undefined;
        const m = methods[prop];
        return (...a: unknown[]) => {
          m?.(...a);
          return proxy;
        };
      },
    },
  );
  return { y: proxy as Argv<GlobalArgs>, rec };
}

function optionSpecs(rec: Recorded): OptionSpec[] {
  return [...rec.options].map(([name, o]) => ({
    name,
    aliases: rec.aliases.get(name) ?? [],
    takesValue: o['type'] !== 'boolean' && o['type'] !== 'count',
    choices: strings(o['choices']),
    describe: typeof o['describe'] === 'string' ? o['describe'] : typeof o['description'] === 'string' ? o['description'] : '',
  }));
}

/** The options every command takes. */
export function globalOptionSpecs(): OptionSpec[] {
  const { y, rec } = recorder();
  withGlobalOptions(y);
  return [...optionSpecs(rec), { name: 'help', aliases: ['h'], takesValue: false, choices: [], describe: 'show help' }];
}

export function commandSpec(entry: CommandEntry): CommandSpec {
  const { y, rec } = recorder();
  entry.definition.builder(y);
  const words = entry.definition.command.split(/\s+/).slice(1);
  const positionals = words.map((w) => {
    const name = w.replace(/^[<[]|[>\]]$/g, '').replace(/\.\.$/, '');
    return { name, choices: strings(rec.positionals.get(name)?.['choices']), variadic: w.includes('..') };
  });
  return {
    name: entry.name,
    aliases: entry.aliases,
    describe: entry.definition.describe,
    positionals,
    options: optionSpecs(rec),
    examples: rec.examples,
  };
}
