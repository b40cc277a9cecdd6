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

export async function rawWorker(mode: string, args: WorkerArgs): Promise<void> {
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
      const { openDatabase } = (await import(new URL('../../src/state/db.js', import.meta.url).href)) as typeof import('../../src/state/db.js');
      const { scanLocal } = (await import(new URL('../../src/scan/local.js', import.meta.url).href)) as typeof import('../../src/scan/local.js');
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
