/** The figures of bench/watchers.ts (ten watchers on one prefix), and their Markdown for bench/RESULTS.md. */
import type { ChangeKind } from './live.js';
import type { ServerKind } from './options.js';
import { median } from './util.js';

export interface Options {
  readonly watchers: number;
  readonly files: number;
  readonly idleS: number;
  readonly changes: number;
  readonly server: ServerKind;
  readonly timeoutS: number;
  readonly json: boolean;
}

export interface IdleFigures {
  readonly seconds: number;
  readonly requests: number;
  readonly perPoll: number;
  /** ListObjectsV2 requests: of the repository's keys, of its whole root among them, under .lsync/ (see live.ts Tally). */
  readonly listings: number;
  readonly fullListings: number;
  readonly bookkeepingListings: number;
  readonly kinds: Readonly<Record<string, number>>;
  /** Per watcher: requests and CPU share of one core (%), in watcher order. */
  readonly watchers: readonly { readonly requests: number; readonly cpuPercent: number }[];
}

/** One watcher's start: from spawn until idle (settled() in watchers.ts), and the requests it sent meanwhile. */
export interface StartFigures {
  readonly seconds: number;
  readonly requests: number;
  readonly listings: number;
  readonly fullListings: number;
}

export interface ChangeFigures {
  readonly kind: ChangeKind;
  readonly from: number;
  /** Seconds until the first / the last of the other trees had it (the last is NaN if one never did). */
  readonly firstS: number;
  readonly lastS: number;
  /** Watchers (0-based) whose tree did not show it within the timeout. */
  readonly missing: readonly number[];
  /** Requests, and listings of the repository's keys, sent by all watchers from the change until the last tree had it. */
  readonly requests: number;
  readonly listings: number;
  readonly fullListings: number;
  /** Listings (.lsync/ ones too) by prefix (relative to the repository's). */
  readonly listingKinds: Readonly<Record<string, number>>;
}

export interface Figures {
  readonly options: Options;
  readonly server: string;
  readonly node: string;
  readonly cores: number;
  readonly loadStart: readonly number[];
  readonly loadEnd: readonly number[];
  readonly startedAt: string;
  readonly setupS: number;
  readonly starts: readonly StartFigures[];
  readonly idle: IdleFigures;
  readonly changes: readonly ChangeFigures[];
  readonly lastMedianS: number;
  readonly lastMaxS: number;
  readonly firstMedianS: number;
  readonly peakRssMiB: readonly number[];
}

const f2 = (x: number): string => (Number.isNaN(x) ? '—' : x.toFixed(2));
const load = (l: readonly number[]): string => l.map((x) => x.toFixed(1)).join(' / ');

function command(o: Options): string {
  return `node dist/bench/watchers.js --watchers ${o.watchers} --files ${o.files} --idle ${o.idleS} --changes ${o.changes} --server ${o.server}`;
}

function summary(f: Figures): string[] {
  const n = f.options.watchers;
  const cpu = f.idle.watchers.map((w) => w.cpuPercent);
  const rss = f.peakRssMiB;
  const failed = f.changes.filter((c) => c.missing.length > 0).length;
  return [
    '| figure | measured | issue 12 target |',
    '|---|---:|---:|',
    `| idle for ${f.idle.seconds} s: requests per poll interval, all ${n} watchers summed | ${f2(f.idle.perPoll)} (${f.idle.requests} requests) | ${n} small requests |`,
    `| listings while idle: of the repository (whole / any part), of .lsync/ | ${f.idle.fullListings} / ${f.idle.listings}, ${f.idle.bookkeepingListings} | 0 |`,
    `| CPU of each idle watcher | mean ${f2(cpu.reduce((s, x) => s + x, 0) / cpu.length)} %, max ${f2(Math.max(...cpu))} % of a core | < 1 % |`,
    `| propagation: the last of the ${n - 1} others has the change, over ${f.changes.length} changes | median ${f2(f.lastMedianS)} s, max ${f2(f.lastMaxS)} s${failed > 0 ? ` (${failed} never arrived everywhere)` : ''} | within seconds |`,
    `| propagation: the first of the others has it | median ${f2(f.firstMedianS)} s | |`,
    `| one watcher's start, until idle (one after another) | median ${f2(median(f.starts.map((s) => s.seconds)))} s and ${median(f.starts.map((s) => s.requests)).toFixed(0)} requests (listings: ${median(f.starts.map((s) => s.listings)).toFixed(0)}, of the whole repository ${median(f.starts.map((s) => s.fullListings)).toFixed(0)}) | |`,
    `| peak RSS per watcher | ${Math.min(...rss).toFixed(0)}–${Math.max(...rss).toFixed(0)} MiB | < 200 MiB |`,
  ];
}

function details(f: Figures): string[] {
  const kinds = Object.entries(f.idle.kinds).sort(([, a], [, b]) => b - a);
  return [
    '',
    'Idle requests, all watchers (method, key under the prefix, answer):',
    '',
    '| request | count |',
    '|---|---:|',
    ...kinds.map(([k, c]) => `| \`${k}\` | ${c} |`),
    '',
    'Each change (made in one tree, looked for in every other tree every 20 ms):',
    '',
    '| # | change | made in | first other has it | last other has it | requests meanwhile (all watchers) | listings: whole repository / one path |',
    '|---:|---|---|---:|---:|---:|---:|',
    ...f.changes.map((c, i) => `| ${i + 1} | ${c.kind} | w${c.from} | ${f2(c.firstS)} s | ${c.missing.length > 0 ? `never in ${c.missing.map((w) => `w${w}`).join(' ')}` : `${f2(c.lastS)} s`} | ${c.requests} | ${c.fullListings} / ${c.listings - c.fullListings} |`),
    '',
    `Listings sent while the changes spread, all changes: ${listed(f.changes)}.`,
    '',
    '| watcher | start: seconds until idle | start: requests (listings) | idle requests | idle CPU (% of a core) | peak RSS (MiB) |',
    '|---|---:|---:|---:|---:|---:|',
    ...f.idle.watchers.map((w, i) => {
      const s = f.starts[i];
      return `| w${i} | ${f2(s?.seconds ?? NaN)} | ${s?.requests ?? '—'} (${s?.listings ?? '—'}) | ${w.requests} | ${f2(w.cpuPercent)} | ${(f.peakRssMiB[i] ?? NaN).toFixed(0)} |`;
    }),
  ];
}

function listed(changes: readonly ChangeFigures[]): string {
  const all: Record<string, number> = {};
  for (const c of changes) for (const [k, n] of Object.entries(c.listingKinds)) all[k] = (all[k] ?? 0) + n;
  const rows = Object.entries(all).sort(([, a], [, b]) => b - a);
  return rows.length === 0 ? 'none' : rows.map(([k, n]) => `\`${k}\` × ${n}`).join(', ');
}

export function markdown(f: Figures): string {
  return [
    `### ${f.options.watchers} watchers on one prefix (${f.server}, ${f.startedAt.slice(0, 16)}Z)`,
    '',
    `\`${command(f.options)}\``,
    '',
    `${f.options.files} files in the repository; \`lsync watch --delay 1 --poll 1\` in each of ${f.options.watchers} repositories, each through its own counting proxy; ` +
      `node ${f.node}, ${f.cores} cores, load average (1 / 5 / 15 min) ${load(f.loadStart)} at the start, ${load(f.loadEnd)} at the end; set-up ${f.setupS.toFixed(0)} s.`,
    '',
    ...summary(f),
    ...details(f),
  ].join('\n');
}
