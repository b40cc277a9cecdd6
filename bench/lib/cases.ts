/** The run: each tool through each case, checked; and the large-repository cases. */
import { spawnSync } from 'node:child_process';
import { link, mkdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine, log } from './util.js';
import { listFiles, md5File, modifiedIndexes, seededBytes, smallPath } from './data.js';
import { CaseName, ToolName } from './options.js';
import { Admin } from './server.js';
import { Measured, measure } from './measure.js';
import { Ctx, Tool } from './tools.js';

export interface Sample {
  readonly tool: ToolName;
  readonly kase: CaseName;
  readonly run: number;
  readonly seconds: number;
  readonly rssKiB: number | undefined;
  readonly cpuS: number | undefined;
  readonly ok: boolean;
  readonly note?: string;
  /** Objects the server shows as written during this process (no-op and modify cases). */
  readonly wrote?: number;
}

export interface State {
  readonly samples: Sample[];
  readonly initSeconds: number[];
  readonly failures: string[];
  readonly profiles: string[];
  /** `conditional_writes` as `lsync init` recorded it for this server. */
  conditionalWrites?: string;
  /** The large-repository cases (--large): one row per measurement. */
  readonly large: LargeSample[];
  largeSetup?: string;
}

export interface LargeSample {
  readonly what: 'status' | 'list' | 'rescan';
  readonly seconds: number;
  readonly cpuS: number | undefined;
  readonly rssKiB: number | undefined;
  readonly ok: boolean;
  /** For the re-scan: the worker's own line (walk and database load timed apart). */
  readonly detail?: string;
}

export function copyTree(from: string, to: string): void {
  const r = spawnSync('cp', ['-a', from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -a ${from} ${to}: ${r.stderr}`);
}

export async function verifySmall(pulled: string, reference: string, count: number): Promise<string | undefined> {
  const files = await listFiles(pulled);
  if (files.length !== count) return `pulled ${files.length} files, expected ${count}`;
  const check = new Set<number>(modifiedIndexes(count));
  for (let i = 0; i < count; i += 97) check.add(i);
  for (const i of check) {
    const rel = smallPath(i);
    const [a, b] = await Promise.all([readFile(join(pulled, rel)).catch(() => undefined), readFile(join(reference, rel))]);
    if (a === undefined || !a.equals(b)) return `content of ${rel} differs`;
  }
  return undefined;
}

/**
 * One tool's cases of one phase of a run: the small-file cases, or the big-file ones. A run does
 * every tool's small phase, then every tool's big phase, so that the big-file runs of all tools
 * (a few seconds each, and compared with the raw SDK's) lie within a minute of each other instead
 * of several minutes apart on a machine whose speed drifts.
 */
export async function runTool(tool: Tool, run: number, ctx: Ctx, admin: Admin, dataSmall: string, bigFile: string, state: State, phase: 'small' | 'big'): Promise<void> {
  const { opts } = ctx;
  const bucket = `bench-${tool.name}-${run}`;
  if (phase === 'small' || !opts.small) await admin.createBucket(bucket);
  const base = join(ctx.work, `${tool.name}-${run}`);
  const logs = join(ctx.work, 'logs', `${tool.name}-${run}`);
  await mkdir(base, { recursive: true });

  const record = (kase: CaseName, m: Measured, note?: string, wrote?: number): boolean => {
    const ok = m.exitCode === 0 && !m.timedOut && note === undefined;
    const why = m.timedOut ? `timed out after ${opts.timeoutS} s` : m.exitCode !== 0 ? `exit ${String(m.exitCode)}` : note;
    state.samples.push({
      tool: tool.name,
      kase,
      run,
      seconds: m.seconds,
      rssKiB: m.rssKiB,
      cpuS: m.cpuS,
      ok,
      ...(why !== undefined ? { note: why } : {}),
      ...(wrote !== undefined ? { wrote } : {}),
    });
    const rss =
      (m.rssKiB !== undefined ? `, peak RSS ${(m.rssKiB / 1024).toFixed(0)} MiB` : '') + (m.cpuS !== undefined ? `, CPU ${m.cpuS.toFixed(2)} s` : '');
    const w = wrote !== undefined ? `, ${wrote} object(s) written` : '';
    log(`  ${tool.name.padEnd(6)} ${kase.padEnd(10)} run ${run}: ${m.seconds.toFixed(2)} s${rss}${w}${ok ? '' : `  FAILED: ${why ?? ''}`}`);
    if (!ok) state.failures.push(`${tool.label}, ${kase}, run ${run}: ${why ?? ''}\n\n\`\`\`\n${m.logTail.trim()}\n\`\`\``);
    return ok;
  };
  const prepare = async (dir: string, prefix: string, name: string): Promise<boolean> => {
    await mkdir(dir, { recursive: true });
    if (tool.prepare === undefined) return true;
    const m = await tool.prepare(ctx, dir, bucket, prefix, join(logs, `${name}.log`));
    if (m.exitCode !== 0) {
      state.failures.push(`${tool.label}, init for ${name}, run ${run}: exit ${String(m.exitCode)}\n\n\`\`\`\n${m.logTail.trim()}\n\`\`\``);
      log(`  ${tool.name} init failed: ${m.logTail.trim()}`);
      return false;
    }
    state.initSeconds.push(m.seconds);
    if (tool.name === 'lsync' && state.conditionalWrites === undefined) {
      const config = await readFile(join(dir, '.lsync', 'config.yaml'), 'utf8').catch(() => '');
      const cw = /^conditional_writes:\s*(\S+)/m.exec(config)?.[1];
      if (cw !== undefined) state.conditionalWrites = cw;
    }
    return true;
  };

  const r: ToolRun = { tool, run, ctx, admin, state, bucket, base, logs, record, prepare };
  if (opts.small && phase === 'small') await runSmall(r, dataSmall);
  if (opts.big && phase === 'big') await runBig(r, bigFile);
}

/** One tool's run, as its cases share it: where it works, and how a sample is recorded. */
interface ToolRun {
  readonly tool: Tool;
  readonly run: number;
  readonly ctx: Ctx;
  readonly admin: Admin;
  readonly state: State;
  readonly bucket: string;
  readonly base: string;
  readonly logs: string;
  /** Records a sample (and a failure, if it is one); true when it passed. */
  readonly record: (kase: CaseName, m: Measured, note?: string, wrote?: number) => boolean;
  /** The tool's init in `dir`, where it has one; false (recorded) when it failed. */
  readonly prepare: (dir: string, prefix: string, name: string) => Promise<boolean>;
}

/** Small files: push, no-op, modify, pull. */
async function runSmall(r: ToolRun, dataSmall: string): Promise<void> {
  const { tool, run, ctx, admin, bucket, base, logs, record, prepare } = r;
  const { opts } = ctx;
  const prefix = 'small/';
  const work = join(base, 'small');
  let pushed = false;
  if (tool.name === 'raw') {
    pushed = record('push-small', await measure(tool.push(ctx, dataSmall, bucket, prefix, false, 'push-small'), join(logs, 'push-small.log'), opts.timeoutS));
    if (pushed) record('noop', await measure(tool.push(ctx, dataSmall, bucket, prefix, false, 'noop'), join(logs, 'noop.log'), opts.timeoutS));
  } else {
    copyTree(dataSmall, work);
    if (await prepare(work, prefix, 'init-small')) {
      pushed = record('push-small', await measure(tool.push(ctx, work, bucket, prefix, false, 'push-small'), join(logs, 'push-small.log'), opts.timeoutS));
      if (pushed) {
        // How many objects a re-run writes, from the server's LastModified (second precision on
        // some servers: start each re-run on a fresh second, after everything before it).
        const rerun = async (kase: CaseName, expected: number): Promise<void> => {
          await new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));
          const since = new Date(Math.floor(Date.now() / 1000) * 1000);
          const m = await measure(tool.push(ctx, work, bucket, prefix, false, kase), join(logs, `${kase}.log`), opts.timeoutS);
          const count = await admin.countWritten(bucket, prefix, since);
          const bad =
            count.total !== opts.smallCount
              ? `${count.total} objects under the prefix, expected ${opts.smallCount}`
              : count.since < expected
                ? `only ${count.since} of the ${expected} rewritten files reached the server`
                : undefined;
          record(kase, m, bad, count.since);
        };
        await rerun('noop', 0);
        for (const i of modifiedIndexes(opts.smallCount)) {
          const file = join(work, smallPath(i));
          await unlink(file); // never write through a hard link or into an inode a tool may hold
          await writeFile(file, seededBytes(`modified-${run}-${i}`, opts.smallSize));
        }
        await rerun('modify', modifiedIndexes(opts.smallCount).length);
      }
    }
  }
  if (pushed) {
    const into = join(base, 'pull-small');
    if (await prepare(into, prefix, 'init-pull-small')) {
      const m = await measure(tool.pull(ctx, into, bucket, prefix, false, 'pull-small'), join(logs, 'pull-small.log'), opts.timeoutS);
      const bad = m.exitCode === 0 ? await verifySmall(into, tool.name === 'raw' ? dataSmall : work, opts.smallCount) : undefined;
      record('pull-small', m, bad);
    }
  }
  if (!opts.keep) {
    await rm(work, { recursive: true, force: true });
    await rm(join(base, 'pull-small'), { recursive: true, force: true });
  }
}

/** One big file: push, pull. */
async function runBig(r: ToolRun, bigFile: string): Promise<void> {
  const { tool, ctx, admin, bucket, base, logs, record, prepare } = r;
  const { opts } = ctx;
  const prefix = 'big/';
  const work = join(base, 'big');
  await mkdir(work, { recursive: true });
  await link(bigFile, join(work, 'big.bin')); // same bytes, no copy; nothing writes to it
  let pushed = false;
  if (await prepare(work, prefix, 'init-big')) {
    pushed = record('push-big', await measure(tool.push(ctx, work, bucket, prefix, true, 'push-big'), join(logs, 'push-big.log'), opts.timeoutS));
  }
  if (pushed) {
    const into = join(base, 'pull-big');
    if (await prepare(into, prefix, 'init-pull-big')) {
      const m = await measure(tool.pull(ctx, into, bucket, prefix, true, 'pull-big'), join(logs, 'pull-big.log'), opts.timeoutS);
      let bad: string | undefined;
      if (m.exitCode === 0) {
        const f = join(into, 'big.bin');
        const st = await stat(f).catch(() => undefined);
        if (st === undefined) bad = 'big.bin missing after pull';
        else if (st.size !== opts.bigSize) bad = `big.bin is ${st.size} bytes, expected ${opts.bigSize}`;
        else if ((await md5File(f)) !== expected.bigMd5) bad = 'big.bin content differs';
      }
      record('pull-big', m, bad);
    }
  }
  if (!opts.keep) {
    await rm(work, { recursive: true, force: true });
    await rm(join(base, 'pull-big'), { recursive: true, force: true });
    await admin.deletePrefix(bucket, prefix); // 512 MiB per tool and run on tmpfs adds up
  }
}

/** The MD5 of the big file, set once it is written (main). */
export const expected = { bigMd5: '' };

export function largePath(i: number): string {
  // 10 × 100 folders of about N / 1000 files: a key space a listing can split by its top level.
  const folder = i % 1000;
  return `t${Math.floor(folder / 100)}/d${String(folder % 100).padStart(2, '0')}/f${String(i).padStart(6, '0')}.txt`;
}

/**
 * The large-repository cases: a repository of `opts.large` small files, in sync (set up once,
 * untimed: files written, uploaded with the SDK, then one `lsync sync` that records them), then per
 * run a no-op `lsync status` (listing included), the raw listing of the same keys, and lsync's
 * re-scan of the unchanged tree (in-process: walk and stat; nothing may need hashing).
 */
export async function runLarge(ctx: Ctx, admin: Admin, tools: readonly Tool[], state: State): Promise<void> {
  const { opts } = ctx;
  const lsync = tools.find((t) => t.name === 'lsync');
  if (lsync === undefined) return;
  const raw = tools.find((t) => t.name === 'raw');
  const bucket = 'bench-large';
  const prefix = 'large/';
  const repo = join(ctx.work, 'large', 'repo');
  const logs = join(ctx.work, 'logs', 'large');
  const t0 = Date.now();
  log(`large: writing ${opts.large} files`);
  const paths = Array.from({ length: opts.large }, (_, i) => largePath(i));
  for (const d of new Set(paths.map((p) => dirname(p)))) await mkdir(join(repo, d), { recursive: true });
  for (let i = 0; i < paths.length; i += 512) {
    await Promise.all(paths.slice(i, i + 512).map((p, j) => writeFile(join(repo, p), `large file ${i + j}\n`)));
  }
  await admin.createBucket(bucket);
  log(`large: uploading them with the SDK`);
  await admin.putMany(bucket, prefix, repo, paths);
  const init = await lsync.prepare?.(ctx, repo, bucket, prefix, join(logs, 'init.log'));
  if (init !== undefined && init.exitCode !== 0) {
    state.failures.push(`large: lsync init: exit ${String(init.exitCode)}\n\n\`\`\`\n${init.logTail.trim()}\n\`\`\``);
    return;
  }
  log(`large: first lsync sync (records every file, transfers nothing)`);
  const env = { ...ctx.baseEnv, LSYNC_S3_PROVIDER: ctx.server.kind };
  const first = await measure({ argv: [process.execPath, join(ctx.root, 'bin', 'lsync.js'), 'sync'], cwd: repo, env }, join(logs, 'first-sync.log'), opts.timeoutS);
  if (first.exitCode !== 0) {
    state.failures.push(`large: first lsync sync: exit ${String(first.exitCode)}\n\n\`\`\`\n${first.logTail.trim()}\n\`\`\``);
    return;
  }
  state.largeSetup = `set up in ${((Date.now() - t0) / 1000).toFixed(0)} s (the first \`lsync sync\`, which hashes and records every file: ${first.seconds.toFixed(1)} s)`;
  const self = fileURLToPath(new URL('../run.js', import.meta.url));
  const push = (what: LargeSample['what'], m: Measured, detail?: string): void => {
    const ok = m.exitCode === 0 && !m.timedOut;
    state.large.push({ what, seconds: m.seconds, cpuS: m.cpuS, rssKiB: m.rssKiB, ok, ...(detail !== undefined ? { detail } : {}) });
    log(`  large ${what.padEnd(6)}: ${m.seconds.toFixed(2)} s, CPU ${m.cpuS?.toFixed(2) ?? '?'} s${detail !== undefined ? ` (${detail})` : ''}${ok ? '' : '  FAILED'}`);
    if (!ok) state.failures.push(`large ${what}: exit ${String(m.exitCode)}\n\n\`\`\`\n${m.logTail.trim()}\n\`\`\``);
  };
  for (let run = 1; run <= opts.runs; run++) {
    const status = await measure({ argv: [...lsyncNode(ctx, `large-status-${run}`), 'status'], cwd: repo, env }, join(logs, `status-${run}.log`), opts.timeoutS);
    const changes = /nothing to do|in sync|up to date/i.test(status.logTail) ? undefined : 'status did not say the repository is in sync';
    push('status', changes === undefined ? status : { ...status, exitCode: status.exitCode === 0 ? -2 : status.exitCode });
    if (raw !== undefined) {
      push('list', await measure({ argv: [process.execPath, self, '--worker', 'raw-list', ctx.server.endpoint, bucket, prefix, repo], cwd: repo, env: ctx.baseEnv }, join(logs, `list-${run}.log`), opts.timeoutS));
    }
    const rescanLog = join(logs, `rescan-${run}.log`);
    const rescan = await measure({ argv: [process.execPath, self, '--worker', 'rescan', '-', '-', '-', repo], cwd: repo, env: ctx.baseEnv }, rescanLog, opts.timeoutS);
    push('rescan', rescan, firstLine(await readFile(rescanLog, 'utf8').catch(() => '')));
  }
  if (!opts.keep) await rm(join(ctx.work, 'large'), { recursive: true, force: true });
}

export function lsyncNode(ctx: Ctx, profileName: string): string[] {
  const bin = join(ctx.root, 'bin', 'lsync.js');
  return ctx.opts.profile
    ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', join(ctx.work, 'profiles'), '--cpu-prof-name', `${profileName}.cpuprofile`, bin]
    : [process.execPath, bin];
}
