/** The raw SDK worker (`run.js --worker MODE`, a separate process timed like every tool): the minimum a client of @aws-sdk/client-s3 needs to move the same bytes; also the large-repository rescan. */
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { CONCURRENCY, MiB } from './util.js';
import { listFiles } from './data.js';

export interface WorkerArgs {
  readonly endpoint: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly dir: string;
}

type S3 = typeof import('@aws-sdk/client-s3');

/** What every mode gets: the SDK, one client, the arguments, and a pool of CONCURRENCY lanes. */
interface Worker {
  readonly s3: S3;
  readonly client: InstanceType<S3['S3Client']>;
  readonly args: WorkerArgs;
  pool<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void>;
}

async function pool<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
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
}

/** Every file of the folder, one PutObject each. */
async function rawPut(w: Worker): Promise<void> {
  const files = await listFiles(w.args.dir);
  await w.pool(files, async (rel) => {
    const body = await readFile(join(w.args.dir, rel));
    await w.client.send(new w.s3.PutObjectCommand({ Bucket: w.args.bucket, Key: w.args.prefix + rel, Body: body }));
  });
  process.stdout.write(`put ${files.length} objects\n`);
}

async function rawList(w: Worker): Promise<void> {
  // What any no-op has to do at least: list the prefix.
  let count = 0;
  let token: string | undefined;
  do {
    const page = await w.client.send(
      new w.s3.ListObjectsV2Command({ Bucket: w.args.bucket, Prefix: w.args.prefix, ...(token !== undefined ? { ContinuationToken: token } : {}) }),
    );
    count += page.Contents?.length ?? 0;
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  process.stdout.write(`listed ${count} objects\n`);
}

/** Every object of the prefix into the folder, one GetObject each. */
async function rawGet(w: Worker): Promise<void> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await w.client.send(
      new w.s3.ListObjectsV2Command({
        Bucket: w.args.bucket,
        Prefix: w.args.prefix,
        ...(token !== undefined ? { ContinuationToken: token } : {}),
      }),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  const made = new Map<string, Promise<unknown>>();
  await w.pool(keys, async (key) => {
    const file = join(w.args.dir, key.slice(w.args.prefix.length));
    const parent = dirname(file);
    let dirReady = made.get(parent);
    if (dirReady === undefined) {
      dirReady = mkdir(parent, { recursive: true });
      made.set(parent, dirReady);
    }
    await dirReady;
    const res = await w.client.send(new w.s3.GetObjectCommand({ Bucket: w.args.bucket, Key: key }));
    if (res.Body === undefined) throw new Error(`no body for ${key}`);
    await writeFile(file, await res.Body.transformToByteArray());
  });
  process.stdout.write(`got ${keys.length} objects\n`);
}

async function rawPutBig(w: Worker): Promise<void> {
  // Multipart by hand: 16 MiB parts (lsync's part size) read with positional reads into
  // buffers, 16 UploadPart in flight, then CompleteMultipartUpload.
  const partSize = 16 * MiB;
  for (const rel of await listFiles(w.args.dir)) {
    const file = join(w.args.dir, rel);
    const size = (await stat(file)).size;
    const key = w.args.prefix + rel;
    const created = await w.client.send(new w.s3.CreateMultipartUploadCommand({ Bucket: w.args.bucket, Key: key }));
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new Error('no UploadId');
    const fh = await open(file, 'r');
    const parts: { PartNumber: number; ETag: string }[] = [];
    try {
      const numbers = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i + 1);
      await w.pool(numbers, async (n) => {
        const offset = (n - 1) * partSize;
        const buf = Buffer.allocUnsafe(Math.min(partSize, size - offset));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead !== buf.length) throw new Error('short read');
        const res = await w.client.send(new w.s3.UploadPartCommand({ Bucket: w.args.bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: buf }));
        if (res.ETag === undefined) throw new Error(`no ETag for part ${n}`);
        parts.push({ PartNumber: n, ETag: res.ETag });
      });
    } finally {
      await fh.close();
    }
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await w.client.send(new w.s3.CompleteMultipartUploadCommand({ Bucket: w.args.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  }
  process.stdout.write('uploaded\n');
}

async function rawGetBig(w: Worker): Promise<void> {
  // Ranged GETs of 16 MiB, 16 in flight, each streamed to its offset in the file.
  const partSize = 16 * MiB;
  const page = await w.client.send(new w.s3.ListObjectsV2Command({ Bucket: w.args.bucket, Prefix: w.args.prefix }));
  for (const o of page.Contents ?? []) {
    if (o.Key === undefined || o.Size === undefined) continue;
    const key = o.Key;
    const size = o.Size;
    const file = join(w.args.dir, key.slice(w.args.prefix.length));
    await mkdir(dirname(file), { recursive: true });
    const fh = await open(file, 'w');
    try {
      const starts = Array.from({ length: Math.ceil(size / partSize) }, (_, i) => i * partSize);
      await w.pool(starts, async (offset) => {
        const last = Math.min(size, offset + partSize) - 1;
        const res = await w.client.send(new w.s3.GetObjectCommand({ Bucket: w.args.bucket, Key: key, Range: `bytes=${offset}-${last}` }));
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
}

async function rescan(w: Worker): Promise<void> {
  // lsync's own re-scan of an unchanged tree, in-process (database load and walk timed apart).
  const { openDatabase } = (await import(new URL('../../src/state/db.js', import.meta.url).href)) as typeof import('../../src/state/db.js');
  const { scanLocal } = (await import(new URL('../../src/scan/local.js', import.meta.url).href)) as typeof import('../../src/scan/local.js');
  let t = performance.now();
  const db = await openDatabase(join(w.args.dir, '.lsync'));
  const loadMs = performance.now() - t;
  t = performance.now();
  const scan = await scanLocal(w.args.dir, { base: db.entries });
  const scanMs = performance.now() - t;
  await db.close();
  process.stdout.write(`rescan ${scan.entries.size} files: scan ${scanMs.toFixed(0)} ms, database load ${loadMs.toFixed(0)} ms\n`);
}

const MODES: Readonly<Record<string, (w: Worker) => Promise<void>>> = {
  'raw-put': rawPut,
  'raw-list': rawList,
  'raw-get': rawGet,
  'raw-put-big': rawPutBig,
  'raw-get-big': rawGetBig,
  rescan,
};

export async function rawWorker(mode: string, args: WorkerArgs): Promise<void> {
  const run = MODES[mode];
  if (run === undefined) throw new Error(`unknown worker mode ${mode}`);
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
  try {
    await run({ s3, client, args, pool });
  } finally {
    client.destroy();
    agent.destroy();
  }
}
