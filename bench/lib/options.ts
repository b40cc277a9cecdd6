/** The command line of bench/run.ts. */
import { join } from 'node:path';
import { KiB, MiB } from './util.js';

export type ToolName = 'lsync' | 'aws' | 'rclone' | 's3cmd' | 'raw';
export type CaseName = 'push-small' | 'noop' | 'modify' | 'pull-small' | 'push-big' | 'pull-big';
export type ServerKind = 's3rver' | 'moto';

export interface Options {
  readonly quick: boolean;
  readonly runs: number;
  readonly server: ServerKind;
  readonly tools: readonly ToolName[];
  readonly out: string;
  readonly profile: boolean;
  readonly keep: boolean;
  /** Files of the large-repository cases (no-op status, listing, re-scan); 0 = not run. */
  readonly large: number;
  readonly timeoutS: number;
  /** `--cases`: which groups run (the small-file cases 1-4, the big-file cases 5-6). */
  readonly small: boolean;
  readonly big: boolean;
  readonly smallCount: number;
  readonly smallSize: number;
  readonly bigSize: number;
}

export const ALL_TOOLS: readonly ToolName[] = ['lsync', 'aws', 'rclone', 's3cmd', 'raw'];
export const CASES: readonly CaseName[] = ['push-small', 'noop', 'modify', 'pull-small', 'push-big', 'pull-big'];

export function usage(): never {
  process.stderr.write(
    'usage: node dist/bench/run.js [--quick] [--runs N] [--server s3rver|moto] [--tools lsync,aws,rclone,s3cmd,raw]\n' +
      '                              [--out FILE] [--profile] [--keep] [--cases small,big] [--skip-big] [--large [N]] [--timeout SECONDS]\n',
  );
  process.exit(2);
}

export function parseOptions(argv: readonly string[], root: string): Options {
  let quick = false;
  let runs: number | undefined;
  let server: ServerKind = 's3rver';
  let tools: ToolName[] = [...ALL_TOOLS];
  let out: string | undefined;
  let profile = false;
  let keep = false;
  let large = 0;
  let timeoutS = 600;
  let small = true;
  let big = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage();
      return v;
    };
    if (a === '--quick') quick = true;
    else if (a === '--runs') {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 1) usage();
    } else if (a === '--server') {
      const v = value();
      if (v !== 's3rver' && v !== 'moto') usage();
      server = v;
    } else if (a === '--tools') {
      const names = value().split(',');
      tools = [];
      for (const n of names) {
        const t = ALL_TOOLS.find((x) => x === n);
        if (t === undefined) usage();
        tools.push(t);
      }
    } else if (a === '--out') out = value();
    else if (a === '--profile') profile = true;
    else if (a === '--keep') keep = true;
    else if (a === '--skip-big') big = false; // the same as --cases small
    else if (a === '--large') {
      // An optional count: `--large` alone means 100,000 files.
      const next = argv[i + 1];
      large = next !== undefined && /^\d+$/.test(next) ? Number(argv[++i]) : 100_000;
      if (large < 1) usage();
    }
    else if (a === '--timeout') timeoutS = Number(value());
    else if (a === '--cases') {
      const names = value().split(',');
      if (!names.every((n) => n === 'small' || n === 'big')) usage();
      small = names.includes('small');
      big = names.includes('big');
    } else usage();
  }
  return {
    quick,
    // A quick run is a check that everything works (under a minute); a full one is a measurement.
    runs: runs ?? (quick ? 1 : 3),
    server,
    tools,
    out: out ?? join(root, 'bench', quick ? 'RESULTS-quick.md' : 'RESULTS.md'),
    profile,
    keep,
    large,
    timeoutS,
    small,
    big,
    smallCount: quick ? 1000 : 10_000,
    smallSize: 4 * KiB,
    bigSize: quick ? 64 * MiB : 512 * MiB,
  };
}
