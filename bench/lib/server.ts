/** The S3 server the tools run against (s3rver or moto), and an admin client to make and empty buckets. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONCURRENCY, firstLine } from './util.js';
import { startServer as launch, type ServerInfo } from '../../test/support/launch.js';
import type { ServerKind } from './options.js';

/** A running server (the tests' launcher, test/support/launch.ts) and its version, for the report. */
export interface Server extends ServerInfo {
  readonly version: string;
}

/** The tests' own launcher, with the data on the bench's tmpfs work folder. */
export async function startServer(kind: ServerKind, root: string, dataDir: string): Promise<Server> {
  await mkdir(dataDir, { recursive: true });
  const info = await launch(kind, { dataDir });
  const version =
    kind === 's3rver'
      ? `s3rver ${String((JSON.parse(readFileSync(join(root, 'node_modules/s3rver/package.json'), 'utf8')) as { version?: unknown }).version)}`
      : `moto ${firstLine(spawnSync('moto_server', ['--version'], { encoding: 'utf8' }).stdout ?? '') || '(version unknown)'}`;
  return { ...info, version };
}

export interface Admin {
  createBucket(name: string): Promise<void>;
  deletePrefix(bucket: string, prefix: string): Promise<void>;
  /** Data objects under the prefix (not lsync's own `.lsync/`), and how many were last modified at or after `since`. */
  countWritten(bucket: string, prefix: string, since: Date): Promise<{ total: number; since: number }>;
  /** Uploads local files (repository-relative paths under `dir`) as `prefix + path`, many in flight. */
  putMany(bucket: string, prefix: string, dir: string, paths: readonly string[]): Promise<void>;
  destroy(): void;
}

export async function adminClient(server: Server): Promise<Admin> {
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
          // lsync's own bookkeeping (change feed, repository marker, kept versions) is not the data.
          if (o.Key?.startsWith(`${prefix}.lsync/`) === true) continue;
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
