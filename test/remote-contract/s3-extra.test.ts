/** S3-only behaviour on real servers: multipart failure and abort, bucket creation. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { s3RemoteOn } from '../support/s3-remote.js';
import { serverKinds, useServer } from '../support/servers.js';
import { listAll, rejectsKind } from './contract.js';

const MiB = 1024 * 1024;

for (const kind of serverKinds()) {
  describe(`S3Remote on ${kind}`, () => {
    const server = useServer(kind);
    let scratch: string;
    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'lsync-s3-extra-'));
    });
    after(() => rm(scratch, { recursive: true, force: true }));

    const open = (bucket: string, prefix = '') =>
      s3RemoteOn(server(), {
        bucket,
        prefix,
        multipartThreshold: 5 * MiB,
        partSize: 5 * MiB,
        concurrency: 2,
      });

    test('createBucket makes a missing bucket, and is fine when it exists', async () => {
      const remote = open(`lsync-created-${process.pid}`);
      try {
        await rejectsKind(remote.check(), 'no-bucket');
        await remote.createBucket();
        await remote.check();
        await remote.createBucket();
      } finally {
        await remote.close();
      }
    });

    test('versioning: probed from the bucket, version ids reported', async (t) => {
      if (kind === 's3rver') return t.skip('s3rver has no versioning API');
      const bucket = await server().createBucket();
      const { S3Client, PutBucketVersioningCommand } = await import('@aws-sdk/client-s3');
      const admin = new S3Client({
        endpoint: server().endpoint,
        region: server().region,
        forcePathStyle: true,
        credentials: { accessKeyId: server().accessKeyId, secretAccessKey: server().secretAccessKey },
      });
      await admin.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      admin.destroy();
      const remote = open(bucket);
      try {
        assert.equal((await remote.probeCapabilities()).versioning, true);
        const put = await remote.put('v.txt', { kind: 'bytes', data: Buffer.from('one') }, { meta: {} });
        assert.ok(put.versionId !== undefined && put.versionId !== '');
        assert.equal((await remote.stat('v.txt'))?.versionId, put.versionId);
      } finally {
        await remote.close();
      }
    });

    test('a multipart upload whose file is shorter than promised fails cleanly', async () => {
      const remote = open(await server().createBucket(), 'mp/');
      try {
        const file = join(scratch, 'short.bin');
        await writeFile(file, randomBytes(6 * MiB));
        await rejectsKind(remote.put('short.bin', { kind: 'file', file, size: 12 * MiB }, { meta: {} }), 'permanent');
        assert.equal(await remote.stat('short.bin'), undefined);
        assert.deepEqual(await listAll(remote), []);
      } finally {
        await remote.close();
      }
    });

    test('an aborted multipart upload stops and leaves no object', async () => {
      const remote = open(await server().createBucket(), 'mp/');
      try {
        const file = join(scratch, 'abort.bin');
        await writeFile(file, randomBytes(16 * MiB));
        const controller = new AbortController();
        let parts = 0;
        const put = remote.put('abort.bin', { kind: 'file', file, size: 16 * MiB }, {
          meta: {},
          signal: controller.signal,
          onProgress: () => {
            if (++parts === 1) controller.abort();
          },
        });
        await assert.rejects(put, (err: unknown) => err instanceof Error && err.name === 'AbortError');
        assert.ok(parts < 4, `stopped early (${parts} parts)`);
        assert.equal(await remote.stat('abort.bin'), undefined);
      } finally {
        await remote.close();
      }
    });
  });
}
