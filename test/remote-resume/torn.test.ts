/**
 * Issue 11, defect 0: an 11 MiB file rewritten in place (same size) while its multipart upload
 * runs under a bandwidth limit (5 MiB parts, 2 MiB/s) must not complete as an object made of both
 * versions. The put fails (permanent, naming the file's change), the old object stays, no upload
 * is left behind where the service can list them, and the next put sends the new version.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RemoteError, type Remote } from '../../src/remote/remote.js';
import { withBandwidthLimit } from '../../src/remote/wrap/index.js';
import { s3RemoteOn } from '../support/s3-remote.js';
import { serverKinds, useServer } from '../support/servers.js';

const MiB = 1024 * 1024;
const SIZE = 11 * MiB;
const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

async function content(remote: Remote, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await remote.get(path)).body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

for (const kind of serverKinds()) {
  describe(`a file rewritten during its multipart upload (${kind})`, () => {
    const server = useServer(kind);
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lsync-torn-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    test('is not completed: the old object stays, and the next put sends the new version', async () => {
      const bucket = await server().createBucket();
      const s3 = s3RemoteOn(server(), { bucket, prefix: 'torn/', multipartThreshold: 5 * MiB, partSize: 5 * MiB });
      const remote = withBandwidthLimit(s3, 2 * MiB);
      try {
        const file = join(dir, 'big.bin');
        const old = randomBytes(SIZE);
        const fresh = randomBytes(SIZE);
        await writeFile(file, old);
        // The version already on the remote, uploaded without a limit.
        await s3.put('big.bin', { kind: 'file', file, size: SIZE }, { meta: { md5: md5(old) } });
        const before = await s3.stat('big.bin');

        // Now the same content again (say its mtime changed), rewritten in place midway.
        let rewritten: Promise<void> | undefined;
        const rewrite = async (): Promise<void> => {
          const handle = await open(file, 'r+');
          try {
            await handle.write(fresh, 0, SIZE, 0);
          } finally {
            await handle.close();
          }
        };
        const failed = await remote
          .put('big.bin', { kind: 'file', file, size: SIZE }, {
            meta: { md5: md5(old) },
            // Once the first bytes are on their way (progress counts them as they stream), the rest comes from the new bytes.
            onProgress: () => (rewritten ??= rewrite()),
          })
          .then(() => undefined, (err: unknown) => err);
        await rewritten;
        assert.ok(failed instanceof RemoteError, `the put must fail, got ${String(failed)}`);
        assert.equal(failed.kind, 'permanent');
        assert.match(failed.message, /changed while it was being uploaded/);
        assert.ok(!failed.message.includes('\n'));

        const after = await s3.stat('big.bin');
        assert.equal(after?.etag, before?.etag, 'the old object is untouched');
        assert.equal(md5(await content(s3, 'big.bin')), md5(old));
        const left = [];
        for await (const u of s3.listUploads()) left.push(u);
        assert.deepEqual(left, [], 'the upload was aborted');

        await remote.put('big.bin', { kind: 'file', file, size: SIZE }, { meta: { md5: md5(fresh) } });
        assert.equal(md5(await content(s3, 'big.bin')), md5(fresh));
        assert.equal((await s3.stat('big.bin'))?.meta?.md5, md5(fresh));
      } finally {
        await remote.close();
      }
    });

    test('a file changed before its upload starts is refused before anything is sent', async () => {
      const bucket = await server().createBucket();
      const s3 = s3RemoteOn(server(), { bucket, prefix: 'early/', multipartThreshold: 5 * MiB, partSize: 5 * MiB });
      try {
        const file = join(dir, 'early.bin');
        const data = randomBytes(6 * MiB);
        await writeFile(file, data);
        const err = await s3.put('x.bin', { kind: 'file', file, size: data.length }, { meta: { md5: md5(randomBytes(8)) } }).then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof RemoteError && err.kind === 'permanent', String(err));
        assert.equal(await s3.stat('x.bin'), undefined);
      } finally {
        await s3.close();
      }
    });
  });
}
