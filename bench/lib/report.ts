/** The Markdown report (bench/RESULTS.md). */
import { spawnSync } from 'node:child_process';
import { cpus, hostname, release, totalmem } from 'node:os';
import { CONCURRENCY, KiB, MiB, median } from './util.js';
import { CASES, CaseName, Options, ToolName } from './options.js';
import { Server } from './server.js';
import { TIME_BIN } from './measure.js';
import { Absent, Tool } from './tools.js';
import { LargeSample, Sample, State } from './cases.js';

export const CASE_TEXT: Readonly<Record<CaseName, string>> = {
  'push-small': '1. push N small files into an empty prefix',
  noop: '2. no-op re-run (nothing changed)',
  modify: '3. re-run after rewriting 100 files',
  'pull-small': '4. pull N small files into an empty folder',
  'push-big': '5. push one big file',
  'pull-big': '6. pull one big file',
};

export function fmtRange(xs: readonly number[], digits = 2): string {
  if (xs.length === 0) return '—';
  const m = median(xs).toFixed(digits);
  if (xs.length === 1) return m;
  return `${m} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
}

export interface Machine {
  readonly lines: readonly string[];
}

export function machineInfo(server: Server, tools: readonly Tool[], absent: readonly Absent[]): Machine {
  const cpu = cpus()[0]?.model ?? '?';
  const lines = [
    `- host: ${hostname()}, Linux ${release()}, ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} CPUs (nproc; ${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `- node ${process.version}`,
    `- server: ${server.version} on ${server.endpoint}, data on tmpfs (/dev/shm); it shares the CPUs with the client being measured`,
  ];
  for (const t of tools) lines.push(`- ${t.label}: ${t.version}`);
  for (const a of absent) lines.push(`- ${a.name}: **skipped** — ${a.why}`);
  lines.push(`- peak RSS: ${TIME_BIN !== undefined ? '`/usr/bin/time -v` (Maximum resident set size of the measured process)' : 'VmHWM polled from /proc/PID/status every 50 ms'}`);
  return { lines };
}

export function report(opts: Options, command: string, machine: Machine, tools: readonly Tool[], state: State, runsDone: number, started: Date, elapsedS: number): string {
  const get = (tool: ToolName, kase: CaseName): Sample[] => state.samples.filter((s) => s.tool === tool && s.kase === kase);
  const okTimes = (tool: ToolName, kase: CaseName): number[] => get(tool, kase).filter((s) => s.ok).map((s) => s.seconds);
  const med = (tool: ToolName, kase: CaseName): number => median(okTimes(tool, kase));
  const n = opts.smallCount.toLocaleString('en-US');
  const bigMiB = opts.bigSize / MiB;
  const out: string[] = [];
  out.push(`# lsync benchmark${opts.quick ? ' (quick mode)' : ''}`, '');
  out.push(
    `${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${runsDone} of ${opts.runs} run(s), ${elapsedS.toFixed(0)} s in all. ` +
      `Data: ${n} files × ${opts.smallSize / KiB} KiB in 100 folders, and one ${bigMiB} MiB file; seeded, on tmpfs. ` +
      `Every cell is a whole process (start-up included): median seconds (min–max) of the successful runs; lower is better. ` +
      `${CONCURRENCY} transfers in flight for every tool${tools.some((t) => t.name === 's3cmd') ? ' but s3cmd (it has no option for parallel transfers: one at a time)' : ''}.`,
    '',
  );
  out.push('Command:', '', '```sh', command, '```', '');

  const r: ReportContext = { opts, tools, state, out, n, bigMiB, get, med };
  timeTables(r);
  targetTables(r);
  largeTable(r);
  howItRan(r, machine);
  return out.join('\n');
}

/** What the parts of the report share: the samples, and the report's lines so far. */
interface ReportContext {
  readonly opts: Options;
  readonly tools: readonly Tool[];
  readonly state: State;
  readonly out: string[];
  /** The small-file count, formatted. */
  readonly n: string;
  readonly bigMiB: number;
  get(tool: ToolName, kase: CaseName): Sample[];
  /** Median seconds of the successful samples. */
  med(tool: ToolName, kase: CaseName): number;
}

/** Seconds per case and tool, then throughput, peak RSS and CPU. */
function timeTables(r: ReportContext): void {
  const { opts, tools, out, n, bigMiB, get, med } = r;
  const cols = tools;
  out.push(`| case | ${cols.map((t) => t.label).join(' | ')} |`);
  out.push(`|---|${cols.map(() => '---:').join('|')}|`);
  for (const kase of CASES) {
    const label = CASE_TEXT[kase].replace(' N ', ` ${n} `).replace('one big file', `one ${bigMiB} MiB file`);
    const cells = cols.map((t) => {
      if (!t.cases.includes(kase)) return '—';
      const all = get(t.name, kase);
      if (all.length === 0) return 'not run';
      const ok = all.filter((s) => s.ok).map((s) => s.seconds);
      const failed = all.length - ok.length;
      return `${fmtRange(ok)}${failed > 0 ? ` **${failed} failed**` : ''}`;
    });
    out.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  out.push('');

  // Rates
  const rate = (tool: ToolName, kase: CaseName, amount: number): number => amount / med(tool, kase);
  const fmtNum = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
  out.push('Throughput (from the medians):', '');
  out.push(`| | ${cols.map((t) => t.label).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
  out.push(`| small push, objects/s | ${cols.map((t) => fmtNum(rate(t.name, 'push-small', opts.smallCount))).join(' | ')} |`);
  out.push(`| small pull, objects/s | ${cols.map((t) => fmtNum(rate(t.name, 'pull-small', opts.smallCount))).join(' | ')} |`);
  out.push(`| big push, MiB/s | ${cols.map((t) => fmtNum(rate(t.name, 'push-big', bigMiB))).join(' | ')} |`);
  out.push(`| big pull, MiB/s | ${cols.map((t) => fmtNum(rate(t.name, 'pull-big', bigMiB))).join(' | ')} |`);
  out.push('');
  out.push(
    `The **raw SDK** column is the server limit: a minimal @aws-sdk/client-s3 program (in bench/run.ts, \`--worker\`) doing ${n} PutObject ` +
      `(files read with readFile) and ${n} GetObject (after a ListObjectsV2) at ${CONCURRENCY} in flight; its no-op cell is the ` +
      `ListObjectsV2 of the ${n} keys alone (the least any no-op must do); for the big file a hand-made multipart upload ` +
      `(16 MiB parts read with positional reads, ${CONCURRENCY} UploadPart in flight) and 16 MiB ranged GetObjects (${CONCURRENCY} in flight, ` +
      `each written at its offset) — no scan, no database, no comparison.`,
    '',
  );

  // RSS
  out.push('Peak RSS, MiB (median (min–max)):', '');
  out.push(`| case | ${cols.map((t) => t.label).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
  for (const kase of CASES) {
    const cells = cols.map((t) => {
      const xs = get(t.name, kase).filter((s) => s.ok && s.rssKiB !== undefined).map((s) => (s.rssKiB ?? 0) / 1024);
      return xs.length === 0 ? '—' : fmtRange(xs, 0);
    });
    out.push(`| ${CASE_TEXT[kase].replace(' N ', ` ${n} `).replace('one big file', `one ${bigMiB} MiB file`)} | ${cells.join(' | ')} |`);
  }
  out.push('');

  // CPU
  out.push('CPU seconds (user + system of the measured process, median (min–max); steadier than wall time when the machine is shared):', '');
  out.push(`| case | ${cols.map((t) => t.label).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
  for (const kase of CASES) {
    const cells = cols.map((t) => {
      const xs = get(t.name, kase).filter((s) => s.ok && s.cpuS !== undefined).map((s) => s.cpuS ?? 0);
      return xs.length === 0 ? '—' : fmtRange(xs);
    });
    out.push(`| ${CASE_TEXT[kase].replace(' N ', ` ${n} `).replace('one big file', `one ${bigMiB} MiB file`)} | ${cells.join(' | ')} |`);
  }
  out.push('');
}

/** The targets against the raw SDK and the peers, and lsync's time against each peer's. */
function targetTables(r: ReportContext): void {
  const { opts, tools, state, out, n, bigMiB, med } = r;
  // Targets
  // Every measured peer, s3cmd included: the no-op target is against the fastest of them.
  const peers = tools.filter((t) => t.name === 'aws' || t.name === 'rclone' || t.name === 's3cmd');
  const peerNoops = peers.map((t) => ({ t, s: med(t.name, 'noop') })).filter((x) => Number.isFinite(x.s));
  const fastestPeer = peerNoops.sort((a, b) => a.s - b.s)[0];
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? '**met**' : '**not met**');
  const ratio = (num: number, den: number): number | undefined => (Number.isFinite(num) && Number.isFinite(den) && den > 0 ? num / den : undefined);
  const pct = (r: number | undefined): string => (r === undefined ? '—' : `${(100 * r).toFixed(0)} %`);
  const pushR = ratio(med('raw', 'push-small'), med('lsync', 'push-small'));
  const pullR = ratio(med('raw', 'pull-small'), med('lsync', 'pull-small'));
  const noopR = fastestPeer !== undefined ? ratio(med('lsync', 'noop'), fastestPeer.s) : undefined;
  const bigPushR = ratio(med('raw', 'push-big'), med('lsync', 'push-big'));
  const bigPullR = ratio(med('raw', 'pull-big'), med('lsync', 'pull-big'));
  const lsyncBigRss = state.samples.filter((s) => s.tool === 'lsync' && (s.kase === 'push-big' || s.kase === 'pull-big') && s.rssKiB !== undefined);
  const maxRss = lsyncBigRss.length > 0 ? Math.max(...lsyncBigRss.map((s) => (s.rssKiB ?? 0) / 1024)) : undefined;
  out.push('Targets from the "Performance" issue (lsync against the raw server limit and its peers, from the medians):', '');
  out.push('| target | measured | |', '|---|---:|---|');
  out.push(`| small push rate ≥ 80 % of the raw PUT rate | ${pct(pushR)} | ${verdict(pushR === undefined ? undefined : pushR >= 0.8)} |`);
  out.push(`| small pull rate ≥ 80 % of the raw GET rate | ${pct(pullR)} | ${verdict(pullR === undefined ? undefined : pullR >= 0.8)} |`);
  out.push(
    `| no-op ≤ 50 % of the fastest peer's no-op${fastestPeer !== undefined ? ` (${fastestPeer.t.label}, ${fastestPeer.s.toFixed(2)} s)` : ''} | ${pct(noopR)} | ${verdict(noopR === undefined ? undefined : noopR <= 0.5)} |`,
  );
  out.push(`| ${bigMiB} MiB push ≥ 90 % of raw upload throughput | ${pct(bigPushR)} | ${verdict(bigPushR === undefined ? undefined : bigPushR >= 0.9)} |`);
  out.push(`| ${bigMiB} MiB pull ≥ 90 % of raw download throughput | ${pct(bigPullR)} | ${verdict(bigPullR === undefined ? undefined : bigPullR >= 0.9)} |`);
  out.push(`| peak RSS < 150 MiB on the big file (worst run) | ${maxRss === undefined ? '—' : `${maxRss.toFixed(0)} MiB`} | ${verdict(maxRss === undefined ? undefined : maxRss < 150)} |`);
  out.push('');
  const peerRows: string[] = [];
  for (const p of peers) {
    const cells = CASES.map((k) => {
      const r = ratio(med('lsync', k), med(p.name, k));
      return r === undefined ? '—' : `${r.toFixed(2)}×`;
    });
    peerRows.push(`| lsync ÷ ${p.label} | ${cells.join(' | ')} |`);
  }
  if (peerRows.length > 0) {
    out.push('lsync time ÷ peer time per case (below 1 means lsync is faster):', '');
    out.push(`| | ${CASES.map((k) => k).join(' | ')} |`, `|---|${CASES.map(() => '---:').join('|')}|`, ...peerRows, '');
  }
  const listS = med('raw', 'noop');
  const lsyncNoop = med('lsync', 'noop');
  if (Number.isFinite(listS) && Number.isFinite(lsyncNoop)) {
    out.push(
      `No-op: listing the ${n} keys takes ${listS.toFixed(2)} s on this server (raw SDK process, start-up included); ` +
        `lsync's own work on top of it (local scan, database, comparison, its larger start-up) is about ${(lsyncNoop - listS).toFixed(2)} s.`,
      '',
    );
  }
  if (state.conditionalWrites === 'false') {
    out.push(
      `\`lsync init\` recorded \`conditional_writes: false\` for ${opts.server} (it ignores If-None-Match), so lsync looks at every key just before ` +
        'writing it (its overwrite guard): the puts waiting at the same moment share one ListObjectsV2 per folder (src/remote/s3/presence.ts), ' +
        'so a push of new files makes a little more than one request per file where the raw SDK makes one.',
      '',
    );
  }
  if (state.initSeconds.length > 0) {
    out.push(`\`lsync init\` (run before lsync's push and pull cases, not included in them): median ${median(state.initSeconds).toFixed(2)} s.`, '');
  }
}

/** The large-repository cases, when they ran. */
function largeTable(r: ReportContext): void {
  const { opts, state, out } = r;
  if (state.large.length > 0 || state.largeSetup !== undefined) {
    const nL = opts.large.toLocaleString('en-US');
    out.push(`## Large repository (${nL} files)`, '');
    out.push(
      `A repository of ${nL} small files in 1,000 folders, in sync with its prefix (${state.largeSetup ?? 'setup failed'}). ` +
        'Whole processes; median (min–max) of the runs.',
      '',
    );
    out.push('| measurement | s | CPU s | peak RSS MiB |', '|---|---:|---:|---:|');
    const rows: [LargeSample['what'], string][] = [
      ['status', `no-op \`lsync status\` (local scan, database, listing, plan)`],
      ['list', `raw SDK: ListObjectsV2 of the ${nL} keys alone, one page after another`],
      ['rescan', 'lsync re-scan of the unchanged tree alone (process: database load + walk; nothing hashed)'],
    ];
    for (const [what, text] of rows) {
      const xs = state.large.filter((x) => x.what === what && x.ok);
      if (xs.length === 0) continue;
      const cpu = xs.filter((x) => x.cpuS !== undefined).map((x) => x.cpuS ?? 0);
      const rss = xs.filter((x) => x.rssKiB !== undefined).map((x) => (x.rssKiB ?? 0) / 1024);
      out.push(`| ${text} | ${fmtRange(xs.map((x) => x.seconds))} | ${cpu.length > 0 ? fmtRange(cpu) : '—'} | ${rss.length > 0 ? fmtRange(rss, 0) : '—'} |`);
    }
    const details = state.large.filter((x) => x.detail !== undefined).map((x) => x.detail ?? '');
    if (details.length > 0) out.push('', `Re-scan, in-process timings: ${details.join('; ')}.`);
    out.push('');
  }
}

/** The machine, how each tool was run, the re-runs' writes, failures, profiles and every sample. */
function howItRan(r: ReportContext, machine: Machine): void {
  const { tools, state, out, get } = r;
  const cols = tools;
  out.push('## Machine', '', ...machine.lines, '');
  out.push('## How each tool was run', '');
  out.push(
    '- lsync: `lsync init s3://BUCKET/PREFIX --endpoint http://127.0.0.1:PORT` in the folder (untimed), then `lsync push` (cases 1–3, 5) or `lsync pull` in an empty, freshly initialised folder (4, 6); env `LSYNC_S3_PROVIDER` set to the server kind; default concurrency (16).',
    `- aws: \`aws --endpoint-url http://127.0.0.1:PORT s3 sync SRC DST\` with a temporary AWS_CONFIG_FILE: \`s3.max_concurrent_requests = ${CONCURRENCY}\`, path addressing, checksums when required.`,
    `- rclone: \`rclone copy SRC DST --transfers ${CONCURRENCY} --checkers ${CONCURRENCY} --fast-list\` with a temporary config (s3, provider Other, force_path_style, no_check_bucket); otherwise defaults (size + modtime comparison, 5 MiB upload chunks, 4 chunks in flight per file). \`--fast-list\` because s3rver returns an empty page for a delimiter listing over more than 1,000 keys, which breaks rclone's default folder-by-folder listing.`,
    '- s3cmd: `s3cmd -c CONFIG sync SRC/ s3://BUCKET/PREFIX/` (push) or `s3cmd -c CONFIG sync s3://BUCKET/PREFIX/ DST/` (pull; the trailing slashes make it sync the folder\'s contents, as the others do) with a temporary config: the server\'s keys, `host_base` = `host_bucket` = 127.0.0.1:PORT (no `%(bucket)s`: path-style requests), `use_https = False`, `signature_v2 = False`, `bucket_location = us-east-1` (with the default "US" it first asks for the bucket\'s location), an empty `access_token` (no EC2 metadata look-up). Otherwise its defaults: size + MD5 comparison (not `--no-check-md5`), MIME type guessed per file, attributes kept in `x-amz-meta-s3cmd-attrs`, 15 MiB multipart chunks. **One transfer at a time**: s3cmd 2.3 has no option for parallel transfers (files one after the other, and the parts of a multipart upload too; `--add-destination` only sends the same files to more buckets), so it is the only tool here without 16 in flight. It needed no workaround on s3rver: its recursive listing has no delimiter and pages with `marker` (ListObjects v1), which s3rver answers correctly past 1,000 keys, and its multipart upload works.',
    '- Each tool gets its own bucket per run and its own copy of the data (the 512 MiB file is hard-linked); output goes to a log file. The tool order rotates from run to run; a run does the small-file cases of every tool first, then the big-file cases of every tool (so the big-file runs being compared are close in time). Pulled data is checked (file count, sampled and all rewritten files byte for byte, MD5 of the big file); a run whose check fails counts as failed.',
    '',
  );
  const wroteCells = (kase: CaseName): string =>
    cols
      .map((t) => {
        const xs = get(t.name, kase).filter((s) => s.wrote !== undefined).map((s) => s.wrote ?? 0);
        return xs.length === 0 ? '—' : [...new Set(xs)].join(', ');
      })
      .join(' | ');
  out.push(
    'Objects the server shows as written by each re-run (LastModified after its start; expected 0 for the no-op and 100 for the modify case):',
    '',
    `| case | ${cols.map((t) => t.label).join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    `| no-op | ${wroteCells('noop')} |`,
    `| modify | ${wroteCells('modify')} |`,
    '',
  );
  if (state.failures.length > 0) out.push('## Failures', '', ...state.failures.map((f) => `- ${f}`), '');
  if (state.profiles.length > 0) out.push('## lsync CPU profiles (self time)', '', ...state.profiles, '');
  out.push('<details><summary>All samples (seconds)</summary>', '');
  out.push('| tool | case | run | s | CPU s | peak RSS MiB | ok |', '|---|---|---:|---:|---:|---:|---|');
  for (const s of state.samples) {
    out.push(`| ${s.tool} | ${s.kase} | ${s.run} | ${s.seconds.toFixed(3)} | ${s.cpuS !== undefined ? s.cpuS.toFixed(2) : '—'} | ${s.rssKiB !== undefined ? (s.rssKiB / 1024).toFixed(0) : '—'} | ${s.ok ? 'yes' : `no: ${s.note ?? ''}`} |`);
  }
  out.push('', '</details>', '');
}
