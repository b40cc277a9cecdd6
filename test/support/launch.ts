/**
 * Real S3 servers as child processes on free 127.0.0.1 ports, for tests (servers.ts adds the
 * node:test hooks) and for the benchmark (bench/lib/server.ts): one launcher. No SDK mocks anywhere.
 *
 * - `s3rver` (npm devDependency) is always available.
 * - `moto` runs when `moto_server` is on PATH; otherwise `serverKinds()` leaves it out and prints
 *   one line saying so.
 *
 * Typical use in a node:test file:
 *
 *     import { serverKinds, useServer } from '../support/servers.js';
 *     for (const kind of serverKinds()) {
 *       describe(kind, () => {
 *         const server = useServer(kind); // starts in before(), stops in after()
 *         test('...', async () => {
 *           const bucket = await server().createBucket();
 *           // spawn the CLI with { ...process.env, ...server().env } and `s3://${bucket}/prefix`
 *         });
 *       });
 *     }
 *
 * `env` holds everything a child process needs to reach the server (credentials, region,
 * `AWS_ENDPOINT_URL_S3`, `LSYNC_S3_PROVIDER` so the right quirks apply). Servers are stopped by
 * killing their process group; an exit hook kills any the test forgot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ServerKind = 's3rver' | 'moto';

export interface ServerInfo {
  readonly kind: ServerKind;
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** Credentials the server accepts. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Environment for a child process (merge over process.env). */
  readonly env: Readonly<Record<string, string>>;
  /** Create a bucket (a fresh unique name when none is given) and return its name. */
  createBucket(name?: string): Promise<string>;
  /** Stop the server (idempotent). */
  stop(): Promise<void>;
}

/** The repository root: the nearest folder above this file whose package.json is named lsync. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const parsed: unknown = JSON.parse(readFileSync(pkg, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && parsed.name === 'lsync') return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json named lsync) not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

function onPath(command: string): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

let motoNoticePrinted = false;

/** The servers this machine can run: s3rver always, moto when `moto_server` is on PATH. */
export function serverKinds(): ServerKind[] {
  if (onPath('moto_server')) return ['s3rver', 'moto'];
  if (!motoNoticePrinted) {
    motoNoticePrinted = true;
    process.stderr.write('moto_server not on PATH: moto tests skipped\n');
  }
  return ['s3rver'];
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

/** True once the server answers any HTTP request. */
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

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group: pyenv shims and wrappers included
  } catch {
    // already gone
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}

let bucketCounter = 0;

export interface LaunchOptions {
  /** Where the server keeps its data (bench: on tmpfs, removed by the caller). Default: a temporary folder removed by stop(). */
  readonly dataDir?: string;
}

/** Start one server and wait until it answers. */
export async function startServer(kind: ServerKind, options: LaunchOptions = {}): Promise<ServerInfo> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), `lsync-${kind}-`)));
  const child =
    kind === 's3rver'
      ? spawn(
          process.execPath,
          // DES-based continuation tokens need the legacy provider, or listings past 1,000 keys fail with 500.
          ['--openssl-legacy-provider', join(repoRoot(), 'node_modules/s3rver/bin/s3rver.js'),
            '-d', dataDir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--no-vhost-buckets'],
          { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
        )
      : spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
          detached: true,
          stdio: ['ignore', 'ignore', 'pipe'],
          cwd: dataDir,
        });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });

  const stop = async (): Promise<void> => {
    await stopChild(child);
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`${kind} exited before answering: ${stderr.trim()}`);
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${kind} did not answer on ${endpoint} within 30 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const accessKeyId = kind === 's3rver' ? 'S3RVER' : 'testing';
  const secretAccessKey = kind === 's3rver' ? 'S3RVER' : 'testing';
  const region = 'us-east-1';
  const env: Record<string, string> = {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_REGION: region,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LSYNC_S3_PROVIDER: kind,
  };

  return {
    kind,
    endpoint,
    accessKeyId,
    secretAccessKey,
    region,
    env,
    async createBucket(name?: string): Promise<string> {
      const bucket = name ?? `lsync-test-${process.pid}-${++bucketCounter}`;
      // Loaded lazily so test files that never start a server do not pay for the SDK.
      process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
      const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
      const client = new S3Client({
        endpoint,
        region,
        forcePathStyle: true,
        credentials: { accessKeyId, secretAccessKey },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } finally {
        client.destroy();
      }
      return bucket;
    },
    stop,
  };
}

