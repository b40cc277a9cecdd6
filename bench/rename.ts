/**
 * The cost of renaming a folder, next to deleting it and uploading it again under the new name:
 * whole `lsync sync` processes on the side that renamed and on a collaborator's side, against a
 * real local S3 server, with the bytes each run sent and received (from the `--json` summary).
 *
 *     npx tsc -p . && node dist/bench/rename.js [--files 1000] [--size 65536] [--runs 3] [--server s3rver|moto]
 *
 * Both cases start from the same synced state (a folder of N files, at two collaborators):
 * - rename: A renames `docs/` to `docs-renamed/` and syncs (server-side copies + deletes); B syncs
 *   (local renames).
 * - delete + re-upload: A deletes `docs/` and syncs (`--max-delete` lets the mass deletion through), B
 * syncs (local deletes); A writes the same
 *   files under `docs-renamed/` and syncs (uploads), B syncs (downloads). Each side's time is the sum
 *   of its two runs: what the rename would cost a tool that does not detect moves.
 */
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerInfo, type ServerKind } from '../test/support/servers.js';
import { runCli } from '../test/support/world.js';

interface Figures {
  readonly seconds: number;
  readonly sent: number;
  readonly received: number;
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v ?? fallback;
}

const FILES = Number(option('files', '1000'));
const SIZE = Number(option('size', String(64 * 1024)));
const RUNS = Number(option('runs', '3'));
const SERVER = option('server', 's3rver') as ServerKind;

/** One whole `lsync sync --json` process; fails loudly on anything but exit 0. */
async function sync(dir: string, env: Readonly<Record<string, string>>): Promise<Figures> {
  const t0 = process.hrtime.bigint();
  const r = await runCli(dir, ['sync', '--json', '--max-delete', String(FILES)], env);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.code !== 0) throw new Error(`lsync sync in ${dir} exited ${r.code}: ${r.stderr.trim()}`);
  const summary = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((e) => e['type'] === 'summary');
  if (summary === undefined) throw new Error(`no summary from lsync sync in ${dir}`);
  return { seconds, sent: Number(summary['bytesSent']), received: Number(summary['bytesReceived']) };
}

const add = (a: Figures, b: Figures): Figures => ({ seconds: a.seconds + b.seconds, sent: a.sent + b.sent, received: a.received + b.received });

async function writeFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const body = Buffer.alloc(SIZE, `${i} `);
    await writeFile(join(dir, `file-${String(i).padStart(5, '0')}.bin`), body);
  }
}

/** Two collaborators sharing a fresh prefix, both holding the synced folder `docs/`. */
async function setUp(server: ServerInfo, work: string, name: string): Promise<{ a: string; b: string; env: Readonly<Record<string, string>> }> {
  const bucket = await server.createBucket();
  const a = join(work, `${name}-a`);
  const b = join(work, `${name}-b`);
  await writeFolder(join(a, 'docs'));
  await mkdir(b, { recursive: true });
  const env = server.env;
  for (const dir of [a, b]) {
    const r = await runCli(dir, ['init', `s3://${bucket}/shared`], env);
    if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  }
  await sync(a, env);
  await sync(b, env);
  return { a, b, env };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const server = await startServer(SERVER);
  const work = await mkdtemp(join(process.env['LSYNC_BENCH_TMP'] ?? (process.platform === 'linux' ? '/dev/shm' : tmpdir()), 'lsync-rename-'));
  const rows: { case: string; side: string; runs: Figures[] }[] = [
    { case: 'rename', side: 'renaming side (A)', runs: [] },
    { case: 'rename', side: 'collaborator (B)', runs: [] },
    { case: 'delete + re-upload', side: 'renaming side (A)', runs: [] },
    { case: 'delete + re-upload', side: 'collaborator (B)', runs: [] },
  ];
  try {
    for (let run = 0; run < RUNS; run++) {
      {
        const { a, b, env } = await setUp(server, work, `mv${run}`);
        await rename(join(a, 'docs'), join(a, 'docs-renamed'));
        rows[0]?.runs.push(await sync(a, env));
        rows[1]?.runs.push(await sync(b, env));
      }
      {
        const { a, b, env } = await setUp(server, work, `rm${run}`);
        const keep = join(work, `rm${run}-keep`);
        await cp(join(a, 'docs'), keep, { recursive: true, preserveTimestamps: true });
        await rm(join(a, 'docs'), { recursive: true });
        const aDelete = await sync(a, env);
        const bDelete = await sync(b, env);
        await rename(keep, join(a, 'docs-renamed'));
        rows[2]?.runs.push(add(aDelete, await sync(a, env)));
        rows[3]?.runs.push(add(bDelete, await sync(b, env)));
      }
      process.stderr.write(`run ${run + 1}/${RUNS} done\n`);
    }
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
  const out: string[] = [];
  out.push(`Folder rename, ${FILES.toLocaleString('en')} files × ${SIZE / 1024} KiB, ${SERVER}, median (min–max) of ${RUNS} whole-process runs:`);
  out.push('');
  out.push('| case | side | seconds | MiB sent | MiB received |');
  out.push('|---|---|---:|---:|---:|');
  for (const r of rows) {
    const secs = r.runs.map((f) => f.seconds);
    const sent = median(r.runs.map((f) => f.sent)) / MiB;
    const received = median(r.runs.map((f) => f.received)) / MiB;
    out.push(`| ${r.case} | ${r.side} | ${median(secs).toFixed(2)} (${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)}) | ${sent.toFixed(1)} | ${received.toFixed(1)} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
