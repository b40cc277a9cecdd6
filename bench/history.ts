/**
 * The cost of history where the service keeps no versions: the requests a push of N changed files
 * sends with keeping on (a server-side copy of each object before it is overwritten, then one
 * retention pass), against keeping off (config versions_keep: 0), on a real local s3rver. Requests
 * are counted on the wire, by a counting HTTP proxy between the lsync process and the server.
 *
 *     npm run build && node dist/bench/history.js [--files 1000] [--size 1024] [--runs 3] [--server s3rver|moto]
 *
 * Cases (each on a fresh prefix; the N files pushed once, then all of them changed and pushed again,
 * and only that second push is measured):
 * - off: versions_keep 0;
 * - on: the default (versions_keep 20): one copy kept per file, nothing to prune;
 * - on, at the limit: versions_keep 1 and the files already overwritten once, so each push keeps
 *   one copy per file and retention deletes the copy before it (the steady state of any limit).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type ServerInfo, type ServerKind } from '../test/support/servers.js';
import { runCli } from '../test/support/world.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? fallback;
}

const FILES = Number(option('files', '1000'));
const SIZE = Number(option('size', '1024'));
const RUNS = Number(option('runs', '3'));
const SERVER = option('server', 's3rver') as ServerKind;

/** An S3 request's kind, from what is on the wire (the SDK's command names). */
function kindOf(req: IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://x');
  const q = url.searchParams;
  if (req.method === 'GET' && q.has('list-type')) return 'ListObjectsV2';
  if (req.method === 'GET' && q.has('versions')) return 'ListObjectVersions';
  if (req.method === 'PUT' && req.headers['x-amz-copy-source'] !== undefined) return 'CopyObject';
  if (req.method === 'POST' && q.has('delete')) return 'DeleteObjects';
  const byMethod: Readonly<Record<string, string>> = { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject', POST: 'Multipart' };
  return byMethod[req.method ?? ''] ?? (req.method ?? '?');
}

/** A proxy in front of the server that counts every request by kind (headers untouched: SigV4 signs the Host). */
class CountingProxy {
  readonly counts = new Map<string, number>();
  private readonly server: Server;

  constructor(private readonly target: URL) {
    this.server = createServer((req, res) => this.forward(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const kind = kindOf(req);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const out = request({ host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  }

  reset(): void {
    this.counts.clear();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Case {
  readonly name: string;
  readonly versionsKeep: number;
  /** Pushes of changed files before the measured one. */
  readonly before: number;
}

const CASES: readonly Case[] = [
  { name: 'off (versions_keep 0)', versionsKeep: 0, before: 1 },
  { name: 'on (versions_keep 20)', versionsKeep: 20, before: 1 },
  { name: 'on, at the limit (versions_keep 1)', versionsKeep: 1, before: 2 },
];

interface Measured {
  readonly seconds: number;
  readonly counts: ReadonlyMap<string, number>;
}

async function cli(dir: string, env: Readonly<Record<string, string>>, ...args: string[]): Promise<void> {
  const r = await runCli(dir, args, env);
  if (r.code !== 0) throw new Error(`lsync ${args.join(' ')} in ${dir} exited ${r.code}: ${r.stderr.trim()}`);
}

async function writeAll(dir: string, round: number): Promise<void> {
  await mkdir(join(dir, 'data'), { recursive: true });
  for (let i = 0; i < FILES; i++) await writeFile(join(dir, 'data', `f-${String(i).padStart(5, '0')}.txt`), Buffer.alloc(SIZE, `${round}:${i} `));
}

async function measureCase(c: Case, server: ServerInfo, proxy: CountingProxy, env: Readonly<Record<string, string>>, work: string, run: number): Promise<Measured> {
  const bucket = await server.createBucket();
  const dir = join(work, `${run}-${c.versionsKeep}`);
  await mkdir(dir, { recursive: true });
  await cli(dir, env, 'init', `s3://${bucket}/bench`);
  const config = join(dir, '.lsync', 'config.yaml');
  await writeFile(config, `${await readFile(config, 'utf8')}versions_keep: ${c.versionsKeep}\n`);
  for (let round = 0; round <= c.before; round++) {
    await writeAll(dir, round);
    await cli(dir, env, 'push', '-q');
  }
  await writeAll(dir, c.before + 1);
  proxy.reset();
  const t0 = process.hrtime.bigint();
  await cli(dir, env, 'push', '-q');
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, counts: new Map(proxy.counts) };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function report(results: ReadonlyMap<string, Measured[]>): string {
  const kinds = [...new Set([...results.values()].flatMap((ms) => ms.flatMap((m) => [...m.counts.keys()])))].sort();
  const total = (m: Measured): number => [...m.counts.values()].reduce((a, b) => a + b, 0);
  const off = median((results.get(CASES[0]?.name ?? '') ?? []).map(total));
  const out = [
    `History cost: a push of ${FILES.toLocaleString('en')} changed files × ${SIZE} B on ${SERVER}, requests counted on the wire, median of ${RUNS} run(s):`,
    '',
    `| case | ${kinds.join(' | ')} | requests | extra per file | seconds |`,
    `|---|${kinds.map(() => '---:').join('|')}|---:|---:|---:|`,
  ];
  for (const c of CASES) {
    const ms = results.get(c.name) ?? [];
    const cells = kinds.map((k) => String(median(ms.map((m) => m.counts.get(k) ?? 0))));
    const requests = median(ms.map(total));
    out.push(`| ${c.name} | ${cells.join(' | ')} | ${requests} | ${((requests - off) / FILES).toFixed(3)} | ${median(ms.map((m) => m.seconds)).toFixed(2)} |`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const server = await startServer(SERVER);
  const proxy = new CountingProxy(new URL(server.endpoint));
  const env = { ...server.env, AWS_ENDPOINT_URL_S3: await proxy.listen() };
  const work = await mkdtemp(join(process.env['LSYNC_BENCH_TMP'] ?? (process.platform === 'linux' ? '/dev/shm' : tmpdir()), 'lsync-history-'));
  const results = new Map<string, Measured[]>(CASES.map((c) => [c.name, []]));
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const c of CASES) results.get(c.name)?.push(await measureCase(c, server, proxy, env, work, run));
      process.stderr.write(`run ${run + 1}/${RUNS} done\n`);
    }
  } finally {
    await proxy.close();
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
  process.stdout.write(`${report(results)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
