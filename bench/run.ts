/**
 * End-to-end benchmark: whole processes of lsync next to `aws s3 sync`, `rclone` and `s3cmd sync`, against the
 * same local S3 server (s3rver, or moto with `--server moto`) and the same seeded data on tmpfs.
 *
 *     npx tsc -p . && node dist/bench/run.js [--quick] [--runs N] [--server s3rver|moto]
 *                                         [--tools lsync,aws,rclone,s3cmd,raw] [--out FILE] [--profile] [--keep] [--skip-big]
 *                                         [--large [N]]
 *
 * Writes a Markdown report (bench/RESULTS.md; bench/RESULTS-quick.md with --quick). See
 * bench/README.md for what each case means.
 *
 * The same file also holds the "raw SDK" worker (`--worker raw-put|raw-get|raw-put-big|raw-get-big`),
 * run as its own process so that it is timed like every other tool: the minimum a client of
 * @aws-sdk/client-s3 needs to move the same bytes at 16 requests in flight.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  openSync,
  readFileSync,
  readdirSync,
} from 'node:fs';
import { link, mkdir, open, readFile, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { Agent as HttpAgent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, hostname, release, totalmem } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Small utilities

const KiB = 1024;
const MiB = 1024 * KiB;
const CONCURRENCY = 16;

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const parsed: unknown = JSON.parse(readFileSync(pkg, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && parsed.name === 'lsync') return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json named lsync) not found');
    dir = up;
  }
}

function which(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(endpoint, { method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

const children = new Set<ChildProcess>();
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // gone already
  }
}
process.on('exit', () => {
  for (const c of children) killGroup(c, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const c of children) killGroup(c, 'SIGKILL');
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// Deterministic data: AES-128-CTR keystream keyed by a seed string (fast, and the same bytes on
// every machine).

function seededBytes(seed: string, length: number): Buffer {
  const digest = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', digest.subarray(0, 16), digest.subarray(16, 32));
  return cipher.update(Buffer.alloc(length));
}

function smallPath(i: number): string {
  // 10 × 10 = 100 leaf folders; fixed-width names so every server lists them in byte order.
  const folder = i % 100;
  return `g${Math.floor(folder / 10)}/d${folder % 10}/f${String(i).padStart(5, '0')}.dat`;
}

async function writeSmallDataset(dir: string, count: number, size: number): Promise<void> {
  for (let f = 0; f < 100; f++) await mkdir(join(dir, `g${Math.floor(f / 10)}`, `d${f % 10}`), { recursive: true });
  const batch = 256;
  for (let start = 0; start < count; start += batch) {
    const jobs: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      jobs.push(writeFile(join(dir, smallPath(i)), seededBytes(`small-${i}`, size)));
    }
    await Promise.all(jobs);
  }
}

async function writeBigFile(file: string, size: number): Promise<void> {
  const digest = createHash('sha256').update('big').digest();
  const cipher = createCipheriv('aes-128-ctr', digest.subarray(0, 16), digest.subarray(16, 32));
  const chunk = Buffer.alloc(8 * MiB);
  const out = createWriteStream(file);
  for (let written = 0; written < size; written += chunk.length) {
    const piece = cipher.update(chunk.subarray(0, Math.min(chunk.length, size - written)));
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** The files rewritten by the "modify" case: one per folder, spread over the tree. */
function modifiedIndexes(count: number): number[] {
  const out: number[] = [];
  for (let i = 7; i < count && out.length < 100; i += Math.max(1, Math.floor(count / 100))) out.push(i);
  return out;
}

async function md5File(file: string): Promise<string> {
  const h = createHash('md5');
  await pipeline(createReadStream(file, { highWaterMark: 4 * MiB }), h);
  return h.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = relative(dir, join(e.parentPath, e.name));
    if (rel.startsWith('.lsync/') || rel.includes('/.lsync/')) continue;
    out.push(rel);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Raw SDK worker (a separate process; see the header comment)

interface WorkerArgs {
  readonly endpoint: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly dir: string;
}

async function rawWorker(mode: string, args: WorkerArgs): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const s3 = await import('@aws-sdk/client-s3');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const agent = new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY + 2 });
  const client = new s3.S3Client({
    endpoint: args.endpoint,
    region: process.env['AWS_REGION'] ?? 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ httpAgent: agent, requestTimeout: 300_000 }),
  });
  const pool = async <T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        const item = items[i];
        if (item === undefined) return;
        await fn(item);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  };
  try {
    if (mode === 'raw-put') {
      const files = await listFiles(args.dir);
      await pool(files, async (rel) => {
        const body = await readFile(join(args.dir, rel));
        await client.send(new s3.PutObjectCommand({ Bucket: args.bucket, Key: args.prefix + rel, Body: body }));
      });
      process.stdout.write(`put ${files.length} objects\n`);
    } else if (mode === 'raw-list') {
      // What any no-op has to do at least: list the prefix.
      let count = 0;
      let token: string | undefined;
      do {
        const page = await client.send(
          new s3.ListObjectsV2Command({ Bucket: args.bucket, Prefix: args.prefix, ...(token !== undefined ? { ContinuationToken: token } : {}) }),
        );
        count += page.Contents?.length ?? 0;
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      process.stdout.write(`listed ${count} objects\n`);
    } else if (mode === 'raw-get') {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new s3.ListObjectsV2Command({
            Bucket: args.bucket,
            Prefix: args.prefix,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
        );
        for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      const made = new Map<string, Promise<unknown>>();
      await pool(keys, async (key) => {
        const file = join(args.dir, key.slice(args.prefix.length));
        const parent = dirname(file);
        let dirReady = made.get(parent);
        if (dirReady === undefined) {
          dirReady = mkdir(parent, { recursive: true });
          made.set(parent, dirReady);
        }
        await dirReady;
        const res = await client.send(new s3.GetObjectCommand({ Bucket: args.bucket, Key: key }));
        if (res.Body === undefined) throw new Error(`no body for ${key}`);
        await writeFile(file, await res.Body.transformToByteArray());
      });
      process.stdout.write(`got ${keys.length} objects\n`);
    } else if (mode === 'raw-put-big') {
      // Multipart by hand: 16 MiB parts (lsync's part size) read with positional reads into
      // buffers, 16 UploadPart in flight, then CompleteMultipartUpload.
      const partSize = 16 * MiB;
      for (const rel of await listFiles(args.dir)) {
        const file = join(args.dir, rel);
        const size = (await stat(file)).size;
        const key = args.prefix + rel;
        const created = await client.send(new s3.CreateMultipartUploadCommand({ Bucket: args.bucket, Key: key }));
        const uploadId = created.UploadId;
        if (uploadId === undefined) throw new Error('no UploadId');
        const fh = await open(file, 'r');
        const parts: { PartNumber: number; ETag: string }[] = [];
        try {
          const numbers = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i + 1);
          await pool(numbers, async (n) => {
            const offset = (n - 1) * partSize;
            const buf = Buffer.allocUnsafe(Math.min(partSize, size - offset));
            const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
            if (bytesRead !== buf.length) throw new Error('short read');
            const res = await client.send(new s3.UploadPartCommand({ Bucket: args.bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: buf }));
            if (res.ETag === undefined) throw new Error(`no ETag for part ${n}`);
            parts.push({ PartNumber: n, ETag: res.ETag });
          });
        } finally {
          await fh.close();
        }
        parts.sort((a, b) => a.PartNumber - b.PartNumber);
        await client.send(new s3.CompleteMultipartUploadCommand({ Bucket: args.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
      }
      process.stdout.write('uploaded\n');
    } else if (mode === 'raw-get-big') {
      // Ranged GETs of 16 MiB, 16 in flight, each streamed to its offset in the file.
      const partSize = 16 * MiB;
      const page = await client.send(new s3.ListObjectsV2Command({ Bucket: args.bucket, Prefix: args.prefix }));
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined || o.Size === undefined) continue;
        const key = o.Key;
        const size = o.Size;
        const file = join(args.dir, key.slice(args.prefix.length));
        await mkdir(dirname(file), { recursive: true });
        const fh = await open(file, 'w');
        try {
          const starts = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i * partSize);
          await pool(starts, async (offset) => {
            const last = Math.min(size, offset + partSize) - 1;
            const res = await client.send(new s3.GetObjectCommand({ Bucket: args.bucket, Key: key, Range: `bytes=${offset}-${last}` }));
            const body = res.Body;
            if (body === undefined || !(body instanceof Readable)) throw new Error(`no stream body for ${key}`);
            let at = offset;
            for await (const chunk of body) {
              if (!(chunk instanceof Uint8Array)) throw new Error('unexpected chunk type');
              let done = 0;
              while (done < chunk.length) {
                const { bytesWritten } = await fh.write(chunk, done, chunk.length - done, at + done);
                done += bytesWritten;
              }
              at += chunk.length;
            }
            if (at !== last + 1) throw new Error(`range ${offset}-${last}: got ${at - offset} bytes`);
          });
        } finally {
          await fh.close();
        }
      }
      process.stdout.write('downloaded\n');
    } else if (mode === 'rescan') {
      // lsync's own re-scan of an unchanged tree, in-process (database load and walk timed apart).
      const { openDatabase } = (await import(new URL('../src/state/db.js', import.meta.url).href)) as typeof import('../src/state/db.js');
      const { scanLocal } = (await import(new URL('../src/scan/local.js', import.meta.url).href)) as typeof import('../src/scan/local.js');
      let t = performance.now();
      const db = await openDatabase(join(args.dir, '.lsync'));
      const loadMs = performance.now() - t;
      t = performance.now();
      const scan = await scanLocal(args.dir, { base: db.entries });
      const scanMs = performance.now() - t;
      await db.close();
      process.stdout.write(`rescan ${scan.entries.size} files: scan ${scanMs.toFixed(0)} ms, database load ${loadMs.toFixed(0)} ms\n`);
    } else {
      throw new Error(`unknown worker mode ${mode}`);
    }
  } finally {
    client.destroy();
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Options

type ToolName = 'lsync' | 'aws' | 'rclone' | 's3cmd' | 'raw';
type CaseName = 'push-small' | 'noop' | 'modify' | 'pull-small' | 'push-big' | 'pull-big';
type ServerKind = 's3rver' | 'moto';

interface Options {
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

const ALL_TOOLS: readonly ToolName[] = ['lsync', 'aws', 'rclone', 's3cmd', 'raw'];
const CASES: readonly CaseName[] = ['push-small', 'noop', 'modify', 'pull-small', 'push-big', 'pull-big'];

function usage(): never {
  process.stderr.write(
    'usage: node dist/bench/run.js [--quick] [--runs N] [--server s3rver|moto] [--tools lsync,aws,rclone,s3cmd,raw]\n' +
      '                              [--out FILE] [--profile] [--keep] [--cases small,big] [--skip-big] [--large [N]] [--timeout SECONDS]\n',
  );
  process.exit(2);
}

function parseOptions(argv: readonly string[], root: string): Options {
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

// ---------------------------------------------------------------------------------------------
// Server

interface Server {
  readonly kind: ServerKind;
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly version: string;
  stop(): Promise<void>;
}

async function startServer(kind: ServerKind, root: string, dataDir: string): Promise<Server> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  await mkdir(dataDir, { recursive: true });
  const s3rverJs = join(root, 'node_modules/s3rver/bin/s3rver.js');
  const child =
    kind === 's3rver'
      ? spawn(
          process.execPath,
          // Without the legacy provider, listings past 1,000 keys fail with 500 (DES continuation tokens).
          ['--openssl-legacy-provider', s3rverJs, '-d', dataDir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--no-vhost-buckets'],
          { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
        )
      : spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], cwd: dataDir });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-2000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      killGroup(child, 'SIGTERM');
      const t = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    children.delete(child);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${kind} exited: ${stderr.trim()}`);
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${kind} did not answer within 30 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const version =
    kind === 's3rver'
      ? `s3rver ${String((JSON.parse(readFileSync(join(root, 'node_modules/s3rver/package.json'), 'utf8')) as { version?: unknown }).version)}`
      : `moto ${firstLine(spawnSync('moto_server', ['--version'], { encoding: 'utf8' }).stdout ?? '') || '(version unknown)'}`;
  const creds = kind === 's3rver' ? 'S3RVER' : 'testing';
  return { kind, endpoint, accessKeyId: creds, secretAccessKey: creds, region: 'us-east-1', version, stop };
}

interface Admin {
  createBucket(name: string): Promise<void>;
  deletePrefix(bucket: string, prefix: string): Promise<void>;
  /** Objects under the prefix, and how many of them were last modified at or after `since`. */
  countWritten(bucket: string, prefix: string, since: Date): Promise<{ total: number; since: number }>;
  /** Uploads local files (repository-relative paths under `dir`) as `prefix + path`, many in flight. */
  putMany(bucket: string, prefix: string, dir: string, paths: readonly string[]): Promise<void>;
  destroy(): void;
}

async function adminClient(server: Server): Promise<Admin> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const s3 = await import('@aws-sdk/client-s3');
  const client = new s3.S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    async createBucket(name) {
      await client.send(new s3.CreateBucketCommand({ Bucket: name }));
    },
    async deletePrefix(bucket, prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token !== undefined ? { ContinuationToken: token } : {}) }),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key !== undefined) await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    },
    async countWritten(bucket, prefix, since) {
      let total = 0;
      let after = 0;
      let token: string | undefined;
      do {
        const page = await client.send(
          new s3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token !== undefined ? { ContinuationToken: token } : {}) }),
        );
        for (const o of page.Contents ?? []) {
          total++;
          if (o.LastModified !== undefined && o.LastModified.getTime() >= since.getTime()) after++;
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return { total, since: after };
    },
    async putMany(bucket, prefix, dir, paths) {
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let i = next++; i < paths.length; i = next++) {
          const rel = paths[i] ?? '';
          await client.send(new s3.PutObjectCommand({ Bucket: bucket, Key: prefix + rel, Body: await readFile(join(dir, rel)) }));
        }
      };
      await Promise.all(Array.from({ length: 2 * CONCURRENCY }, lane));
    },
    destroy() {
      client.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Timed processes

interface Cmd {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

interface Measured {
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Peak RSS in KiB: from /usr/bin/time -v, or VmHWM polled from /proc. */
  readonly rssKiB: number | undefined;
  /** User + system CPU seconds of the process (from /usr/bin/time -v): steadier than wall time on a busy machine. */
  readonly cpuS: number | undefined;
  readonly logTail: string;
}

const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

async function readVmHWM(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function measure(cmd: Cmd, logFile: string, timeoutS: number): Promise<Measured> {
  await mkdir(dirname(logFile), { recursive: true });
  const timeFile = `${logFile}.time`;
  const argv = TIME_BIN !== undefined ? [TIME_BIN, '-v', '-o', timeFile, ...cmd.argv] : [...cmd.argv];
  const fd = openSync(logFile, 'w');
  const [file, ...rest] = argv;
  if (file === undefined) throw new Error('empty command');
  const start = process.hrtime.bigint();
  const child = spawn(file, rest, { cwd: cmd.cwd, env: { ...cmd.env }, stdio: ['ignore', fd, fd], detached: true });
  children.add(child);
  let polledHWM: number | undefined;
  const poller =
    TIME_BIN === undefined && child.pid !== undefined
      ? setInterval(() => {
          const pid = child.pid;
          if (pid === undefined) return;
          void readVmHWM(pid).then((v) => {
            if (v !== undefined) polledHWM = Math.max(polledHWM ?? 0, v);
          });
        }, 50)
      : undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, timeoutS * 1000);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearTimeout(timer);
  if (poller !== undefined) clearInterval(poller);
  children.delete(child);
  closeSync(fd);
  let rssKiB = polledHWM;
  let cpuS: number | undefined;
  if (TIME_BIN !== undefined && existsSync(timeFile)) {
    const timeOut = await readFile(timeFile, 'utf8');
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(timeOut);
    if (m?.[1] !== undefined) rssKiB = Number(m[1]);
    const user = /User time \(seconds\): ([\d.]+)/.exec(timeOut)?.[1];
    const sys = /System time \(seconds\): ([\d.]+)/.exec(timeOut)?.[1];
    if (user !== undefined && sys !== undefined) cpuS = Number(user) + Number(sys);
  }
  let logTail = '';
  try {
    logTail = (await readFile(logFile, 'utf8')).slice(-1500);
  } catch {
    // no log
  }
  return { seconds, exitCode, timedOut, rssKiB, cpuS, logTail };
}

// ---------------------------------------------------------------------------------------------
// Tools

interface Ctx {
  readonly root: string;
  readonly server: Server;
  readonly work: string;
  readonly opts: Options;
  readonly baseEnv: Readonly<Record<string, string>>;
}

interface Tool {
  readonly name: ToolName;
  readonly label: string;
  readonly version: string;
  /** Cases this tool has (the raw SDK has no no-op or modify). */
  readonly cases: readonly CaseName[];
  /** Untimed preparation of a local folder bound to bucket/prefix (lsync init). */
  prepare?(ctx: Ctx, dir: string, bucket: string, prefix: string, logFile: string): Promise<Measured>;
  /** `kase` names the measurement (profile file names). */
  push(ctx: Ctx, dir: string, bucket: string, prefix: string, big: boolean, kase: CaseName): Cmd;
  pull(ctx: Ctx, dir: string, bucket: string, prefix: string, big: boolean, kase: CaseName): Cmd;
}

interface Absent {
  readonly name: ToolName;
  readonly why: string;
}

function baseEnv(server: Server, home: string): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    LANG: process.env['LANG'] ?? 'C.UTF-8',
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
    AWS_DEFAULT_REGION: server.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function lsyncTool(root: string): Tool {
  const bin = join(root, 'bin', 'lsync.js');
  const version = (() => {
    const r = spawnSync('git', ['-C', root, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' });
    const dirty = spawnSync('git', ['-C', root, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout.trim() !== '';
    return `lsync ${firstLine(r.stdout ?? '')}${dirty ? ' (src/ has uncommitted changes)' : ''}`;
  })();
  const node = (ctx: Ctx, profileName: string | undefined): string[] =>
    ctx.opts.profile && profileName !== undefined
      ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', join(ctx.work, 'profiles'), '--cpu-prof-name', `${profileName}.cpuprofile`, bin]
      : [process.execPath, bin];
  const env = (ctx: Ctx): Record<string, string> => ({ ...ctx.baseEnv, LSYNC_S3_PROVIDER: ctx.server.kind });
  let seq = 0;
  return {
    name: 'lsync',
    label: 'lsync',
    version,
    cases: CASES,
    async prepare(ctx, dir, bucket, prefix, logFile) {
      await mkdir(dir, { recursive: true });
      return measure({ argv: [...node(ctx, undefined), 'init', `s3://${bucket}/${prefix}`, '--endpoint', ctx.server.endpoint], cwd: dir, env: env(ctx) }, logFile, ctx.opts.timeoutS);
    },
    push(ctx, dir, _bucket, _prefix, _big, kase) {
      return { argv: [...node(ctx, `${String(++seq).padStart(2, '0')}-${kase}`), 'push'], cwd: dir, env: env(ctx) };
    },
    pull(ctx, dir, _bucket, _prefix, _big, kase) {
      return { argv: [...node(ctx, `${String(++seq).padStart(2, '0')}-${kase}`), 'pull'], cwd: dir, env: env(ctx) };
    },
  };
}

function awsTool(): Tool | Absent {
  // The pyenv shim is a bash script that re-resolves the interpreter on every call; use the
  // executable it resolves to, so the measurement is aws itself.
  let bin = which('aws');
  if (bin === undefined && existsSync('/root/.pyenv/shims/aws')) bin = '/root/.pyenv/shims/aws';
  if (bin === undefined) return { name: 'aws', why: '`aws` not found on PATH' };
  if (bin.includes('/.pyenv/shims/')) {
    const r = spawnSync('pyenv', ['which', 'aws'], { encoding: 'utf8' });
    const real = firstLine(r.stdout ?? '');
    if (r.status === 0 && real !== '' && existsSync(real)) bin = real;
  }
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) return { name: 'aws', why: `\`${bin} --version\` failed: ${firstLine(v.stderr ?? '')}` };
  const awsBin = bin;
  const env = (ctx: Ctx): Record<string, string> => ({
    ...ctx.baseEnv,
    AWS_CONFIG_FILE: join(ctx.work, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(ctx.work, 'aws-credentials'),
  });
  return {
    name: 'aws',
    label: 'aws s3 sync',
    version: `${firstLine(v.stdout || v.stderr)} (${awsBin})`,
    cases: CASES,
    push(ctx, dir, bucket, prefix) {
      return { argv: [awsBin, '--endpoint-url', ctx.server.endpoint, 's3', 'sync', dir, `s3://${bucket}/${prefix}`], cwd: dir, env: env(ctx) };
    },
    pull(ctx, dir, bucket, prefix) {
      return { argv: [awsBin, '--endpoint-url', ctx.server.endpoint, 's3', 'sync', `s3://${bucket}/${prefix}`, dir], cwd: dir, env: env(ctx) };
    },
  };
}

function rcloneTool(): Tool | Absent {
  const bin = which('rclone');
  if (bin === undefined) return { name: 'rclone', why: '`rclone` not found on PATH (apt-get install -y rclone)' };
  const v = spawnSync(bin, ['version'], { encoding: 'utf8' });
  if (v.status !== 0) return { name: 'rclone', why: `\`rclone version\` failed: ${firstLine(v.stderr ?? '')}` };
  const env = (ctx: Ctx): Record<string, string> => ({ ...ctx.baseEnv, RCLONE_CONFIG: join(ctx.work, 'rclone.conf') });
  // --fast-list: one recursive listing, like lsync and aws do. Without it rclone lists folder by
  // folder with a delimiter, and s3rver answers `prefix=small/&delimiter=/` over 1,000 keys with an
  // empty listing: the push then re-uploads everything and the pull finds nothing.
  const flags = ['--transfers', String(CONCURRENCY), '--checkers', String(CONCURRENCY), '--fast-list'];
  return {
    name: 'rclone',
    label: 'rclone',
    version: firstLine(v.stdout),
    cases: CASES,
    push(ctx, dir, bucket, prefix) {
      return { argv: [bin, 'copy', dir, `bench:${bucket}/${prefix}`, ...flags], cwd: dir, env: env(ctx) };
    },
    pull(ctx, dir, bucket, prefix) {
      return { argv: [bin, 'copy', `bench:${bucket}/${prefix}`, dir, ...flags], cwd: dir, env: env(ctx) };
    },
  };
}

function s3cmdTool(): Tool | Absent {
  const bin = which('s3cmd');
  if (bin === undefined) return { name: 's3cmd', why: '`s3cmd` not found on PATH (apt-get install -y s3cmd)' };
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) return { name: 's3cmd', why: `\`s3cmd --version\` failed: ${firstLine(v.stderr ?? '')}` };
  // Everything else (endpoint, path style, keys, no HTTPS) is in the config written by
  // writeToolConfigs; `-c` also keeps it from reading a ~/.s3cfg. s3cmd has no option for parallel
  // transfers (2.3: files one after the other, multipart parts too, "TODO use num_processes to
  // thread it" in S3/MultiPart.py), so it runs one at a time; otherwise with its defaults, as a
  // user would: size + MD5 comparison, 15 MiB multipart chunks, attributes in x-amz-meta-s3cmd-attrs.
  const config = (ctx: Ctx): string[] => ['-c', join(ctx.work, 's3cmd.cfg')];
  return {
    name: 's3cmd',
    label: 's3cmd sync',
    version: `${firstLine(v.stdout || v.stderr)} (${bin})`,
    cases: CASES,
    // The trailing slashes matter: `s3cmd sync DIR s3://B/P/` uploads to P/DIR-NAME/..., while
    // `DIR/` uploads DIR's contents, like `aws s3 sync` and `rclone copy` do.
    push(ctx, dir, bucket, prefix) {
      return { argv: [bin, ...config(ctx), 'sync', `${dir}/`, `s3://${bucket}/${prefix}`], cwd: dir, env: ctx.baseEnv };
    },
    pull(ctx, dir, bucket, prefix) {
      return { argv: [bin, ...config(ctx), 'sync', `s3://${bucket}/${prefix}`, `${dir}/`], cwd: dir, env: ctx.baseEnv };
    },
  };
}

function rawTool(): Tool {
  const self = fileURLToPath(import.meta.url);
  const cmd = (ctx: Ctx, mode: string, dir: string, bucket: string, prefix: string): Cmd => ({
    argv: [
      process.execPath,
      // With --profile the raw worker is profiled too: lsync's profile means most next to it.
      ...(ctx.opts.profile ? ['--cpu-prof', '--cpu-prof-dir', join(ctx.work, 'profiles'), '--cpu-prof-name', `raw-${mode}-${Date.now()}.cpuprofile`] : []),
      self, '--worker', mode, ctx.server.endpoint, bucket, prefix, dir,
    ],
    cwd: dir,
    env: ctx.baseEnv,
  });
  return {
    name: 'raw',
    label: 'raw SDK (server limit)',
    version: `@aws-sdk/client-s3 ${sdkVersion()}`,
    cases: ['push-small', 'noop', 'pull-small', 'push-big', 'pull-big'],
    push: (ctx, dir, bucket, prefix, big, kase) => cmd(ctx, kase === 'noop' ? 'raw-list' : big ? 'raw-put-big' : 'raw-put', dir, bucket, prefix),
    pull: (ctx, dir, bucket, prefix, big) => cmd(ctx, big ? 'raw-get-big' : 'raw-get', dir, bucket, prefix),
  };
}

function sdkVersion(): string {
  try {
    const p = JSON.parse(readFileSync(join(repoRoot(), 'node_modules/@aws-sdk/client-s3/package.json'), 'utf8')) as { version?: unknown };
    return String(p.version);
  } catch {
    return '?';
  }
}

async function writeToolConfigs(ctx: Ctx): Promise<void> {
  await writeFile(
    join(ctx.work, 'aws-config'),
    [
      '[default]',
      `region = ${ctx.server.region}`,
      // Botocore's newer default sends CRC32 trailers; local servers want plain Content-MD5.
      'request_checksum_calculation = when_required',
      'response_checksum_validation = when_required',
      's3 =',
      `  max_concurrent_requests = ${CONCURRENCY}`,
      '  addressing_style = path',
      '',
    ].join('\n'),
  );
  await writeFile(join(ctx.work, 'aws-credentials'), '');
  await writeFile(
    join(ctx.work, 'rclone.conf'),
    [
      '[bench]',
      'type = s3',
      'provider = Other',
      `access_key_id = ${ctx.server.accessKeyId}`,
      `secret_access_key = ${ctx.server.secretAccessKey}`,
      `endpoint = ${ctx.server.endpoint}`,
      `region = ${ctx.server.region}`,
      'force_path_style = true',
      // The buckets exist; rclone's CreateBucket probe gets BucketAlreadyExists from s3rver.
      'no_check_bucket = true',
      '',
    ].join('\n'),
  );
  const host = new URL(ctx.server.endpoint).host;
  await writeFile(
    join(ctx.work, 's3cmd.cfg'),
    [
      '[default]',
      `access_key = ${ctx.server.accessKeyId}`,
      `secret_key = ${ctx.server.secretAccessKey}`,
      // Empty: with a token s3cmd refreshes it from the EC2 metadata service before each request.
      'access_token =',
      `host_base = ${host}`,
      // No %(bucket)s in it: path-style requests (http://127.0.0.1:PORT/BUCKET/KEY).
      `host_bucket = ${host}`,
      'use_https = False',
      'signature_v2 = False',
      // Not the default "US": with it s3cmd first asks for the bucket's location (one more request per process).
      `bucket_location = ${ctx.server.region}`,
      '',
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------
// The run

interface Sample {
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

interface State {
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

interface LargeSample {
  readonly what: 'status' | 'list' | 'rescan';
  readonly seconds: number;
  readonly cpuS: number | undefined;
  readonly rssKiB: number | undefined;
  readonly ok: boolean;
  /** For the re-scan: the worker's own line (walk and database load timed apart). */
  readonly detail?: string;
}

function copyTree(from: string, to: string): void {
  const r = spawnSync('cp', ['-a', from, to], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cp -a ${from} ${to}: ${r.stderr}`);
}

async function verifySmall(pulled: string, reference: string, count: number): Promise<string | undefined> {
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
async function runTool(tool: Tool, run: number, ctx: Ctx, admin: Admin, dataSmall: string, bigFile: string, state: State, phase: 'small' | 'big'): Promise<void> {
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

  // Small files: push, no-op, modify, pull.
  if (opts.small && phase === 'small') {
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

  // One big file: push, pull.
  if (opts.big && phase === 'big') {
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
          else if ((await md5File(f)) !== bigMd5) bad = 'big.bin content differs';
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
}

let bigMd5 = '';

function largePath(i: number): string {
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
async function runLarge(ctx: Ctx, admin: Admin, tools: readonly Tool[], state: State): Promise<void> {
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
  const self = fileURLToPath(import.meta.url);
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

function lsyncNode(ctx: Ctx, profileName: string): string[] {
  const bin = join(ctx.root, 'bin', 'lsync.js');
  return ctx.opts.profile
    ? [process.execPath, '--cpu-prof', '--cpu-prof-dir', join(ctx.work, 'profiles'), '--cpu-prof-name', `${profileName}.cpuprofile`, bin]
    : [process.execPath, bin];
}

// ---------------------------------------------------------------------------------------------
// Profiles: self time per function from V8 .cpuprofile files

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

function isCpuProfile(x: unknown): x is CpuProfile {
  return typeof x === 'object' && x !== null && 'nodes' in x && Array.isArray(x.nodes) && 'samples' in x && Array.isArray(x.samples) && 'timeDeltas' in x && Array.isArray(x.timeDeltas);
}

function summariseProfile(file: string, root: string, top = 12): string {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isCpuProfile(parsed)) return `(${file}: not a CPU profile)`;
  const byId = new Map<number, ProfileNode>();
  for (const n of parsed.nodes) byId.set(n.id, n);
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < parsed.samples.length; i++) {
    const id = parsed.samples[i];
    const dt = parsed.timeDeltas[i] ?? 0;
    if (id === undefined) continue;
    const n = byId.get(id);
    if (n === undefined) continue;
    const cf = n.callFrame;
    let where = cf.url.replace(/^file:\/\//, '');
    if (where.startsWith(root)) where = where.slice(root.length + 1);
    where = where.replace(/^node_modules\//, 'nm/');
    const key = `${cf.functionName || '(anonymous)'} ${where !== '' ? `${where}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const wall = (parsed.endTime - parsed.startTime) / 1000;
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`profile ${relative(root, file)}: ${wall.toFixed(0)} ms wall, ${(total / 1000).toFixed(0)} ms sampled`];
  lines.push('| self ms | % | function |', '|---:|---:|---|');
  for (const [k, us] of rows) lines.push(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | \`${k}\` |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Report

const CASE_TEXT: Readonly<Record<CaseName, string>> = {
  'push-small': '1. push N small files into an empty prefix',
  noop: '2. no-op re-run (nothing changed)',
  modify: '3. re-run after rewriting 100 files',
  'pull-small': '4. pull N small files into an empty folder',
  'push-big': '5. push one big file',
  'pull-big': '6. pull one big file',
};

function fmtRange(xs: readonly number[], digits = 2): string {
  if (xs.length === 0) return '—';
  const m = median(xs).toFixed(digits);
  if (xs.length === 1) return m;
  return `${m} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
}

interface Machine {
  readonly lines: readonly string[];
}

function machineInfo(server: Server, tools: readonly Tool[], absent: readonly Absent[]): Machine {
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

function report(opts: Options, command: string, machine: Machine, tools: readonly Tool[], state: State, runsDone: number, started: Date, elapsedS: number): string {
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
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') {
    const [, mode, endpoint, bucket, prefix, dir] = argv;
    if (mode === undefined || endpoint === undefined || bucket === undefined || prefix === undefined || dir === undefined) usage();
    await rawWorker(mode, { endpoint, bucket, prefix, dir });
    return;
  }
  const root = repoRoot();
  const opts = parseOptions(argv, root);
  if (!existsSync(join(root, 'dist/src/cli/main.js'))) throw new Error('build first: npx tsc -p .');
  const started = new Date();
  const t0 = Date.now();
  const work = join('/dev/shm', `lsync-bench-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  log(`work folder ${work}${opts.quick ? ' (quick mode)' : ''}`);

  // Tools
  const tools: Tool[] = [];
  const absent: Absent[] = [];
  for (const name of opts.tools) {
    const t =
      name === 'lsync' ? lsyncTool(root) : name === 'aws' ? awsTool() : name === 'rclone' ? rcloneTool() : name === 's3cmd' ? s3cmdTool() : rawTool();
    if ('why' in t) {
      absent.push(t);
      log(`skipping ${t.name}: ${t.why}`);
    } else tools.push(t);
  }
  if (opts.server === 'moto' && which('moto_server') === undefined) throw new Error('--server moto: moto_server not on PATH');

  // Data
  const dataSmall = join(work, 'data', 'small');
  const bigDir = join(work, 'data', 'big');
  await mkdir(dataSmall, { recursive: true });
  await mkdir(bigDir, { recursive: true });
  log(`generating ${opts.smallCount} × ${opts.smallSize / KiB} KiB and one ${opts.bigSize / MiB} MiB file`);
  if (opts.small) await writeSmallDataset(dataSmall, opts.smallCount, opts.smallSize);
  const bigFile = join(bigDir, 'big.bin');
  if (opts.big) {
    await writeBigFile(bigFile, opts.bigSize);
    bigMd5 = await md5File(bigFile);
  }

  const server = await startServer(opts.server, root, join(work, 'server'));
  log(`${server.version} on ${server.endpoint}`);
  const admin = await adminClient(server);
  const ctx: Ctx = { root, server, work, opts, baseEnv: baseEnv(server, join(work, 'home')) };
  await mkdir(join(work, 'home'), { recursive: true });
  await writeToolConfigs(ctx);

  const command = `node dist/bench/run.js ${argv.join(' ')}`.trim();
  const machine = machineInfo(server, tools, absent);
  const state: State = { samples: [], initSeconds: [], failures: [], profiles: [], large: [] };
  const write = async (runsDone: number): Promise<void> => {
    await writeFile(opts.out, report(opts, command, machine, tools, state, runsDone, started, (Date.now() - t0) / 1000));
  };
  try {
    for (let run = 1; run <= opts.runs; run++) {
      log(`run ${run} of ${opts.runs}`);
      const order = tools.map((_, i) => tools[(i + run - 1) % tools.length]).filter((t): t is Tool => t !== undefined);
      for (const phase of ['small', 'big'] as const) for (const tool of order) await runTool(tool, run, ctx, admin, dataSmall, bigFile, state, phase);
      await write(run);
    }
    if (opts.large > 0) {
      await runLarge(ctx, admin, tools, state);
      await write(opts.runs);
    }
    if (opts.profile) {
      const dir = join(work, 'profiles');
      const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
      const keepDir = join(root, 'dist', 'bench-profiles');
      await mkdir(keepDir, { recursive: true });
      for (const f of files.sort()) {
        const dest = join(keepDir, f);
        await rm(dest, { force: true });
        copyTree(join(dir, f), dest);
        state.profiles.push(summariseProfile(dest, root));
      }
      if (files.length > 0) log(`profiles copied to ${keepDir}`);
      await write(opts.runs);
    }
  } finally {
    admin.destroy();
    await server.stop();
    if (!opts.keep) await rm(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
  log(`wrote ${opts.out} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  for (const c of children) killGroup(c, 'SIGKILL');
  process.exit(1);
});
