/**
 * Command-line mistakes, said the way a person would: an unknown command with the nearest real
 * one, an unknown option with the nearest real option, an option whose value looks like an option.
 * yargs' own wording ("Unknown argument: clone", "Unknown arguments: 5, M") names none of these.
 */
import { closest } from './suggest.js';

/** Global options that take a value (their value is not the command), with an example of one. */
const VALUE_OPTIONS: Readonly<Record<string, string>> = {
  '--bwlimit': 'a positive rate in bytes per second such as 5M or 512K',
  '--endpoint': 'a URL such as http://127.0.0.1:9000',
  '--region': 'a region such as eu-west-1',
  '--profile': 'a profile name from ~/.aws/config',
  '--concurrency': 'a whole number such as 16',
  '-j': 'a whole number such as 16',
};

/** Mistakes found before yargs parses; undefined when there are none. */
export function precheck(argv: readonly string[], commands: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i] ?? '';
    const value = argv[i + 1];
    const wanted = VALUE_OPTIONS[t];
    if (wanted !== undefined && value !== undefined && value.startsWith('-') && !/^-\d+(\.\d+)?$/.test(value)) {
      return `${t}: "${value}" is not a value: give ${wanted}`;
    }
  }
  const first = firstPositional(argv);
  if (first === undefined || commands.includes(first)) return undefined;
  const near = closest(first, commands);
  return `unknown command '${first}'${near !== undefined ? `; did you mean 'lsync ${near}'?` : ''} (commands: ${commands.join(', ')})`;
}

/** The command word: the first argument that is neither an option nor a global option's value. */
function firstPositional(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i] ?? '';
    if (t === '--') return argv[i + 1];
    if (t.startsWith('-')) {
      if (VALUE_OPTIONS[t] !== undefined) i++;
      continue;
    }
    return t;
  }
  return undefined;
}

/**
 * yargs' "Unknown argument(s): a, b" for options typed on the command line, reworded with the
 * nearest known option; other messages pass through.
 */
export function reword(message: string, argv: readonly string[], known: readonly string[]): string {
  const m = /^Unknown arguments?: (.*)$/.exec(message);
  if (m === null || m[1] === undefined) return message;
  const typed = new Set(argv.filter((a) => a.startsWith('-')).map((a) => a.replace(/^-+/, '').split('=')[0] ?? ''));
  const parts = m[1].split(', ').map((name) => {
    if (!typed.has(name)) return `unexpected argument '${name}'`;
    const dashes = name.length === 1 ? '-' : '--';
    const near = closest(name, known.filter((k) => k.length > 1));
    return `unknown option ${dashes}${name}${near !== undefined ? ` (did you mean --${near}?)` : ''}`;
  });
  return parts.join('; ');
}
