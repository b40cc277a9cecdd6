/**
 * Another tool's view of a world's remote: objects read and written directly (the S3 SDK, or plain
 * files for file://), never through lsync. For tests of what lsync does with what others wrote.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ServerInfo } from './launch.js';
import type { World } from './world.js';

/** A raw SDK client on a test server, as the bucket's owner (another tool, or the admin). */
export function ownerClient(info: ServerInfo): S3Client {
  return new S3Client({
    endpoint: info.endpoint,
    region: info.region,
    forcePathStyle: true,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A raw SDK client on the world's S3 server, with the bucket and key prefix (ending in '/') of its remote. */
export function rawS3(w: World): { client: S3Client; bucket: string; prefix: string } {
  const info = w.server;
  assert.ok(info, 'rawS3 needs an S3 world');
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(w.url);
  assert.ok(m?.[1] !== undefined);
  return { client: ownerClient(info), bucket: m[1], prefix: (m[2] ?? '').replace(/\/?$/, '/') };
}

/** The bytes stored on the remote under `path`, or undefined when there is no such object. */
export async function remoteBytes(w: World, path: string): Promise<Buffer | undefined> {
  if (w.server === undefined) {
    try {
      return await readFile(join(fileURLToPath(w.url), ...path.split('/')));
    } catch {
      return undefined;
    }
  }
  const { client, bucket, prefix } = rawS3(w);
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + path }));
    return got.Body === undefined ? undefined : Buffer.from(await got.Body.transformToByteArray());
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  } finally {
    client.destroy();
  }
}

/** Writes objects the way another tool would: straight into the bucket, or the remote directory. */
export async function foreignPut(w: World, files: Record<string, string | Uint8Array>): Promise<void> {
  if (w.server === undefined) {
    const root = fileURLToPath(w.url);
    for (const [path, body] of Object.entries(files)) {
      const abs = join(root, ...path.split('/'));
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, body);
    }
    return;
  }
  const { client, bucket, prefix } = rawS3(w);
  try {
    for (const [path, body] of Object.entries(files)) await client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + path, Body: body }));
  } finally {
    client.destroy();
  }
}
